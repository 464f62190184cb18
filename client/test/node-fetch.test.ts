// The typed client's essential calls through `nodeFetch()` (cloudcached/node) against the real
// Worker and store: values of every kind, a 32 MB value streamed both ways without being held
// whole, HEAD-based calls, absence and errors; then timeouts, aborts and connection reuse against
// the fault server.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import Keyv from "keyv";
import { createStorage } from "unstorage";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CloudCached, CloudCachedError } from "../src/index.js";
import { KeyvCloudCached } from "../src/keyv.js";
import { nodeFetch } from "../src/node-fetch.js";
import cloudcachedDriver from "../src/unstorage.js";
import { type FaultServer, startFaultServer } from "./support/fault-server.js";
import { adminClient, adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";

const fetch = nodeFetch();
afterAll(() => fetch.close());

const client = (options: { token?: string; namespace?: string } = {}): CloudCached => adminClient({ fetch, ...options });

// A full collection on demand, so memory samples count what is held, not garbage not yet collected.
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;
function heldBytes(): number {
  collect();
  return process.memoryUsage().arrayBuffers;
}

/** A value of `size` bytes made chunk by chunk as it is pulled; byte i is i mod 251. */
function patterned(size: number, onPull: (sent: number) => void): ReadableStream<Uint8Array> {
  const chunk = 256 * 1024;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      onPull(sent);
      if (sent >= size) return controller.close();
      const n = Math.min(chunk, size - sent);
      controller.enqueue(new Uint8Array(n).map((_, i) => (sent + i) % 251));
      sent += n;
    },
  });
}

