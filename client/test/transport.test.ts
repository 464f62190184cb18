// Retries, timeouts and aborts, against a local server that fails on purpose (fault injection).
import { afterEach, describe, expect, it } from "vitest";
import { CloudCached, CloudCachedError } from "../src/index.js";
import { errorBody, type Fault, type FaultServer, startFaultServer } from "./support/fault-server.js";

const unavailable: Fault = { status: 503, body: errorBody("storage_unavailable", "storage could not be reached") };
const timedOut: Fault = { status: 504, body: errorBody("storage_timeout", "storage did not answer") };
const textValue = (text: string): Fault => ({ status: 200, body: text, headers: { "content-type": "text/plain; charset=utf-8", etag: '"e1"' } });
const written: Fault = { status: 200, body: JSON.stringify({ etag: '"e2"', expiresAt: null }) };

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(script: Fault[], options: { retries?: number; timeoutMs?: number; token?: string } = {}): Promise<CloudCached> {
  server = await startFaultServer(script);
  return new CloudCached({ url: server.url, namespace: "ns", ...options });
}

describe("retries", () => {
  it("a GET is retried after 503 and 504, then succeeds", async () => {
    const cache = await clientFor([unavailable, timedOut, textValue("finally")], { retries: 2 });
    expect(await cache.get("k")).toBe("finally");
    expect(server?.requests.map((r) => r.method)).toStrictEqual(["GET", "GET", "GET"]);
  });

  it("gives up after `retries` more attempts with the last error", async () => {
    const cache = await clientFor([unavailable, unavailable, unavailable, textValue("too late")], { retries: 2 });
    const err = await cache.get("k").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudCachedError);
    expect(err).toMatchObject({ status: 503, code: "storage_unavailable", message: "storage could not be reached" });
    expect(server?.requests).toHaveLength(3);
  });

  it("retries: 0 means one attempt", async () => {
    const cache = await clientFor([unavailable, textValue("x")], { retries: 0 });
    await expect(cache.get("k")).rejects.toMatchObject({ code: "storage_unavailable" });
    expect(server?.requests).toHaveLength(1);
  });

  it("a dropped connection is retried for a GET", async () => {
    const cache = await clientFor([{ destroy: true }, textValue("after a reset")], { retries: 1 });
    expect(await cache.get("k")).toBe("after a reset");
    expect(server?.requests).toHaveLength(2);
  });

  it("a 502 (storage answered with an error) is not retried", async () => {
    const cache = await clientFor([{ status: 502, body: errorBody("storage_error", "no") }, textValue("x")], { retries: 2 });
    await expect(cache.get("k")).rejects.toMatchObject({ status: 502, code: "storage_error" });
    expect(server?.requests).toHaveLength(1);
  });

  it("writes are never retried: set, add, replace, cas, incr, touch, flush", async () => {
    const calls: [string, (c: CloudCached) => Promise<unknown>][] = [
      ["set", (c) => c.set("k", "v")],
      ["add (put)", (c) => c.put("k", "v")],
      ["replace (update)", (c) => c.update("k", "v")],
      ["cas", (c) => c.cas("k", "v", '"e1"')],
      ["incr", (c) => c.incr("k")],
      ["touch", (c) => c.touch("k", 5)],
      ["flush", (c) => c.flush()],
    ];
    for (const [label, call] of calls) {
      const cache = await clientFor([unavailable, written], { retries: 3 });
      await expect(call(cache), label).rejects.toMatchObject({ status: 503 });
      expect(server?.requests, label).toHaveLength(1);
      await server?.close();
      server = undefined;
    }
  });

  it("an unconditional DELETE is retried; one with an ETag is not", async () => {
    let cache = await clientFor([timedOut, { status: 204 }], { retries: 1 });
    expect(await cache.delete("k")).toBe(true);
    expect(server?.requests).toHaveLength(2);
    await server?.close();
    cache = await clientFor([timedOut, { status: 204 }], { retries: 1 });
    await expect(cache.delete("k", { etag: '"e1"' })).rejects.toMatchObject({ status: 504 });
    expect(server?.requests).toHaveLength(1);
    expect(server?.requests[0]?.headers["if-match"]).toBe('"e1"');
  });

  it("a batch of gets only is retried; a batch that writes is not", async () => {
    const got = { status: 200, body: JSON.stringify({ get: { a: { value: "1", encoding: "utf8", contentType: "application/json", etag: '"x"', expiresAt: null } } }) };
    // First the deployment's index (GET /v1: the batch size), then the batch.
    const index: Fault = { status: 200, body: JSON.stringify({ name: "CloudCached", limits: { subrequestsPerRequest: 1000, batchKeys: 100 } }) };
    let cache = await clientFor([index, unavailable, got], { retries: 1 });
    expect(await cache.getMany(["a"])).toStrictEqual(new Map([["a", 1]]));
    expect(server?.requests.map((r) => r.method)).toStrictEqual(["GET", "POST", "POST"]);
    await server?.close();
    cache = await clientFor([index, unavailable, got], { retries: 1 });
    expect((await cache.setMany({ a: 1 })).get("a")).toMatchObject({ status: 503, code: "storage_unavailable" });
    expect(server?.requests.map((r) => r.method)).toStrictEqual(["GET", "POST"]);
  });
});

