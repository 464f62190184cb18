import { describe, expect, it } from "vitest";
import { api, apiSettled, expectError, sleep, uniqueNamespace } from "./helpers";

interface Page {
  keys: { key: string; size: number; lastModified: number }[];
  cursor: string | null;
}

const put = (ns: string, key: string, value: string, query = "") =>
  api(`/v1/${ns}/items/${encodeURIComponent(key).replace(/%2F/g, "/")}${query}`, { method: "PUT", body: value }).then(async (r) => {
    await r.text();
    expect(r.status, key).toBeLessThan(300);
  });

/** S3 lists keys in the order of their UTF-8 bytes. */
function byUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

async function page(ns: string, query = ""): Promise<Page> {
  const response = await api(`/v1/${ns}/keys${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return (await response.json()) as Page;
}

async function all(ns: string, params: Record<string, string>): Promise<{ keys: Page["keys"]; pages: number }> {
  const keys: Page["keys"] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query = new URLSearchParams({ ...params, ...(cursor ? { cursor } : {}) }).toString();
    const result = await page(ns, `?${query}`);
    keys.push(...result.keys);
    cursor = result.cursor;
    pages += 1;
  } while (cursor !== null && pages < 50);
  return { keys, pages };
}

describe("GET /v1/{ns}/keys", () => {
  it("lists keys as written, with the value's size and last write, in order", async () => {
    const ns = uniqueNamespace("keys");
    const before = Math.floor(Date.now() / 1000);
    const items: Record<string, string> = { "a b": "1", "x/y+z": "22", "q&<>\"'": "333", "ü/😀": "", "100%": "4444", "a/b/c": "55555" };
    for (const [key, value] of Object.entries(items)) await put(ns, key, value);
    const result = await page(ns);
    expect(result.cursor).toBeNull();
    expect(result.keys.map((k) => k.key)).toEqual(Object.keys(items).sort(byUtf8));
    for (const listed of result.keys) {
      expect(listed.size, listed.key).toBe(new TextEncoder().encode(items[listed.key]).byteLength);
      expect(listed.lastModified).toBeGreaterThanOrEqual(before - 1);
      expect(listed.lastModified).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    }
  });

  it("pages with an opaque cursor until it is null, across many pages", async () => {
    const ns = uniqueNamespace("pages");
    const keys = Array.from({ length: 23 }, (_, i) => `k/${String(i).padStart(2, "0")}`);
    await Promise.all(keys.map((key) => put(ns, key, "v")));
    const { keys: listed, pages } = await all(ns, { limit: "5" });
    expect(listed.map((k) => k.key)).toEqual(keys);
    expect(pages).toBe(5);
    const first = await page(ns, "?limit=5");
    expect(first.keys).toHaveLength(5);
    expect(first.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(first.cursor).not.toContain("k/04");
  });

  it("filters by prefix and defaults to 100 keys a page", async () => {
    const ns = uniqueNamespace("prefix");
    await Promise.all(Array.from({ length: 105 }, (_, i) => put(ns, `user/${String(i).padStart(3, "0")}`, "v")));
    await put(ns, "other/1", "v");
    await put(ns, "user", "v");
    const first = await page(ns, "?prefix=user/");
    expect(first.keys).toHaveLength(100);
    expect(first.cursor).not.toBeNull();
    const { keys } = await all(ns, { prefix: "user/", limit: "1000" });
    expect(keys).toHaveLength(105);
    expect(keys.every((k) => k.key.startsWith("user/"))).toBe(true);
    expect((await page(ns, "?prefix=other")).keys.map((k) => k.key)).toEqual(["other/1"]);
    expect((await page(ns, "?prefix=nothing")).keys).toEqual([]);
  });

  it("lists only the current generation, and leaves deleted (tombstoned) items out", async () => {
    const ns = uniqueNamespace("gen");
    await put(ns, "old", "v");
    expect((await api(`/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    await put(ns, "new", "v");
    await put(ns, "gone", "v");
    await put(ns, "dropped", "v");
    const etag = (await api(`/v1/${ns}/items/gone`, { method: "HEAD" })).headers.get("etag") as string;
    // A conditional delete leaves a tombstone; a plain delete removes the object.
    expect((await api(`/v1/${ns}/items/gone`, { method: "DELETE", headers: { "if-match": etag } })).status).toBe(204);
    expect((await api(`/v1/${ns}/items/dropped`, { method: "DELETE" })).status).toBe(204);
    expect((await page(ns)).keys.map((k) => k.key)).toEqual(["new"]);
  });

  it("lists an expired item until it is swept (API.md), but not one whose read emptied it", async () => {
    const ns = uniqueNamespace("exp");
    await put(ns, "short", "v", "?ttl=1");
    await put(ns, "long", "v");
    await sleep(2100);
    expect((await page(ns)).keys.map((k) => k.key)).toEqual(["long", "short"]);
    // A read finds it expired and empties it (a tombstone), which the listing can tell.
    expect((await apiSettled(`/v1/${ns}/items/short`)).status).toBe(404);
    expect((await page(ns)).keys.map((k) => k.key)).toEqual(["long"]);
  });

  it("refuses a bad limit, cursor or prefix with 400", async () => {
    const ns = uniqueNamespace("bad");
    for (const query of ["?limit=0", "?limit=1001", "?limit=x", "?limit=-5", "?cursor=nope!", "?cursor=abc", "?prefix=%01"]) {
      await expectError(await api(`/v1/${ns}/keys${query}`), 400, "bad_request");
    }
    expect((await page(ns, "?limit=1000")).keys).toEqual([]);
    await expectError(await api(`/v1/NOPE/keys`), 400, "bad_request");
    await expectError(await api(`/v1/${ns}/keys`, { method: "DELETE" }), 405, "method_not_allowed");
    await expectError(await api(`/v1/${ns}/keys`, { anonymous: true }), 401, "unauthorized");
  });
});
