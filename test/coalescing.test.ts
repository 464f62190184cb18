import { describe, expect, it } from "vitest";
import { api, uniqueNamespace } from "./helpers";
import { faults, viaFaults } from "./faults";
import { countSubrequests } from "./subrequests";

// Concurrent misses for one key in an isolate cost one storage GET, even when storage is slow:
// counted at the fault proxy, which every storage request of these reads goes through.
describe("request coalescing", () => {
  for (const noCache of [false, true]) {
    it(`20 concurrent reads of one key while storage is slow: one storage GET${noCache ? " (Cache-Control: no-cache)" : ""}`, async () => {
      const ns = uniqueNamespace("coalesce");
      const put = await api(`/v1/${ns}/items/hot`, { method: "PUT", body: "hot value", headers: { "content-type": "text/plain" } });
      await put.body?.cancel();
      await faults.fault({ mode: "delay", delayMs: 300, path: `/${ns}/`, method: "GET", count: 1 });
      const headers: Record<string, string> = noCache ? { "cache-control": "no-cache" } : {};
      const responses = await Promise.all(Array.from({ length: 20 }, () => viaFaults(`/v1/${ns}/items/hot`, { headers }, { STORAGE_TIMEOUT_MS: "5000" })));
      for (const response of responses) {
        expect(response.status).toBe(200);
        expect(response.headers.get("etag")).toBe(put.headers.get("etag"));
        expect(await response.text()).toBe("hot value");
      }
      const gets = (await faults.requests(`/${ns}/`)).filter((r) => r.method === "GET");
      expect(gets).toHaveLength(1);
    });
  }

  it("concurrent misses sharing one storage GET keep one location copy: one Cache API put, not one per reader", async () => {
    const ns = uniqueNamespace("coalesce");
    for (const key of ["one", "two", "hot"]) {
      const put = await api(`/v1/${ns}/items/${key}`, { method: "PUT", body: "hot value", headers: { "content-type": "text/plain" } });
      await put.body?.cancel();
    }
    // One reader's miss, for the calls of a miss of its own (the namespace's generation is known by now).
    await (await viaFaults(`/v1/${ns}/items/one`)).text();
    const single = await countSubrequests(async () => (await viaFaults(`/v1/${ns}/items/two`)).text());
    expect(single.cache.put).toBeGreaterThanOrEqual(1);
    await faults.fault({ mode: "delay", delayMs: 300, path: `/${ns}/`, method: "GET", count: 1 });
    const counted = await countSubrequests(() =>
      Promise.all(
        Array.from({ length: 10 }, async () => {
          const response = await viaFaults(`/v1/${ns}/items/hot`, {}, { STORAGE_TIMEOUT_MS: "5000" });
          return [response.status, response.headers.get("x-cache"), await response.text()];
        }),
      ),
    );
    expect(counted.result).toEqual(Array(10).fill([200, "MISS", "hot value"]));
    expect(counted.cache.put).toBe(single.cache.put);
    const after = await viaFaults(`/v1/${ns}/items/hot`);
    expect([after.headers.get("x-cache"), await after.text()]).toEqual(["HIT", "hot value"]);
  });

  it("a failed shared GET fails every waiting reader alike, and the next read asks storage again", async () => {
    const ns = uniqueNamespace("coalesce");
    const put = await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v" });
    await put.body?.cancel();
    await faults.fault({ mode: "error500", delayMs: 200, path: `/${ns}/`, method: "GET", count: 2 });
    const responses = await Promise.all(Array.from({ length: 5 }, () => viaFaults(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } })));
    for (const response of responses) {
      expect(response.status).toBe(502);
      await response.body?.cancel();
    }
    const next = await viaFaults(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } });
    expect(await next.text()).toBe("v");
    expect((await faults.requests(`/${ns}/`)).filter((r) => r.method === "GET")).toHaveLength(3);
  });
});
