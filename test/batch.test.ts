import { describe, expect, inject, it } from "vitest";
import { MAX_BATCH_BODY_BYTES } from "../src/batch/request";
import { MAX_BATCH_VALUE_BYTES } from "../src/batch/run";
import { faults, viaFaults } from "./faults";
import { api, expectError, sleep, uniqueNamespace, withBindings } from "./helpers";
import { unreachableStore } from "./store";

/** Nothing listens there (test/global-setup.ts). */

interface Got {
  value: string;
  encoding: "utf8" | "base64";
  contentType: string;
  etag: string;
  expiresAt: number | null;
}
interface KeyError {
  error: { code: string; message: string };
}
interface Answer {
  set: Record<string, { etag: string; expiresAt: number | null } | KeyError>;
  delete: Record<string, Record<string, never> | KeyError>;
  get: Record<string, Got | KeyError | null>;
}

async function batch(ns: string, body: unknown, init: RequestInit & { anonymous?: boolean } = {}): Promise<Answer> {
  const response = await api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...init.headers }, ...(init.anonymous ? { anonymous: true } : {}) });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(text) as Answer;
}

const now = () => Math.floor(Date.now() / 1000);

describe("POST /v1/{ns}/batch", () => {
  it("answers API.md's example: sets and deletes first, then gets", async () => {
    const ns = uniqueNamespace("batch");
    expect((await api(`/v1/${ns}/items/c`, { method: "PUT", body: "doomed" })).status).toBe(200);
    const answer = await batch(ns, {
      set: [
        { key: "a", value: "hello", ttl: 60, contentType: "text/plain" },
        { key: "b", value: "AAEC", encoding: "base64" },
      ],
      delete: ["c"],
      get: ["a", "b", "zz", "c"],
    });
    const a = answer.set.a as { etag: string; expiresAt: number };
    expect(a.etag).toMatch(/^"[^"]+"$/);
    expect(Math.abs(a.expiresAt - (now() + 60))).toBeLessThanOrEqual(2);
    const b = answer.set.b as { etag: string; expiresAt: number };
    expect(Math.abs(b.expiresAt - (now() + 3600))).toBeLessThanOrEqual(2);
    expect(answer.delete).toEqual({ c: {} });
    expect(answer.get).toEqual({
      a: { value: "hello", encoding: "utf8", contentType: "text/plain", etag: a.etag, expiresAt: a.expiresAt },
      b: { value: "AAEC", encoding: "base64", contentType: "application/octet-stream", etag: b.etag, expiresAt: b.expiresAt },
      zz: null,
      c: null,
    });
    // What the batch wrote is what single reads see.
    const single = await api(`/v1/${ns}/items/b`);
    expect(new Uint8Array(await single.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2]));
    expect(single.headers.get("etag")).toBe(b.etag);
    expect((await api(`/v1/${ns}/items/c`)).status).toBe(404);
  });

  it("answers text only for valid UTF-8 of a textual type, else base64, byte for byte", async () => {
    const ns = uniqueNamespace("enc");
    const bytes = new Uint8Array([0xff, 0x00, 0x61]);
    const b64 = btoa(String.fromCharCode(...bytes));
    await batch(ns, {
      set: [
        { key: "json", value: '{"x":"é"}', contentType: "application/json" },
        { key: "ld", value: "{}", contentType: "application/ld+json; charset=utf-8" },
        { key: "text-bad", value: b64, encoding: "base64", contentType: "text/plain" },
        { key: "bin-text", value: "plain words" },
        { key: "empty", value: "", contentType: "text/plain" },
        { key: "bom", value: "\ufeffhi", contentType: "text/plain" },
      ],
    });
    const { get } = await batch(ns, { get: ["json", "ld", "text-bad", "bin-text", "empty", "bom"] });
    expect(get.json).toMatchObject({ value: '{"x":"é"}', encoding: "utf8" });
    expect(get.ld).toMatchObject({ value: "{}", encoding: "utf8", contentType: "application/ld+json; charset=utf-8" });
    expect(get["text-bad"]).toMatchObject({ value: b64, encoding: "base64" });
    expect(get["bin-text"]).toMatchObject({ value: btoa("plain words"), encoding: "base64", contentType: "application/octet-stream" });
    expect(get.empty).toMatchObject({ value: "", encoding: "utf8" });
    expect(get.bom).toMatchObject({ value: "\ufeffhi", encoding: "utf8" });
    // Values written with PUT read back the same through a batch.
    await api(`/v1/${ns}/items/put`, { method: "PUT", body: bytes, headers: { "content-type": "image/png" } });
    expect((await batch(ns, { get: ["put"] })).get.put).toMatchObject({ value: b64, encoding: "base64", contentType: "image/png" });
  });

  it("gets from this location's cache like single reads, and never serves an expired item", async () => {
    const ns = uniqueNamespace("bcache");
    await batch(ns, { set: [{ key: "k", value: "v", ttl: 1, contentType: "text/plain" }, { key: "long", value: "l", contentType: "text/plain" }] });
    await batch(ns, { get: ["k", "long"] }); // fills the location cache
    const hit = await api(`/v1/${ns}/items/long`);
    expect(hit.headers.get("x-cache")).toBe("HIT");
    await hit.text();
    // Cached: answered even when storage is unreachable (reached through the fault proxy here).
    const viaProxyBatch = (body: unknown, headers: Record<string, string> = {}) => viaFaults(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify(body), headers });
    expect(((await (await viaProxyBatch({ get: ["long"] })).json()) as Answer).get.long).toMatchObject({ value: "l" });
    await faults.fault({ mode: "reset", path: ns, count: 100 });
    expect(((await (await viaProxyBatch({ get: ["long"] })).json()) as Answer).get.long).toMatchObject({ value: "l" });
    expect((await faults.requests(ns)).filter((r) => r.fault !== null)).toStrictEqual([]);
    await faults.clear(ns);
    await sleep(2100);
    expect((await batch(ns, { get: ["k", "long"] })).get).toMatchObject({ k: null, long: { value: "l" } });
    // no-cache asks storage for every get.
    await faults.fault({ mode: "reset", path: ns, count: 100 });
    expect((await viaProxyBatch({ get: ["long"] }, { "cache-control": "no-cache" })).status).toBe(503);
    await faults.clear(ns);
  });

  it("a key's failure is that key's error, not the batch's", async () => {
    const ns = uniqueNamespace("berr");
    const big = new Uint8Array(MAX_BATCH_VALUE_BYTES + 1).fill(97);
    expect((await api(`/v1/${ns}/items/big`, { method: "PUT", body: big, headers: { "content-type": "text/plain" } })).status).toBe(200);
    const answer = await batch(ns, { set: [{ key: "ok", value: "fine" }], get: ["big", "ok"] });
    expect((answer.get.big as KeyError).error.code).toBe("value_too_large");
    expect((answer.get.big as KeyError).error.message).toMatch(/GET/);
    expect(answer.get.ok).toMatchObject({ value: btoa("fine") });
    // A value over MAX_VALUE_BYTES is that key's 413; the others are written.
    const small = await withBindings({ MAX_VALUE_BYTES: "4" }, `/v1/${ns}/batch`, {
      method: "POST",
      body: JSON.stringify({ set: [{ key: "s1", value: "12345" }, { key: "s2", value: "1234" }] }),
    });
    const smallAnswer = (await small.json()) as Answer;
    expect(small.status).toBe(200);
    expect((smallAnswer.set.s1 as KeyError).error.code).toBe("value_too_large");
    expect(smallAnswer.set.s2).toMatchObject({ etag: expect.stringMatching(/^"/) });
    // A store failure is each key's error, in API.md's shape (the generation is known here already).
    expect((await viaFaults(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: ["ok"] }) })).status).toBe(200);
    await faults.fault({ mode: "reset", path: `/${ns}/`, count: 1000 });
    const down = await viaFaults(`/v1/${ns}/batch`, {
      method: "POST",
      body: JSON.stringify({ set: [{ key: "w", value: "x" }], delete: ["d"], get: ["not-cached"] }),
    });
    expect(down.status).toBe(200);
    // The gets are read as the answer streams out: the fault stays until it is read.
    const downAnswer = (await down.json()) as Answer;
    await faults.clear(`/${ns}/`);
    expect((downAnswer.set.w as KeyError).error.code).toBe("storage_unavailable");
    expect((downAnswer.delete.d as KeyError).error.code).toBe("storage_unavailable");
    expect((downAnswer.get["not-cached"] as KeyError).error.code).toBe("storage_unavailable");
    expect(JSON.stringify(downAnswer)).not.toContain(inject("faultProxy").endpoint);
    // When not even the namespace's generation can be read, the whole batch fails.
    const blind = await withBindings(unreachableStore(), `/v1/${uniqueNamespace("bdown")}/batch`, { method: "POST", body: JSON.stringify({ get: ["a"] }) });
    await expectError(blind, 503, "storage_unavailable");
  });

  it("handles 100 keys at once, and many sets of one namespace concurrently", async () => {
    const ns = uniqueNamespace("b100");
    const set = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, contentType: "text/plain" }));
    const written = await batch(ns, { set, get: Array.from({ length: 50 }, (_, i) => `k${i}`) });
    expect(Object.keys(written.set)).toHaveLength(50);
    const { get } = await batch(ns, { get: Array.from({ length: 100 }, (_, i) => `k${i}`) });
    expect(Object.keys(get)).toEqual(Array.from({ length: 100 }, (_, i) => `k${i}`));
    for (let i = 0; i < 50; i++) expect(get[`k${i}`]).toMatchObject({ value: `v${i}`, encoding: "utf8" });
    for (let i = 50; i < 100; i++) expect(get[`k${i}`]).toBeNull();
  });

  it("refuses a malformed batch with 400 naming the problem, before touching storage", async () => {
    const ns = uniqueNamespace("b400");
    const cases: [string, RegExp][] = [
      ["not json", /malformed JSON/],
      [JSON.stringify({ get: ["a"], put: [] }), /unknown field 'put'/],
      [JSON.stringify({ get: Array.from({ length: 101 }, (_, i) => `k${i}`) }), /too many keys/],
      [JSON.stringify({ get: ["a//b"] }), /get\[0\]/],
      [JSON.stringify({ set: [{ key: "a", value: "1" }, { key: "a", value: "2" }] }), /set twice/],
      [JSON.stringify({ set: [{ key: "a", value: "1" }], delete: ["a"] }), /both set and deleted/],
      [JSON.stringify({ set: [{ key: "a", value: "1", ttl: -1 }] }), /ttl/],
    ];
    for (const [body, message] of cases) {
      const error = await expectError(await withBindings(unreachableStore(), `/v1/${ns}/batch`, { method: "POST", body }), 400, "bad_request");
      expect(error.error.message, body).toMatch(message);
    }
    await expectError(await api(`/v1/Bad!/batch`, { method: "POST", body: "{}" }), 400, "bad_request");
    await expectError(await api(`/v1/${ns}/batch`), 405, "method_not_allowed");
    await expectError(await api(`/v1/${ns}/batch`, { method: "POST", body: "{}", anonymous: true }), 401, "unauthorized");
    await expectError(await api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: ["a"] }), anonymous: true }), 401, "unauthorized");
    expect(await batch(ns, {})).toEqual({ set: {}, delete: {}, get: {} });
    // A body over the batch limit is refused whole (declared, or counted while streamed).
    const oversized = new Uint8Array(MAX_BATCH_BODY_BYTES + 1).fill(32);
    await expectError(await api(`/v1/${ns}/batch`, { method: "POST", body: oversized }), 413, "value_too_large");
    const streamed = new Blob([oversized]).stream();
    await expectError(await api(`/v1/${ns}/batch`, { method: "POST", body: streamed, duplex: "half" } as RequestInit), 413, "value_too_large");
  });
});
