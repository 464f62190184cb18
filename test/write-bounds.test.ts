import { describe, expect, it } from "vitest";
import { generationCacheUrl, parseGeneration, storedGeneration } from "../src/cache/generation";
import { parseTagState, storedTagState, tagCacheUrl, tagName } from "../src/cache/tag-state";
import { LocationCache } from "../src/cache/location-cache";
import { itemRef } from "../src/items/items";
import { deploymentOf } from "../src/platform/deployment";
import { faults, viaFaults } from "./faults";
import { api, uniqueNamespace } from "./helpers";
import { testConfig, testStorage } from "./store";

// At the smallest SUBREQUEST_LIMIT, writes whose retries spend the request's subrequests: the work
// that keeps a bound after a write (dropping this location's copy, publishing a flush's generation
// or a tag's state) is never dropped for lack of them, and a write that landed is never answered as failed. Each case
// is swept over how many calls the retries take (k lost races, then one write whose answer is lost
// and that is found landed), so the last write lands on every possible count of calls left.

const LIMIT = "20";
const SWEEP = Array.from({ length: 9 }, (_, k) => k);

/** The Worker at SUBREQUEST_LIMIT=20 through the fault proxy, with time for every retry. */
async function atLimit(path: string, init: RequestInit = {}, limit = LIMIT, bindings: Partial<Record<keyof Env, string>> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await viaFaults(path, init, { SUBREQUEST_LIMIT: limit, STORAGE_TIMEOUT_MS: "5000", ...bindings });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** The next `k` PUTs under `path` lose a race (409); the one after lands with its answer lost. */
async function racesThenLostAnswer(path: string, k: number): Promise<void> {
  if (k > 0) await faults.fault({ mode: "conflict409", path, method: "PUT", count: k });
  await faults.fault({ mode: "resetAfter", path, method: "PUT", count: 1 });
}

/** What storage holds (never a location's copy). */
async function stored(ns: string, key: string): Promise<{ status: number; body: string; expiresAt: string | null }> {
  const response = await api(`/v1/${ns}/items/${key}`, { headers: { "cache-control": "no-cache" } });
  return { status: response.status, body: await response.text(), expiresAt: response.headers.get("x-expires-at") };
}

describe(`SUBREQUEST_LIMIT=${LIMIT}: a write whose retries spend the subrequests`, () => {
  it("incr: a 200 is a counted increment and a 503 is none, whatever the calls left for the drop after it", async () => {
    const ns = uniqueNamespace("wb-incr");
    expect((await api(`/v1/${ns}/items/n?op=incr&initial=0`, { method: "POST" })).status).toBe(200);
    let value = 0;
    const answers: number[] = [];
    for (const k of SWEEP) {
      for (const extra of [0, 1]) {
        // `extra`: the counter's first GET fails once, and its retry takes one more call.
        if (extra) await faults.fault({ mode: "error500", path: `${ns}/`, method: "GET", count: 1 });
        await racesThenLostAnswer(`${ns}/`, k);
        const answer = await atLimit(`/v1/${ns}/items/n?op=incr`, { method: "POST" });
        await faults.clear(`${ns}/`);
        answers.push(answer.status);
        expect([200, 503], answer.body).toContain(answer.status);
        if (answer.status === 200) {
          value += 1;
          expect((JSON.parse(answer.body) as { value: number }).value).toBe(value);
        }
        // The answer says what storage holds: a 503 never hides a counted increment (a retry would count it twice).
        expect((await stored(ns, "n")).body, `after ${k} lost races (+${extra}): ${answer.status} ${answer.body}`).toBe(String(value));
      }
    }
    expect(answers).toContain(200);
  });

  it("touch: a 200 is a new expiry and a 503 leaves the old one", async () => {
    const ns = uniqueNamespace("wb-touch");
    expect((await api(`/v1/${ns}/items/t?ttl=0`, { method: "PUT", body: "v" })).status).toBe(200);
    let expiresAt: string | null = null;
    for (const k of SWEEP) {
      // Each HEAD of the touch fails once (its retry takes a spare call), each copy loses a race.
      if (k > 0) await faults.fault({ mode: "conflict409", path: `${ns}/`, method: "PUT", count: k });
      await faults.fault({ mode: "error500", path: `${ns}/`, method: "HEAD", count: 2 * k + 1 });
      const answer = await atLimit(`/v1/${ns}/items/t?op=touch&ttl=${1000 + k}`, { method: "POST" });
      await faults.clear(`${ns}/`);
      // 502: the HEAD kept failing (its retry found no spare call); nothing was written.
      expect([200, 502, 503], answer.body).toContain(answer.status);
      if (answer.status === 200) expiresAt = answer.headers.get("x-expires-at");
      expect((await stored(ns, "t")).expiresAt, `after ${k} lost races: ${answer.status} ${answer.body}`).toBe(expiresAt);
    }
  });

  it("set: a 200 is never followed by this location's old copy", async () => {
    const ns = uniqueNamespace("wb-set");
    for (const k of SWEEP) {
      for (const extra of [0, 1]) {
        // A deployment (prefix) no request has used: its generation is learned by the write itself.
        const prefix = `${uniqueNamespace("wb-set")}/`;
        const bindings = { S3_PREFIX: prefix };
        const config = testConfig({ ...bindings, ...faults.store() });
        const ref = itemRef(prefix, deploymentOf(config), ns, 0, "s");
        expect((await testStorage(config).put(ref.objectKey, new TextEncoder().encode("old"), { contentType: "text/plain", expiresAt: null }, { kind: "none" })).ok).toBe(true);
        // This location holds a copy of it, as a read there would have left.
        await new LocationCache(caches.default).put(ref.cacheUrl, new Response("old").body, { etag: '"x"', contentType: "text/plain", size: 3, expiresAt: null, grace: 0, tags: [], writtenAt: null, userMeta: null }, 60);
        // With `extra`, the generation's GET fails once and its retry takes one more call.
        if (extra) await faults.fault({ mode: "error500", path: `${prefix}.generations/${ns}`, method: "GET", count: 1 });
        // k PUTs fail (500, each found not stored by a HEAD), then one lands with its answer lost.
        if (k > 0) await faults.fault({ mode: "error500", path: `${prefix}${ns}/`, method: "PUT", count: k });
        await faults.fault({ mode: "resetAfter", path: `${prefix}${ns}/`, method: "PUT", count: 1 });
        const value = `new-${k}-${extra}`;
        const answer = await atLimit(`/v1/${ns}/items/s`, { method: "PUT", body: value }, LIMIT, bindings);
        await faults.clear(prefix);
        expect([200, 502, 503], answer.body).toContain(answer.status);
        if (answer.status !== 200) continue;
        const read = await atLimit(`/v1/${ns}/items/s`, {}, "50", bindings);
        expect(read.body, `after ${k} failed PUTs (+${extra}): X-Cache ${read.headers.get("x-cache")}`).toBe(value);
      }
    }
  });

  it("flush: a 204 is published to this location's cache, so the rest of the location sees it", async () => {
    const ns = uniqueNamespace("wb-flush");
    const deployment = deploymentOf(testConfig({ ...faults.store() }));
    const entry = async (): Promise<number | null> => {
      const cached = await caches.default.match(generationCacheUrl(deployment, ns));
      return cached ? parseGeneration(await cached.text()) : null;
    };
    const config = testConfig();
    for (const k of SWEEP) {
      // This location's cache names the current generation (a read there keeps it).
      await atLimit(`/v1/${ns}/items/any`, { headers: { "cache-control": "no-cache" } }, "50");
      const before = (await storedGeneration(testStorage(config), config.prefix, ns)).generation;
      expect(await entry()).toBe(before);
      await racesThenLostAnswer(`.generations/${ns}`, k);
      const answer = await atLimit(`/v1/${ns}/flush`, { method: "POST" });
      await faults.clear(`.generations/${ns}`);
      expect([204, 503], answer.body).toContain(answer.status);
      const after = (await storedGeneration(testStorage(config), config.prefix, ns)).generation;
      if (answer.status === 204) {
        expect(after).toBe(before + 1);
        expect(await entry(), `after ${k} lost races: ${answer.status}`).toBe(after);
      }
    }
  });

  it("tag invalidation: a 204 is published to this location's cache, so the rest of the location sees it", async () => {
    const ns = uniqueNamespace("wb-tag");
    const deployment = deploymentOf(testConfig({ ...faults.store() }));
    const entry = async (): Promise<number | null> => {
      const cached = await caches.default.match(tagCacheUrl(deployment, ns, "t"));
      return cached ? (parseTagState(await cached.text())?.expiredAt ?? null) : null;
    };
    const config = testConfig();
    const statePath = `.tags/${ns}/${tagName("t")}`;
    expect((await atLimit(`/v1/${ns}/items/k?grace=3600`, { method: "PUT", body: "v", headers: { "x-tags": "t" } }, "50")).status).toBe(200);
    for (const k of SWEEP) {
      // This location's cache holds the tag's current state (a read there keeps it).
      await atLimit(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } }, "50");
      const before = (await storedTagState(testStorage(config), config.prefix, ns, "t")).state.expiredAt;
      expect(await entry()).toBe(before);
      await racesThenLostAnswer(statePath, k);
      const answer = await atLimit(`/v1/${ns}/tags/t?op=expire`, { method: "POST" });
      await faults.clear(statePath);
      expect([204, 503], answer.body).toContain(answer.status);
      const after = (await storedTagState(testStorage(config), config.prefix, ns, "t")).state.expiredAt;
      if (answer.status === 204) {
        expect(after).toBeGreaterThan(before);
        expect(await entry(), `after ${k} lost races: ${answer.status}`).toBe(after);
      }
    }
  });
});
