import { describe, expect, it } from "vitest";
import { api, expectError, uniqueNamespace } from "./helpers";
import { faults, viaFaults } from "./faults";

// Every storage request of these tests goes through the fault proxy (test/node/fault-proxy.ts),
// with STORAGE_TIMEOUT_MS = 400. Rules match on the test's unique namespace, so tests running in
// parallel never see each other's faults. What is stored is checked directly, without the proxy.

const NO_CACHE = { "cache-control": "no-cache" };

async function seed(ns: string, key: string, value: string): Promise<string> {
  const put = await api(`/v1/${ns}/items/${key}`, { method: "PUT", body: value, headers: { "content-type": "text/plain" } });
  expect(put.status).toBe(200);
  await put.body?.cancel();
  return put.headers.get("etag") ?? "";
}

/** What storage holds now, read without the proxy. */
async function stored(ns: string, key: string): Promise<{ status: number; body: string; etag: string | null }> {
  const response = await api(`/v1/${ns}/items/${key}`, { headers: NO_CACHE });
  return { status: response.status, body: await response.text(), etag: response.headers.get("etag") };
}

describe("reads under storage faults", () => {
  it("one 500 or 503 SlowDown is retried: the read succeeds with the right value", async () => {
    for (const mode of ["error500", "slowdown503"] as const) {
      const ns = uniqueNamespace("fault-r");
      await seed(ns, "k", "the value");
      await faults.fault({ mode, path: `/${ns}/`, method: "GET", count: 1 });
      const response = await viaFaults(`/v1/${ns}/items/k`, { headers: NO_CACHE });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("the value");
      const seen = await faults.requests(`/${ns}/`);
      expect(seen.filter((r) => r.method === "GET").map((r) => r.fault)).toEqual([mode, null]);
    }
  });

  it("a 500 that persists is a 502 storage_error", async () => {
    const ns = uniqueNamespace("fault-r");
    await seed(ns, "k", "v");
    await faults.fault({ mode: "error500", path: `/${ns}/`, count: 10 });
    await expectError(await viaFaults(`/v1/${ns}/items/k`, { headers: NO_CACHE }), 502, "storage_error");
    await faults.clear(`/${ns}/`);
  });

  it("a store that never answers is a 504 storage_timeout within twice STORAGE_TIMEOUT_MS", async () => {
    const ns = uniqueNamespace("fault-r");
    await seed(ns, "k", "v");
    await faults.fault({ mode: "hang", path: `/${ns}/`, count: 10 });
    const started = Date.now();
    await expectError(await viaFaults(`/v1/${ns}/items/k`, { headers: NO_CACHE }), 504, "storage_timeout");
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(2 * 400 + 250);
    await faults.clear(`/${ns}/`);
  });

  it("a reset connection is a 503 storage_unavailable", async () => {
    const ns = uniqueNamespace("fault-r");
    await seed(ns, "k", "v");
    await faults.fault({ mode: "reset", path: `/${ns}/`, count: 10 });
    await expectError(await viaFaults(`/v1/${ns}/items/k`, { headers: NO_CACHE }), 503, "storage_unavailable");
    await faults.clear(`/${ns}/`);
  });

  it("a small body cut short once is read again: 200, the whole value", async () => {
    const ns = uniqueNamespace("fault-r");
    const value = "0123456789".repeat(5000);
    await seed(ns, "k", value);
    await faults.fault({ mode: "cutResponse", path: `/${ns}/`, method: "GET", count: 1 });
    const response = await viaFaults(`/v1/${ns}/items/k`, { headers: NO_CACHE });
    expect(response.status).toBe(200);
    expect((await response.text()) === value).toBe(true);
    expect((await faults.requests(`/${ns}/`)).filter((r) => r.method === "GET").map((r) => r.fault)).toEqual(["cutResponse", null]);
  });

  for (const size of [50_000, 2_500_000]) {
    it(`a body of ${size} bytes cut short every time is an error for the client, never a short value, and is not cached`, async () => {
      const ns = uniqueNamespace("fault-r");
      const value = "0123456789".repeat(size / 10);
      await seed(ns, "k", value);
      await faults.fault({ mode: "cutResponse", path: `/${ns}/`, method: "GET", count: 5 });
      const response = await viaFaults(`/v1/${ns}/items/k`, { headers: NO_CACHE });
      let body: string | null = null;
      try {
        body = await response.text();
      } catch {
        body = null;
      }
      // Small values are read whole before answering: a 503. Large ones stream: the body read fails.
      if (size <= 1024 * 1024) await expectError(new Response(body, response), 503, "storage_unavailable");
      else {
        expect(response.status).toBe(200);
        expect(body).toBeNull();
      }
      await faults.clear(`/${ns}/`);
      // The location cache holds no truncated copy: a plain read (cache allowed) gives the whole value.
      const again = await viaFaults(`/v1/${ns}/items/k`);
      expect(again.status).toBe(200);
      const text = await again.text();
      expect(text.length).toBe(value.length);
      expect(text === value).toBe(true);
    });
  }
});

