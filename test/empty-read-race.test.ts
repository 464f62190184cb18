import { afterEach, describe, expect, it } from "vitest";
import { aroundStorageCalls } from "./faults";
import { uniqueNamespace, withBindings } from "./helpers";

// An empty value is read in two storage calls (a ranged GET finding nothing after the nonce, then a
// HEAD): a write landing between them must never give a reader the new ETag with the old, empty value.
let undo = (): void => undefined;
afterEach(() => undo());

describe("a read of an empty value racing a write", () => {
  it("answers one version of the item: never the new ETag with the old empty value", async () => {
    const ns = uniqueNamespace("empty-race");
    const first = await withBindings({}, `/v1/${ns}/items/k`, { method: "PUT", body: "" });
    expect(first.status).toBe(200);
    await first.body?.cancel();
    let written: string | null = null;
    undo = aroundStorageCalls(async ({ method, path }, forward) => {
      // The first HEAD of the item's object: the value is replaced just before it reaches storage.
      if (method === "HEAD" && path.includes(`/${ns}/`) && written === null) {
        written = "writing";
        const put = await withBindings({}, `/v1/${ns}/items/k`, { method: "PUT", body: "new value" });
        written = ((await put.json()) as { etag: string }).etag;
      }
      return forward();
    });
    const read = await withBindings({}, `/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } });
    const body = await read.text();
    expect(written, "the write did not land between the read's calls").toMatch(/^"/);
    expect([read.status, read.headers.get("etag"), body]).toEqual([200, written, "new value"]);
  });
});
