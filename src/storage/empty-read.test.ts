import { describe, expect, it } from "vitest";
import { CHANGED_BETWEEN_CALLS, emptyValueOf, readOneVersion } from "./empty-read";
import type { StoredHead } from "./object-format";

const head = (size: number): StoredHead => ({ etag: '"e"', size, tombstone: false, meta: { contentType: "text/plain", expiresAt: null } });

describe("an empty value's read", () => {
  it("is the empty value the HEAD describes; absent when the object is gone; read again when the HEAD shows a value", async () => {
    const empty = emptyValueOf(head(0));
    expect(empty).not.toBe(CHANGED_BETWEEN_CALLS);
    expect(empty && empty !== CHANGED_BETWEEN_CALLS && (await new Response(empty.body).text())).toBe("");
    expect(emptyValueOf(null)).toBeNull();
    expect(emptyValueOf(head(8))).toBe(CHANGED_BETWEEN_CALLS);
  });

  it("reads until one version answers, and gives up with a 503 when the object keeps changing", async () => {
    let calls = 0;
    expect(await readOneVersion(async () => (++calls < 2 ? CHANGED_BETWEEN_CALLS : null))).toBeNull();
    expect(calls).toBe(2);
    await expect(readOneVersion(async () => CHANGED_BETWEEN_CALLS)).rejects.toMatchObject({ code: "storage_unavailable" });
  });
});
