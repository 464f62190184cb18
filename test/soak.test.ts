import { describe, expect, it } from "vitest";
import { api, uniqueNamespace } from "./helpers";

// Soak: many concurrent clients mix every operation for a bounded time, through the Worker and its
// location cache, against the real store. Each client keeps a model of its own keys (one writer per
// key, so the model is exact) and all clients hammer shared counters. Afterwards: no lost increment,
// no resurrected delete, no read of an expired item, no 5xx.
const SOAK_MS = 10_000;
const CLIENTS = 12;
const KEYS_PER_CLIENT = 3;
const COUNTERS = 3;

type Live = { value: string; etag: string; expiresAt: number | null };
type Model = Live | null;

const nowSec = () => Math.floor(Date.now() / 1000);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

describe("soak", () => {
  it(`${CLIENTS} clients mixing every operation for ${SOAK_MS / 1000} s`, { timeout: SOAK_MS + 60_000 }, async () => {
    const ns = uniqueNamespace("soak");
    const violations: string[] = [];
    const statuses = new Map<number, number>();
    const note = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const counted = new Array<number>(COUNTERS).fill(0);
    const unsure = new Array<number>(COUNTERS).fill(0);
    for (let i = 0; i < COUNTERS; i++) {
      const created = await api(`/v1/${ns}/items/counter-${i}?op=incr&by=0&initial=0&ttl=0`, { method: "POST" });
      expect(created.status).toBe(200);
      await created.body?.cancel();
    }
    const deadline = Date.now() + SOAK_MS;

    /** A read checked against the model: never an expired item, never a deleted one, never a wrong value. */
    async function check(key: string, model: Model, noCache: boolean, label: string): Promise<void> {
      const before = nowSec();
      const response = await api(`/v1/${ns}/items/${key}`, noCache ? { headers: { "cache-control": "no-cache" } } : {});
      const after = nowSec();
      note(response.status);
      const body = await response.text();
      const header = response.headers.get("x-expires-at");
      if (response.status === 200 && header !== null && Number(header) <= before) violations.push(`${label}: served an item expired at ${header} (now ${before})`);
      const liveFor = (m: Model, t: number) => m !== null && (m.expiresAt === null || m.expiresAt > t);
      if (liveFor(model, after)) {
        if (response.status !== 200 || body !== model?.value || response.headers.get("etag") !== model?.etag) {
          violations.push(`${label}: expected ${model?.value}/${model?.etag}, got ${response.status} ${body.slice(0, 40)} ${response.headers.get("etag")}`);
        }
      } else if (!liveFor(model, before)) {
        if (response.status !== 404) violations.push(`${label}: expected 404 (absent or expired), got ${response.status} ${body.slice(0, 40)}`);
      }
    }

    async function client(id: number): Promise<void> {
      const models: Model[] = new Array<Model>(KEYS_PER_CLIENT).fill(null);
      let step = 0;
      while (Date.now() < deadline) {
        step += 1;
        const k = Math.floor(Math.random() * KEYS_PER_CLIENT);
        const key = `c${id}/k${k}`;
        const label = `client ${id} step ${step} ${key}`;
        const model = models[k] ?? null;
        const op = pick(["set", "set", "add", "cas", "staleCas", "delete", "ifMatchDelete", "touch", "read", "readNoCache", "incr", "incr", "incr"] as const);
        const ttl = pick([0, 60, 1]);
        const value = `${id}-${step}-${Math.random().toString(36).slice(2)}`;
        let response: Response;
        switch (op) {
          case "set":
          case "add":
          case "cas":
          case "staleCas": {
            const headers: Record<string, string> = { "content-type": "text/plain" };
            if (op === "add") headers["if-none-match"] = "*";
            if (op === "cas") headers["if-match"] = model?.etag ?? '"none"';
            if (op === "staleCas") headers["if-match"] = '"0123456789abcdef0123456789abcdef"';
            const t0 = nowSec();
            response = await api(`/v1/${ns}/items/${key}?ttl=${ttl}`, { method: "PUT", body: value, headers });
            note(response.status);
            const live = model !== null && (model.expiresAt === null || model.expiresAt > t0);
            if (response.status === 200 || response.status === 201) {
              const json = (await response.json()) as { etag: string; expiresAt: number | null };
              if (op === "staleCas") violations.push(`${label}: a cas on a made-up ETag succeeded`);
              if (op === "cas" && !live && model !== null && model.expiresAt !== null && model.expiresAt <= t0 - 1) violations.push(`${label}: a cas on an expired item succeeded`);
              models[k] = { value, etag: json.etag, expiresAt: json.expiresAt };
            } else {
              await response.body?.cancel();
              if (response.status !== 412) violations.push(`${label}: ${op} answered ${response.status}`);
              if (op === "set") violations.push(`${label}: a set failed with ${response.status}`);
              if (op === "cas" && live && model?.expiresAt === null) violations.push(`${label}: a cas on the current ETag was refused`);
            }
            break;
          }
          case "delete":
          case "ifMatchDelete": {
            const headers: Record<string, string> = op === "ifMatchDelete" && model ? { "if-match": model.etag } : {};
            response = await api(`/v1/${ns}/items/${key}`, { method: "DELETE", headers });
            note(response.status);
            await response.body?.cancel();
            if (response.status === 204) models[k] = null;
            else if (!(response.status === 412 && op === "ifMatchDelete")) violations.push(`${label}: delete answered ${response.status}`);
            break;
          }
          case "touch": {
            response = await api(`/v1/${ns}/items/${key}?op=touch&ttl=${ttl}`, { method: "POST" });
            note(response.status);
            if (response.status === 200) {
              const json = (await response.json()) as { etag: string; expiresAt: number | null };
              if (model === null) violations.push(`${label}: touch found a deleted item`);
              else models[k] = { ...model, etag: json.etag, expiresAt: json.expiresAt };
            } else {
              await response.body?.cancel();
              if (response.status !== 404) violations.push(`${label}: touch answered ${response.status}`);
              else if (model !== null && model.expiresAt === null) violations.push(`${label}: touch missed a live item`);
            }
            break;
          }
          case "read":
          case "readNoCache":
            await check(key, model, op === "readNoCache", label);
            break;
          case "incr": {
            const c = Math.floor(Math.random() * COUNTERS);
            response = await api(`/v1/${ns}/items/counter-${c}?op=incr`, { method: "POST" });
            note(response.status);
            await response.body?.cancel();
            if (response.status === 200) counted[c] = (counted[c] ?? 0) + 1;
            else {
              unsure[c] = (unsure[c] ?? 0) + 1;
              violations.push(`${label}: incr answered ${response.status}`);
            }
            break;
          }
        }
      }
      // Afterwards: every key reads as its model says, from storage and through the cache.
      for (let k = 0; k < KEYS_PER_CLIENT; k++) {
        await check(`c${id}/k${k}`, models[k] ?? null, true, `client ${id} final k${k}`);
        await check(`c${id}/k${k}`, models[k] ?? null, false, `client ${id} final cached k${k}`);
      }
    }

    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
    for (let c = 0; c < COUNTERS; c++) {
      const response = await api(`/v1/${ns}/items/counter-${c}`, { headers: { "cache-control": "no-cache" } });
      const value = Number(await response.text());
      if (value < (counted[c] ?? 0) || value > (counted[c] ?? 0) + (unsure[c] ?? 0)) violations.push(`counter ${c}: ${value}, acknowledged ${counted[c]}`);
    }
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    console.log(JSON.stringify({ soak: { requests: total, statuses: Object.fromEntries(statuses), counters: counted } }));
    expect(violations.slice(0, 10)).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(total).toBeGreaterThan(CLIENTS * 10);
  });
});
