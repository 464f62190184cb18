import { describe, expect, it } from "vitest";
import { expectError, sleep, uniqueNamespace } from "./helpers";
import { faults, viaFaults } from "./faults";

// stale-if-error: the location's copy outlives its freshness (EDGE_TTL, here 1 s) for as long as the
// item lives, and is served as `X-Cache: STALE` only when storage fails. Storage is reached through
// the fault proxy; STORAGE_TIMEOUT_MS is 400. Faults match the namespace anywhere in the path, so
// they hit the namespace's flush-generation object too: storage is down, not just one object.
const EDGE = { EDGE_TTL: "1" };
const get = (path: string, headers: Record<string, string> = {}, method = "GET") => viaFaults(path, { method, headers }, EDGE);

async function cachedItem(ttl: number): Promise<{ ns: string; etag: string }> {
  const ns = uniqueNamespace("stale");
  const put = await viaFaults(`/v1/${ns}/items/k?ttl=${ttl}`, { method: "PUT", body: "kept value", headers: { "content-type": "text/plain" } }, EDGE);
  expect(put.status).toBe(200);
  await put.body?.cancel();
  const miss = await get(`/v1/${ns}/items/k`);
  expect(miss.headers.get("x-cache")).toBe("MISS");
  await miss.body?.cancel();
  const hit = await get(`/v1/${ns}/items/k`);
  expect(hit.headers.get("x-cache")).toBe("HIT");
  expect(await hit.text()).toBe("kept value");
  return { ns, etag: put.headers.get("etag") ?? "" };
}

describe("stale-if-error", () => {
  it("past EDGE_TTL, a copy is revalidated against storage (MISS), not served alone", async () => {
    const { ns } = await cachedItem(60);
    await sleep(1100);
    const response = await get(`/v1/${ns}/items/k`);
    expect(response.headers.get("x-cache")).toBe("MISS");
    expect(await response.text()).toBe("kept value");
    expect((await faults.requests(`/${ns}/`)).filter((r) => r.method === "GET")).toHaveLength(2);
  });

  for (const mode of ["error500", "reset", "hang"] as const) {
    it(`storage failing (${mode}) past EDGE_TTL: the copy is served as STALE, while the item lives`, async () => {
      const { ns, etag } = await cachedItem(60);
      await sleep(1100);
      await faults.fault({ mode, path: ns, count: 20 });
      const response = await get(`/v1/${ns}/items/k`);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-cache")).toBe("STALE");
      expect(response.headers.get("etag")).toBe(etag);
      expect(response.headers.get("cache-control")).toBe("private, no-cache");
      // Told apart from stale by grace: its X-Expires-At is in the future, and Server-Timing says why.
      expect(Number(response.headers.get("x-expires-at"))).toBeGreaterThan(Date.now() / 1000);
      expect(response.headers.get("server-timing")).toContain("stale-error");
      expect(response.headers.get("server-timing")).not.toContain("stale-grace");
      expect(await response.text()).toBe("kept value");
      const headOnly = await get(`/v1/${ns}/items/k`, {}, "HEAD");
      expect(headOnly.status).toBe(200);
      expect(headOnly.headers.get("x-cache")).toBe("STALE");
      const notModified = await get(`/v1/${ns}/items/k`, { "if-none-match": etag });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get("x-cache")).toBe("STALE");
      await faults.clear(ns);
    });
  }

  it("a request with Cache-Control: no-cache gets storage's error, not the copy", async () => {
    const { ns } = await cachedItem(60);
    await faults.fault({ mode: "error500", path: ns, count: 20 });
    await expectError(await get(`/v1/${ns}/items/k`, { "cache-control": "no-cache" }), 502, "storage_error");
    await faults.clear(ns);
  });

  it("with no copy at this location, the client gets the documented 5xx", async () => {
    const ns = uniqueNamespace("stale");
    const put = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "v" }, EDGE);
    await put.body?.cancel();
    await faults.fault({ mode: "reset", path: ns, count: 20 });
    await expectError(await get(`/v1/${ns}/items/k`), 503, "storage_unavailable");
    await faults.clear(ns);
  });

  it("never past the item's expiry: an expired copy is not served, the client gets the 5xx", async () => {
    const { ns } = await cachedItem(2);
    await sleep(2100);
    await faults.fault({ mode: "error500", path: ns, count: 20 });
    await expectError(await get(`/v1/${ns}/items/k`), 502, "storage_error");
    await faults.clear(ns);
  });

  it("an item deleted through this location is never served stale", async () => {
    const { ns } = await cachedItem(60);
    const del = await viaFaults(`/v1/${ns}/items/k`, { method: "DELETE" }, EDGE);
    expect(del.status).toBe(204);
    await sleep(1100);
    await faults.fault({ mode: "error500", path: ns, count: 20 });
    await expectError(await get(`/v1/${ns}/items/k`), 502, "storage_error");
    await faults.clear(ns);
  });
});
