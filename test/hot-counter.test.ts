import { describe, expect, it } from "vitest";
import { faults, viaFaults } from "./faults";
import { api, uniqueNamespace } from "./helpers";

// One counter incremented by many clients at once, on a store that writes one key slowly: R2 allows
// about one write per second to one key (faster ones are answered 429). Measured against the
// embedded store through the fault proxy; what is asserted is correctness, never speed.

const CLIENTS = 6;
const SLOW_STORE = { STORAGE_TIMEOUT_MS: "10000" };

async function incrementAll(ns: string): Promise<{ status: number; value: number | null; ms: number }[]> {
  return Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const started = Date.now();
      const response = await viaFaults(`/v1/${ns}/items/hits?op=incr`, { method: "POST" }, SLOW_STORE);
      const body = (await response.json()) as { value?: number };
      return { status: response.status, value: body.value ?? null, ms: Date.now() - started };
    }),
  );
}

async function counterValue(ns: string): Promise<number> {
  return Number(await (await api(`/v1/${ns}/items/hits`, { headers: { "cache-control": "no-cache" } })).text());
}

describe("a hot counter", () => {
  it("on a store that takes a second per write to the key: every increment lands exactly once", async () => {
    const ns = uniqueNamespace("hot");
    expect((await api(`/v1/${ns}/items/hits?op=incr&initial=0`, { method: "POST" })).status).toBe(200);
    await faults.fault({ mode: "delay", path: `/${ns}/`, method: "PUT", delayMs: 1000, count: 1000 });
    const answers = await incrementAll(ns);
    await faults.clear(`/${ns}/`);
    const puts = (await faults.requests(`/${ns}/`)).filter((r) => r.method === "PUT").length;
    console.info(JSON.stringify({ hotCounter: "slow writes (1 s each)", clients: CLIENTS, statuses: answers.map((a) => a.status), ms: answers.map((a) => a.ms).sort((a, b) => a - b), puts }));
    expect(answers.map((a) => a.status)).toEqual(Array(CLIENTS).fill(200));
    // Each increment saw its own value: none lost, none counted twice.
    expect(answers.map((a) => a.value).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: CLIENTS }, (_, i) => i + 1));
    expect(await counterValue(ns)).toBe(CLIENTS);
  });

  it("on a store that answers 429 to writes past one a second (R2): retried, never lost or doubled", async () => {
    const ns = uniqueNamespace("hot429");
    expect((await api(`/v1/${ns}/items/hits?op=incr&initial=0`, { method: "POST" })).status).toBe(200);
    await faults.fault({ mode: "throttle429", path: `/${ns}/`, method: "PUT", count: 2 * CLIENTS });
    const answers = await incrementAll(ns);
    await faults.clear(`/${ns}/`);
    const seen = (await faults.requests(`/${ns}/`)).filter((r) => r.method === "PUT");
    console.info(JSON.stringify({ hotCounter: "429 to writes", clients: CLIENTS, statuses: answers.map((a) => a.status), puts: seen.length, throttled: seen.filter((r) => r.fault === "throttle429").length }));
    // A 429 is a conflict: nothing was written, the increment tries again (a clear 503 once its tries are spent).
    for (const answer of answers) expect([200, 503]).toContain(answer.status);
    const landed = answers.filter((a) => a.status === 200);
    expect(landed.map((a) => a.value).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: landed.length }, (_, i) => i + 1));
    expect(await counterValue(ns)).toBe(landed.length);
  });
});