describe("timeouts and aborts", () => {
  it("no answer within timeoutMs → CloudCachedError timeout (status 0), retried for a GET", async () => {
    const cache = await clientFor([{ hang: true }, { hang: true }], { retries: 1, timeoutMs: 150 });
    const started = Date.now();
    const err = await cache.get("k").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudCachedError);
    expect(err).toMatchObject({ status: 0, code: "timeout" });
    expect(server?.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a write that times out is not retried", async () => {
    const cache = await clientFor([{ hang: true }, written], { retries: 3, timeoutMs: 150 });
    await expect(cache.set("k", "v")).rejects.toMatchObject({ code: "timeout" });
    expect(server?.requests).toHaveLength(1);
  });

  it("the caller's AbortSignal aborts with its own reason and is not retried", async () => {
    const cache = await clientFor([{ hang: true }, textValue("x")], { retries: 3, timeoutMs: 0 });
    const controller = new AbortController();
    const pending = cache.get("k", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user gave up")), 100);
    await expect(pending).rejects.toThrow("user gave up");
    expect(server?.requests).toHaveLength(1);
  });
});

describe("the request", () => {
  it("sends the bearer token, the encoded path, ttl, content type and conditions as API.md says", async () => {
    const cache = await clientFor([{ status: 412, body: errorBody("precondition_failed", "exists") }, written, written, written], { token: "tok" });
    expect(await cache.put("a b/c+d", { x: 1 }, 60)).toBe(false);
    await cache.put("k", "v", { replace: true });
    await cache.update("k", new Uint8Array([1]));
    await cache.cas("k", "v", "bare-etag");
    const [add, set, replace, cas] = server?.requests ?? [];
    expect(add).toMatchObject({ method: "PUT", url: "/v1/ns/items/a%20b/c%2Bd?ttl=60" });
    expect(add?.headers).toMatchObject({ authorization: "Bearer tok", "if-none-match": "*", "content-type": "application/json" });
    expect(set?.headers["if-none-match"]).toBeUndefined();
    expect(set?.headers["if-match"]).toBeUndefined();
    // put and update keep the original time_to_expire=3600 (DEFAULT_PUT_TTL) when no ttl is given.
    expect(set?.url).toBe("/v1/ns/items/k?ttl=3600");
    expect(replace?.url).toBe("/v1/ns/items/k?ttl=3600");
    expect(replace?.headers).toMatchObject({ "if-match": "*", "content-type": "application/octet-stream" });
    expect(cas?.url).toBe("/v1/ns/items/k");
    expect(cas?.headers["if-match"]).toBe('"bare-etag"');
  });

  it("no Authorization header without a token; fresh reads send Cache-Control: no-cache", async () => {
    const cache = await clientFor([textValue("a"), textValue("b")]);
    await cache.get("k");
    await cache.get("k", { fresh: true });
    expect(server?.requests[0]?.headers.authorization).toBeUndefined();
    expect(server?.requests[0]?.headers["cache-control"]).toBeUndefined();
    expect(server?.requests[1]?.headers["cache-control"]).toBe("no-cache");
  });
});

describe("network errors say which server and why", () => {
  it("with Node's global fetch (whose own message is only 'fetch failed'): the URL and the cause", async () => {
    const closed = await startFaultServer([]);
    const url = closed.url;
    await closed.close();
    const err = await new CloudCached({ url, namespace: "ns", retries: 0 }).get("k").catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "CloudCachedError", status: 0, code: "network_error" });
    expect((err as Error).message).toMatch(new RegExp(`^could not reach the server at ${url}: fetch failed: .*ECONNREFUSED`));
  });

  it("a timeout names the server too", async () => {
    const cache = await clientFor([{ stall: { length: 1000, sent: "x" } }], { retries: 0, timeoutMs: 300 });
    const err = await cache.getBytes("k").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "timeout" });
    expect((err as Error).message).toBe(`no answer from the server at ${server?.url} within 300 ms`);
  });
});