describe("the client over nodeFetch, against the Worker", () => {
  it("strings, JSON and bytes round-trip; an absent key is null", async () => {
    const cache = client();
    expect(await cache.get("absent")).toBeNull();
    expect(await cache.getBytes("absent")).toBeNull();
    await cache.set("text", "héllo ✓");
    await cache.set("json", { a: [1, 2], b: "c" });
    await cache.set("bytes", new Uint8Array([0, 1, 255]));
    expect(await cache.get("text")).toBe("héllo ✓");
    expect(await cache.get("json")).toStrictEqual({ a: [1, 2], b: "c" });
    expect([...((await cache.getBytes("bytes"))?.value ?? [])]).toStrictEqual([0, 1, 255]);
    const item = await cache.gets("text");
    expect(item).toMatchObject({ value: "héllo ✓", contentType: expect.stringMatching(/^text\/plain/), etag: expect.stringMatching(/^"/) });
    expect(await cache.put("text", "again")).toBe(false);
    expect(await cache.cas("text", "swapped", item?.etag ?? "")).not.toBeNull();
    expect(await cache.cas("text", "late", item?.etag ?? "")).toBeNull();
    expect(await cache.incr("n", 2, { initial: 5 })).toBe(5);
    expect(await cache.incr("n", 2)).toBe(7);
    expect(await cache.delete("text")).toBe(true);
    expect(await cache.delete("text", { etag: "*" })).toBe(false);
    expect(await cache.get("text")).toBeNull();
  });

  it("HEAD-based calls: has and info, present and absent", async () => {
    const cache = client();
    await cache.set("k", "v", { ttl: 600 });
    expect(await cache.has("k")).toBe(true);
    expect(await cache.info("k")).toMatchObject({ contentType: expect.stringMatching(/^text\/plain/), etag: expect.stringMatching(/^"/), expiresAt: expect.any(Number) });
    expect(await cache.has("absent")).toBe(false);
    expect(await cache.info("absent")).toBeNull();
  });

  it("errors are CloudCachedErrors with the API's codes", async () => {
    await expect(client({ token: "wrong" }).get("k")).rejects.toMatchObject({ name: "CloudCachedError", status: 401, code: "unauthorized" });
    const wrongPath = new CloudCached({ url: `${workerUrl()}/not-the-api`, token: adminToken(), fetch });
    await expect(wrongPath.get("k")).rejects.toMatchObject({ status: 404, code: "no_such_route" });
    const closed = await startFaultServer([]);
    const url = closed.url;
    await closed.close();
    const unreachable = new CloudCached({ url, fetch, retries: 0 });
    const err = await unreachable.get("k").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudCachedError);
    expect(err).toMatchObject({ status: 0, code: "network_error" });
  });

  it("a 32 MB value streams up from a ReadableStream and down through getStream, never held whole", async () => {
    const cache = client();
    const size = 32 * 1024 * 1024 + 5;
    const start = heldBytes();
    let peak = 0;
    let sampledAt = 0;
    const sample = (at: number): void => {
      if (at - sampledAt < 2 * 1024 * 1024) return;
      sampledAt = at;
      peak = Math.max(peak, heldBytes() - start);
    };
    const written = await cache.set("big", patterned(size, sample), { size });
    expect(written.etag).toMatch(/^"/);
    expect(peak).toBeLessThan(size / 4);

    const streamed = await cache.getStream("big");
    if (streamed === null) throw new Error("the value is gone");
    expect(streamed.size).toBe(size);
    peak = 0;
    sampledAt = 0;
    let at = 0;
    let wrong = 0;
    for await (const part of streamed.body as unknown as AsyncIterable<Uint8Array>) {
      for (let i = 0; i < part.byteLength; i += 1) if (part[i] !== (at + i) % 251) wrong += 1;
      at += part.byteLength;
      sample(at);
    }
    expect(at).toBe(size);
    expect(wrong).toBe(0);
    expect(peak).toBeLessThan(size / 4);
  });

  it("passes through the Keyv store and the unstorage driver", async () => {
    const settings = { url: workerUrl(), token: adminToken(), namespace: uniqueNamespace("nfadapt"), fetch };
    const keyv = new Keyv({ store: new KeyvCloudCached(settings) });
    await keyv.set("k", { n: 1 }, 60_000);
    expect(await keyv.get("k")).toStrictEqual({ n: 1 });
    const storage = createStorage({ driver: cloudcachedDriver({ ...settings, base: "u" }) });
    await storage.setItem("a:b", "v");
    expect(await storage.getItem("a:b")).toBe("v");
    expect(await storage.hasItem("a:c")).toBe(false);
  });
});

describe("the client over nodeFetch, against a server that misbehaves", () => {
  let server: FaultServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("a server that never answers: timeoutMs ends the call with a timeout error", async () => {
    server = await startFaultServer([{ hang: true }, { hang: true }]);
    const cache = new CloudCached({ url: server.url, namespace: "ns", fetch, timeoutMs: 200, retries: 1 });
    const err = await cache.get("k").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudCachedError);
    expect(err).toMatchObject({ status: 0, code: "timeout" });
    expect(server.requests).toHaveLength(2);
  });

  it("a body that stops mid-way: the timeout ends a whole read, the caller's signal a streamed one", async () => {
    const stall = { stall: { length: 1_000_000, sent: "x".repeat(1000) } };
    server = await startFaultServer([stall, stall]);
    const cache = new CloudCached({ url: server.url, namespace: "ns", fetch, timeoutMs: 300, retries: 0 });
    await expect(cache.getBytes("k")).rejects.toMatchObject({ name: "CloudCachedError", code: "timeout" });

    const controller = new AbortController();
    const streamed = await cache.getStream("k", { signal: controller.signal });
    const reader = streamed?.body.getReader();
    if (!reader) throw new Error("no body");
    expect((await reader.read()).value?.byteLength).toBeGreaterThan(0);
    const reason = new Error("the caller gave up");
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });

  it("a write the Worker applied before the connection dropped is not sent again: an incr counts once, an add is not 'not stored'", async () => {
    const worker = workerUrl();
    // The first call opens a connection and is answered on it; the next ones reuse it, and the
    // proxy drops it once the Worker has handled the request.
    server = await startFaultServer([{ forward: worker }, { forwardThenDrop: worker }, { forward: worker }, { forwardThenDrop: worker }], { forward: worker });
    const own = nodeFetch();
    try {
      const namespace = uniqueNamespace("dropped");
      const cache = new CloudCached({ url: server.url, token: adminToken(), namespace, fetch: own });
      const direct = client({ namespace });
      expect(await cache.incr("hits", 1, { initial: 10 })).toBe(10);
      await expect(cache.incr("hits")).rejects.toMatchObject({ name: "CloudCachedError", code: "network_error" });
      expect(await direct.get("hits")).toBe("11");
      expect(await cache.get("hits")).toBe("11");
      await expect(cache.add("fresh", "v")).rejects.toMatchObject({ code: "network_error" });
      expect(await direct.get("fresh")).toBe("v");
      expect(server.requests.map((r) => r.method)).toStrictEqual(["POST", "POST", "GET", "PUT"]);
    } finally {
      own.close();
    }
  });

  it("sequential calls reuse one connection; a dropped one is replaced and the GET retried", async () => {
    const value = { status: 200, body: "v", headers: { "content-type": "text/plain; charset=utf-8", etag: '"e"' } };
    server = await startFaultServer([...Array(20).fill(value), { destroy: true }, value]);
    const own = nodeFetch({ maxSockets: 4 });
    try {
      const cache = new CloudCached({ url: server.url, namespace: "ns", fetch: own, retries: 1 });
      for (let i = 0; i < 20; i += 1) expect(await cache.get(`k${i}`)).toBe("v");
      expect(server.connections).toBe(1);
      expect(await cache.get("after-reset")).toBe("v");
      expect(server.connections).toBe(2);
    } finally {
      own.close();
    }
  });
});