describe("writes under storage faults: durable and 2xx, or a 5xx with nothing half-written", () => {
  const cases = [
    { mode: "error500", status: 502, code: "storage_error" },
    { mode: "slowdown503", status: 502, code: "storage_error" },
    { mode: "reset", status: 503, code: "storage_unavailable" },
    { mode: "hang", status: 504, code: "storage_timeout" },
    { mode: "cutRequest", status: 503, code: "storage_unavailable" },
  ] as const;
  for (const { mode, status, code } of cases) {
    it(`PUT answered by ${mode}: ${status} ${code}, the old value intact`, async () => {
      const ns = uniqueNamespace("fault-w");
      const before = await seed(ns, "k", "old value");
      const fresh = "new value ".repeat(2000);
      await faults.fault({ mode, path: `/${ns}/`, method: "PUT", count: 10 });
      // Only "hang" is about the storage timeout: the others get time for their retries and backoff
      // even on a loaded machine, so that their own status is what is checked.
      const timeout = mode === "hang" ? {} : { STORAGE_TIMEOUT_MS: "5000" };
      const response = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: fresh, headers: { "content-type": "text/plain" } }, timeout);
      await expectError(response, status, code);
      await faults.clear(`/${ns}/`);
      const now = await stored(ns, "k");
      expect(now).toEqual({ status: 200, body: "old value", etag: before });
      // Bounded: a value held in memory is sent at most WRITE_ATTEMPTS (8) times, within the budget.
      const puts = (await faults.requests(`/${ns}/`)).filter((r) => r.method === "PUT");
      expect(puts.length).toBeGreaterThanOrEqual(1);
      expect(puts.length).toBeLessThanOrEqual(8);
    });
  }

  it("PUT whose answer is lost (reset after storage stored it): the Worker finds its write landed, 200", async () => {
    const ns = uniqueNamespace("fault-w");
    await seed(ns, "k", "old value");
    const fresh = "new value ".repeat(2000);
    await faults.fault({ mode: "resetAfter", path: `/${ns}/`, method: "PUT", count: 1 });
    const response = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: fresh, headers: { "content-type": "text/plain" } });
    expect(response.status).toBe(200);
    const etag = response.headers.get("etag");
    expect(await stored(ns, "k")).toEqual({ status: 200, body: fresh, etag });
  });

  it("a streamed value (2 MB) whose answer is lost: its nonce shows it landed, 200; a 500 that did not land: 502, old value intact", async () => {
    const ns = uniqueNamespace("fault-w");
    const before = await seed(ns, "k", "old value");
    const big = "streamed ".repeat(250_000);
    await faults.fault({ mode: "error500", path: `/${ns}/`, method: "PUT", count: 1 });
    await expectError(await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: big }), 502, "storage_error");
    expect(await stored(ns, "k")).toEqual({ status: 200, body: "old value", etag: before });
    await faults.fault({ mode: "resetAfter", path: `/${ns}/`, method: "PUT", count: 1 });
    const response = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: big });
    expect(response.status).toBe(200);
    const now = await stored(ns, "k");
    expect(now.etag).toBe(response.headers.get("etag"));
    expect(now.body === big).toBe(true);
  });

  it("a 500 on a cas that did not land is sent again (nothing written twice); one that landed is a success", async () => {
    const ns = uniqueNamespace("fault-w");
    const v1 = await seed(ns, "k", "one");
    await faults.fault({ mode: "error500", path: `/${ns}/`, method: "PUT", count: 1 });
    const response = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "two", headers: { "if-match": v1 } });
    expect(response.status).toBe(200);
    expect(await stored(ns, "k")).toEqual({ status: 200, body: "two", etag: response.headers.get("etag") });
    const puts = (await faults.requests(`/${ns}/`)).filter((r) => r.method === "PUT" && !r.path.includes(".dialect-probe"));
    expect(puts.map((r) => r.fault)).toEqual(["error500", null]);
  });

  it("a 409 ConditionalRequestConflict on a cas is retried and the cas succeeds once", async () => {
    const ns = uniqueNamespace("fault-w");
    const v1 = await seed(ns, "k", "one");
    await faults.fault({ mode: "conflict409", path: `/${ns}/`, method: "PUT", count: 2 });
    const response = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "two", headers: { "if-match": v1 } });
    expect(response.status).toBe(200);
    const etag = response.headers.get("etag");
    expect(await stored(ns, "k")).toEqual({ status: 200, body: "two", etag });
    const puts = (await faults.requests(`/${ns}/`)).filter((r) => r.method === "PUT" && !r.path.includes(".dialect-probe"));
    expect(puts.map((r) => r.fault)).toEqual(["conflict409", "conflict409", null]);
  });

  it("409 conflicts that never settle: a bounded number of tries, then 503 storage_unavailable, nothing stored", async () => {
    const ns = uniqueNamespace("fault-w");
    const v1 = await seed(ns, "k", "one");
    await faults.fault({ mode: "conflict409", path: `/${ns}/`, method: "PUT", count: 100 });
    const response = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "two", headers: { "if-match": v1 } }, { STORAGE_TIMEOUT_MS: "5000" });
    await expectError(response, 503, "storage_unavailable");
    await faults.clear(`/${ns}/`);
    expect(await stored(ns, "k")).toEqual({ status: 200, body: "one", etag: v1 });
    const puts = (await faults.requests(`/${ns}/`)).filter((r) => r.method === "PUT" && !r.path.includes(".dialect-probe"));
    expect(puts).toHaveLength(8);
  });

  it("a 409 ConditionalRequestConflict on a plain set is retried too", async () => {
    const ns = uniqueNamespace("fault-w");
    await seed(ns, "k", "one");
    await faults.fault({ mode: "conflict409", path: `/${ns}/`, method: "PUT", count: 1 });
    const response = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "two" });
    expect(response.status).toBe(200);
    expect((await stored(ns, "k")).body).toBe("two");
  });

  it("an incr under 500s and resets never loses or doubles an increment", async () => {
    const ns = uniqueNamespace("fault-w");
    await seed(ns, "n", "0");
    let acknowledged = 0;
    let failed = 0;
    for (let i = 0; i < 12; i++) {
      const mode = (["error500", "reset", "resetAfter"] as const)[i % 3] ?? "error500";
      if (i % 2 === 0) await faults.fault({ mode, path: `/${ns}/`, method: i % 4 === 0 ? "PUT" : "GET", count: 1 });
      const response = await viaFaults(`/v1/${ns}/items/n?op=incr`, { method: "POST" });
      if (response.status === 200) acknowledged += 1;
      else {
        expect(response.status).toBeGreaterThanOrEqual(500);
        failed += 1;
      }
      await response.body?.cancel();
      await faults.clear(`/${ns}/`);
    }
    const final = Number((await stored(ns, "n")).body);
    // Every acknowledged increment is there; a failed one may or may not have landed (a lost answer).
    expect(final).toBeGreaterThanOrEqual(acknowledged);
    expect(final).toBeLessThanOrEqual(acknowledged + failed);
  });
});
