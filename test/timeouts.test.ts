import { describe, expect, it } from "vitest";
import { api, expectError, uniqueNamespace } from "./helpers";
import { faults, viaFaults } from "./faults";

// STORAGE_TIMEOUT_MS (400 here) bounds each storage call; a request never waits on storage more
// than twice that in all, however many calls and retries it makes; then 504 storage_timeout.
const TIMEOUT = 400;
const SLACK = 300;

async function seed(ns: string, key: string, value: string): Promise<string> {
  const put = await api(`/v1/${ns}/items/${key}`, { method: "PUT", body: value });
  await put.body?.cancel();
  return put.headers.get("etag") ?? "";
}

async function timed(run: () => Promise<Response>): Promise<{ response: Response; ms: number }> {
  const started = Date.now();
  const response = await run();
  return { response, ms: Date.now() - started };
}

describe("storage timeouts", () => {
  it("one slow call: 504 storage_timeout after STORAGE_TIMEOUT_MS for a write (not retried)", async () => {
    const ns = uniqueNamespace("timeout");
    await faults.fault({ mode: "hang", path: `/${ns}/`, method: "PUT", count: 5 });
    const { response, ms } = await timed(() => viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "v" }));
    await expectError(response, 504, "storage_timeout");
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT);
    expect(ms).toBeLessThan(TIMEOUT + SLACK);
    expect((await faults.requests(`/${ns}/`)).filter((r) => r.method === "PUT")).toHaveLength(1);
    await faults.clear(`/${ns}/`);
  });

  it("many calls that are each slow but within the timeout: the request still stops at twice the timeout", async () => {
    const ns = uniqueNamespace("timeout");
    const etag = await seed(ns, "k", "v1");
    // Every PUT answers a conflict after 300 ms: a cas keeps retrying, each try within the timeout.
    await faults.fault({ mode: "conflict409", delayMs: 300, path: `/${ns}/`, method: "PUT", count: 50 });
    const { response, ms } = await timed(() => viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "v2", headers: { "if-match": etag } }));
    await expectError(response, 504, "storage_timeout");
    expect(ms).toBeLessThan(2 * TIMEOUT + SLACK);
    await faults.clear(`/${ns}/`);
    const stored = await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } });
    expect(await stored.text()).toBe("v1");
  });

  it("an incr whose every call is slow stops at twice the timeout, and loses nothing", async () => {
    const ns = uniqueNamespace("timeout");
    await seed(ns, "n", "5");
    await faults.fault({ mode: "delay", delayMs: 350, path: `/${ns}/`, count: 50 });
    const { response, ms } = await timed(() => viaFaults(`/v1/${ns}/items/n?op=incr`, { method: "POST" }));
    expect(ms).toBeLessThan(2 * TIMEOUT + SLACK);
    const status = response.status;
    await response.body?.cancel();
    await faults.clear(`/${ns}/`);
    const stored = await api(`/v1/${ns}/items/n`, { headers: { "cache-control": "no-cache" } });
    const value = Number(await stored.text());
    // 200: the increment landed. 504: it may have landed (its answer was too late) — never twice.
    if (status === 200) expect(value).toBe(6);
    else {
      expect(status).toBe(504);
      expect([5, 6]).toContain(value);
    }
  });

  it("a reset connection is 503 storage_unavailable (an idempotent read is tried twice, a write once)", async () => {
    const ns = uniqueNamespace("timeout");
    await seed(ns, "k", "v");
    await faults.fault({ mode: "reset", path: `/${ns}/`, count: 10 });
    await expectError(await viaFaults(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } }), 503, "storage_unavailable");
    await expectError(await viaFaults(`/v1/${ns}/items/k?op=touch&ttl=60`, { method: "POST" }), 503, "storage_unavailable");
    await faults.clear(`/${ns}/`);
    const seen = await faults.requests(`/${ns}/`);
    expect(seen.filter((r) => r.method === "GET").length).toBe(2);
  });
});
