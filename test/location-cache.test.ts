import { describe, expect, it } from "vitest";
import { api, apiSettled, expectError, sleep, uniqueNamespace } from "./helpers";

const get = (path: string, headers: Record<string, string> = {}) => api(path, { headers });

async function readTwice(path: string): Promise<[Response, Response]> {
  // The location cache is filled in the background (waitUntil): the first read returns once it is.
  const first = await apiSettled(path);
  await first.text();
  const second = await get(path);
  return [first, second];
}

describe("the location cache", () => {
  it("answers a second read as a HIT with the same headers, and no-cache as a MISS", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k?ttl=300`, { method: "PUT", body: "cached", headers: { "content-type": "text/plain" } });
    const [first, second] = await readTwice(`/v1/${ns}/items/k`);
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(await second.text()).toBe("cached");
    for (const name of ["etag", "x-expires-at", "content-type", "content-length"]) expect(second.headers.get(name), name).toBe(first.headers.get(name));
    expect(second.headers.get("cache-control")).toBe("private, no-cache");
    const fresh = await get(`/v1/${ns}/items/k`, { "cache-control": "no-cache" });
    expect(fresh.headers.get("x-cache")).toBe("MISS");
    expect(await fresh.text()).toBe("cached");
  });

  it("never serves an item past its expiry, even while cached", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k?ttl=2`, { method: "PUT", body: "short-lived" });
    const [, second] = await readTwice(`/v1/${ns}/items/k`);
    expect(second.headers.get("x-cache")).toBe("HIT");
    await second.text();
    await sleep(2100);
    await expectError(await get(`/v1/${ns}/items/k`), 404, "not_found");
    expect((await api(`/v1/${ns}/items/k`, { method: "HEAD" })).status).toBe(404);
  });

  it("a write through this location is seen here at once (overwrite after a cached read)", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "old" });
    const [, cached] = await readTwice(`/v1/${ns}/items/k`);
    expect(cached.headers.get("x-cache")).toBe("HIT");
    await cached.text();
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "new" });
    expect(await (await get(`/v1/${ns}/items/k`)).text()).toBe("new");
  });

  it("a delete through this location is seen here at once", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v" });
    const [, cached] = await readTwice(`/v1/${ns}/items/k`);
    expect(cached.headers.get("x-cache")).toBe("HIT");
    await cached.text();
    await api(`/v1/${ns}/items/k`, { method: "DELETE" });
    await expectError(await get(`/v1/${ns}/items/k`), 404, "not_found");
  });

  it("touch, incr, replace and cas through this location are seen here at once", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/n`, { method: "PUT", body: "1" });
    const [, cached] = await readTwice(`/v1/${ns}/items/n`);
    await cached.text();
    await api(`/v1/${ns}/items/n?op=incr`, { method: "POST" });
    expect(await (await apiSettled(`/v1/${ns}/items/n`)).text()).toBe("2");
    await api(`/v1/${ns}/items/n`, { method: "PUT", body: "3", headers: { "if-match": "*" } });
    expect(await (await apiSettled(`/v1/${ns}/items/n`)).text()).toBe("3");
    const touched = await (await api(`/v1/${ns}/items/n?op=touch&ttl=0`, { method: "POST" })).json<{ etag: string }>();
    const afterTouch = await get(`/v1/${ns}/items/n`);
    expect(afterTouch.headers.get("x-expires-at")).toBeNull();
    expect(afterTouch.headers.get("etag")).toBe(touched.etag);
  });

  it("an item written elsewhere (straight to storage) is served from this location's copy until it is revalidated", async () => {
    // Simulates another location: its write reaches storage but not this location's cache.
    // Cache-Control: no-cache is how a client asks for read-your-writes from anywhere.
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v1" });
    const [, cached] = await readTwice(`/v1/${ns}/items/k`);
    expect(await cached.text()).toBe("v1");
    const { etag } = await (await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v2" })).json<{ etag: string }>();
    const revalidated = await get(`/v1/${ns}/items/k`, { "cache-control": "no-cache" });
    expect(await revalidated.text()).toBe("v2");
    expect(revalidated.headers.get("etag")).toBe(etag);
  });

  it("HEAD does not fill the cache with an empty body", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "body" });
    await apiSettled(`/v1/${ns}/items/k`, { method: "HEAD" });
    const after = await get(`/v1/${ns}/items/k`);
    expect(await after.text()).toBe("body");
  });
});
