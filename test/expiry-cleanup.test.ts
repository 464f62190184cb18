import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/platform/config";
import { objectKey } from "../src/storage/object-key";
import { api, apiSettled, expectError, sleep, uniqueNamespace } from "./helpers";
import { testStorage } from "./store";

const config = parseConfig(env);
const storage = () => testStorage(config);

describe("lazy expiry", () => {
  it("an expired item read is emptied in storage in the background, only that version", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k?ttl=1`, { method: "PUT", body: "x".repeat(5000) });
    const key = objectKey(config.prefix, ns, 0, "k");
    expect((await storage().head(key))?.size).toBe(5000);
    await sleep(2100);
    await expectError(await apiSettled(`/v1/${ns}/items/k`), 404, "not_found");
    const after = await storage().head(key);
    expect(after?.tombstone).toBe(true);
    expect(after?.size).toBe(0);
  });

  it("a value written after the expiry is never emptied by the cleanup of the old one", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k?ttl=1`, { method: "PUT", body: "old" });
    const key = objectKey(config.prefix, ns, 0, "k");
    const old = await storage().head(key);
    await sleep(2100);
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "new" });
    // The cleanup of the old version arrives late: it must not touch the new one.
    const result = await storage().tombstone(key, old?.etag ?? "");
    expect(result.ok).toBe(false);
    expect(await (await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } })).text()).toBe("new");
  });
});
