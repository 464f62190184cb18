// Several Worker instances over one bucket, as Cloudflare runs them: the Worker's deploy bundle in
// Miniflare, against the embedded store. Workers of one Miniflare share `caches.default` (one
// location, several isolates); separate Miniflare instances have separate caches (two locations).
// Bounds are shown by waiting them out (a small EDGE_TTL keeps the waits short); nothing here
// measures speed.
import { randomBytes } from "node:crypto";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudCached } from "../../client/src/index.js";
// @ts-expect-error -- a plain ESM script shared with the benchmark; its shape is checked at run time.
import { buildBundle as buildBundleUntyped } from "../../bench/lib/stack.mjs";
// @ts-expect-error -- a plain ESM script shared with `npm run dev`; its shape is checked at run time.
import { startEmbeddedStore as startStoreUntyped } from "../../scripts/embedded-store.mjs";

interface Bundle {
  scriptPath: string;
  compatibilityDate: string;
  cleanup(): Promise<void>;
}
interface Store {
  settings: Record<string, string>;
  stop(): Promise<void>;
}
const buildBundle = buildBundleUntyped as () => Promise<Bundle>;
const startEmbeddedStore = startStoreUntyped as (options: { secretAccessKey: string }) => Promise<Store>;

/** EDGE_TTL of every Worker here: long enough to tell the 1-second flush bound from it, short enough to wait out. */
const EDGE_TTL = 4;
const ADMIN_TOKEN = randomBytes(24).toString("base64url");
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One Worker instance (an isolate of its own), reached through its Miniflare by host. */
interface Instance {
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

let bundle: Bundle;
let store: Store;
const runtimes: Miniflare[] = [];

/** A location: one Miniflare (one cache) running the Worker as the named instances, each with its own bindings. */
async function location<Name extends string>(instances: Record<Name, Record<string, string>>): Promise<Record<Name, Instance>> {
  const names = Object.keys(instances) as Name[];
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: names.map((name) => ({
      name,
      modules: true,
      modulesRoot: bundle.scriptPath.slice(0, bundle.scriptPath.lastIndexOf("/")),
      scriptPath: bundle.scriptPath,
      compatibilityDate: bundle.compatibilityDate,
      cache: true,
      routes: [`${name}.test/*`],
      bindings: { ...store.settings, ADMIN_TOKEN, TOKEN_SECRET: randomBytes(24).toString("base64url"), EDGE_TTL: String(EDGE_TTL), ...instances[name] },
    })),
  });
  runtimes.push(mf);
  await mf.ready;
  return Object.fromEntries(
    names.map((name): [Name, Instance] => [
      name,
      {
        fetch: async (path: string, init: RequestInit = {}) => {
          const response = await mf.dispatchFetch(`http://${name}.test${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string>) } } as never);
          return response as unknown as Response;
        },
      },
    ]),
  ) as Record<Name, Instance>;
}

beforeAll(async () => {
  bundle = await buildBundle();
  store = await startEmbeddedStore({ secretAccessKey: randomBytes(18).toString("base64url") });
}, 180_000);

afterAll(async () => {
  for (const mf of runtimes) await mf.dispose().catch(() => undefined);
  await store?.stop();
  await bundle?.cleanup();
});

const unique = (label: string) => `${label}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

async function put(instance: Instance, ns: string, key: string, value: string, query = ""): Promise<void> {
  const response = await instance.fetch(`/v1/${ns}/items/${key}${query}`, {
    method: "PUT",
    body: value,
    headers: { "content-type": "text/plain", "content-length": String(Buffer.byteLength(value)) },
  });
  expect(response.status, await response.text()).toBe(200);
}

/** A single read: the value, or null for 404. */
async function read(instance: Instance, ns: string, key: string, headers: Record<string, string> = {}): Promise<{ value: string | null; cache: string | null }> {
  const response = await instance.fetch(`/v1/${ns}/items/${key}`, { headers });
  const text = await response.text();
  if (response.status === 404) return { value: null, cache: null };
  expect(response.status, text).toBe(200);
  return { value: text, cache: response.headers.get("x-cache") };
}

async function headStatus(instance: Instance, ns: string, key: string): Promise<number> {
  const response = await instance.fetch(`/v1/${ns}/items/${key}`, { method: "HEAD" });
  await response.arrayBuffer();
  return response.status;
}

/** A batch get of the keys: each value, or null. */
async function batchRead(instance: Instance, ns: string, keys: string[], headers: Record<string, string> = {}): Promise<Record<string, string | null>> {
  const response = await instance.fetch(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }), headers });
  const body = (await response.json()) as { get: Record<string, { value: string } | null> };
  expect(response.status).toBe(200);
  return Object.fromEntries(keys.map((key) => [key, body.get[key]?.value ?? null]));
}

describe("two locations over one bucket", () => {
  it("a replace, a delete and an expiry made through one are not served by the other past EDGE_TTL, by single or batch reads", async () => {
    const { here } = await location({ here: {} });
    const { there } = await location({ there: {} });
    const ns = unique("loc");
    await put(here, ns, "replaced", "old");
    await put(here, ns, "deleted", "doomed");
    await put(here, ns, "expiring", "short-lived");
    // Here holds a copy of each (read once to fill the cache, then a HIT), for single and batch reads.
    for (const key of ["replaced", "deleted", "expiring"]) {
      await read(here, ns, key);
      expect((await read(here, ns, key)).cache).toBe("HIT");
    }
    expect(await batchRead(here, ns, ["replaced", "deleted", "expiring"])).toStrictEqual({ replaced: "old", deleted: "doomed", expiring: "short-lived" });

    // Changed through the other location: replaced, deleted, and given a 1-second life.
    await put(there, ns, "replaced", "new");
    expect((await there.fetch(`/v1/${ns}/items/deleted`, { method: "DELETE" })).status).toBe(204);
    const touched = await there.fetch(`/v1/${ns}/items/expiring?op=touch&ttl=1`, { method: "POST" });
    expect(touched.status, await touched.text()).toBe(200);

    // Past the bound, every read here agrees with storage. The batch reads first, while the stale
    // copies are still kept (past their freshness, for stale-if-error), as a single read does.
    await sleep(EDGE_TTL * 1000 + 300);
    expect(await batchRead(here, ns, ["replaced", "deleted", "expiring"])).toStrictEqual({ replaced: "new", deleted: null, expiring: null });
    expect(await headStatus(here, ns, "deleted")).toBe(404);
    expect(await headStatus(here, ns, "expiring")).toBe(404);
    expect((await read(here, ns, "replaced")).value).toBe("new");
    expect((await read(here, ns, "deleted")).value).toBeNull();
    expect((await read(here, ns, "expiring")).value).toBeNull();
  }, 60_000);

  it("a flush is seen at once by the instance that made it and by no-cache reads, within a second by its location, within EDGE_TTL elsewhere", async () => {
    const { maker, neighbour } = await location({ maker: {}, neighbour: {} });
    const { far } = await location({ far: {} });
    // A third location, whose reads are all `no-cache` (kept apart, so they teach the others nothing).
    const { careful } = await location({ careful: {} });
    const ns = unique("fl");
    await put(maker, ns, "k", "before");
    for (const instance of [maker, neighbour, far, careful]) {
      await read(instance, ns, "k");
      expect((await read(instance, ns, "k")).cache).toBe("HIT");
      expect(await batchRead(instance, ns, ["k"])).toStrictEqual({ k: "before" });
    }

    expect((await maker.fetch(`/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    // At once: the instance that flushed, and no-cache reads anywhere.
    expect((await read(maker, ns, "k")).value).toBeNull();
    expect(await batchRead(maker, ns, ["k"])).toStrictEqual({ k: null });
    expect((await read(careful, ns, "k", { "cache-control": "no-cache" })).value).toBeNull();
    expect(await batchRead(careful, ns, ["k"], { "cache-control": "no-cache" })).toStrictEqual({ k: null });

    // Within a second, the other instance of the same location (its item copy is still fresh: EDGE_TTL is 4 s).
    await sleep(1100);
    expect((await read(neighbour, ns, "k")).value).toBeNull();
    expect(await batchRead(neighbour, ns, ["k"])).toStrictEqual({ k: null });

    // Within EDGE_TTL, the other location.
    await sleep(EDGE_TTL * 1000);
    expect((await read(far, ns, "k")).value).toBeNull();
    expect(await batchRead(far, ns, ["k"])).toStrictEqual({ k: null });
  }, 60_000);

  it("a tag's expire is seen like a flush: at once by its instance and no-cache reads, within a second by its location, within EDGE_TTL elsewhere", async () => {
    const { maker, neighbour } = await location({ maker: {}, neighbour: {} });
    const { far } = await location({ far: {} });
    const { careful } = await location({ careful: {} });
    const ns = unique("tg");
    const tagged = async (key: string, tags: string) => {
      const response = await maker.fetch(`/v1/${ns}/items/${key}?grace=600`, { method: "PUT", headers: { "x-tags": tags, "content-type": "text/plain", "content-length": String(Buffer.byteLength(key)) }, body: key });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    };
    await tagged("k", "t, other");
    await tagged("kept", "other");
    for (const instance of [maker, neighbour, far, careful]) {
      await read(instance, ns, "k");
      expect((await read(instance, ns, "k")).cache).toBe("HIT");
    }

    expect((await maker.fetch(`/v1/${ns}/tags/t?op=expire`, { method: "POST" })).status).toBe(204);
    expect((await read(maker, ns, "k")).value).toBeNull();
    expect(await read(maker, ns, "k", { "cache-control": "max-stale" })).toStrictEqual({ value: "k", cache: "STALE" });
    expect(await batchRead(maker, ns, ["k", "kept"])).toStrictEqual({ k: null, kept: "kept" });
    expect((await read(careful, ns, "k", { "cache-control": "no-cache" })).value).toBeNull();

    await sleep(1100);
    expect((await read(neighbour, ns, "k")).value).toBeNull();
    expect(await batchRead(neighbour, ns, ["k"])).toStrictEqual({ k: null });

    await sleep(EDGE_TTL * 1000);
    expect((await read(far, ns, "k")).value).toBeNull();
    expect((await read(far, ns, "kept")).value).toBe("kept");
  }, 60_000);
});

describe("leases across locations", () => {
  it("64 concurrent readers asking for one cold key's lease, half at each of two locations (and two instances of one): exactly one wins", async () => {
    const { here, neighbour } = await location({ here: {}, neighbour: {} });
    const { there } = await location({ there: {} });
    const ns = unique("lease");
    const instances = [here, neighbour, there, there];
    const answers = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const response = await (instances[i % instances.length] as Instance).fetch(`/v1/${ns}/items/cold`, { headers: { "x-lease": "30" } });
        await response.arrayBuffer();
        return { status: response.status, lease: response.headers.get("x-lease"), token: response.headers.get("x-lease-token") };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(64).fill(404));
    const winners = answers.filter((a) => a.lease === "won");
    expect(winners).toHaveLength(1);
    expect(answers.filter((a) => a.lease === "busy")).toHaveLength(63);

    // The winner's write, made through the other location, releases it for everyone.
    const winner = winners[0] as { token: string };
    const written = await there.fetch(`/v1/${ns}/items/cold`, { method: "PUT", body: "computed", headers: { "x-lease-token": winner.token, "content-length": "8" } });
    expect(written.status, await written.text()).toBe(200);
    expect((await here.fetch(`/v1/${ns}/items/cold`, { method: "DELETE" })).status).toBe(204);
    const next = await here.fetch(`/v1/${ns}/items/cold`, { headers: { "x-lease": "30" } });
    await next.arrayBuffer();
    expect(next.headers.get("x-lease")).toBe("won");
  }, 60_000);

  it("getOrSet from 32 clients at each of two locations on an expired key: the factory runs once in total, every caller gets its value", async () => {
    const { here } = await location({ here: {} });
    const { there } = await location({ there: {} });
    const ns = unique("gos");
    await put(here, ns, "report", "old", "?ttl=3");
    // Both locations hold a copy of the value before it expires.
    expect((await read(here, ns, "report")).value).toBe("old");
    expect((await read(there, ns, "report")).value).toBe("old");
    while ((await read(there, ns, "report")).value !== null || (await read(here, ns, "report")).value !== null) await sleep(200);
    // One client per caller, as separate processes would have, each talking to its location's Worker.
    const clientAt = (instance: Instance) =>
      new CloudCached({
        url: "http://worker.test",
        token: ADMIN_TOKEN,
        namespace: ns,
        retries: 0,
        fetch: (input, init) => {
          const url = new URL(input);
          const headers: Record<string, string> = {};
          new Headers(init.headers).forEach((value, name) => {
            headers[name] = value;
          });
          // A value's Content-Length, as fetch() would add it on the wire (Miniflare's dispatch does not).
          if (init.body instanceof Uint8Array) headers["content-length"] = String(init.body.byteLength);
          else if (typeof init.body === "string") headers["content-length"] = String(Buffer.byteLength(init.body));
          return instance.fetch(url.pathname + url.search, { ...init, headers });
        },
      });
    let runs = 0;
    const factory = async () => {
      runs += 1;
      await sleep(100);
      return "computed";
    };
    const values = await Promise.all(Array.from({ length: 64 }, (_, i) => clientAt(i % 2 === 0 ? here : there).getOrSet("report", factory, { ttl: 60, lease: 10 })));
    expect(runs).toBe(1);
    expect(values).toEqual(Array(64).fill("computed"));
    expect((await read(there, ns, "report", { "cache-control": "no-cache" })).value).toBe("computed");
  }, 60_000);
});

describe("two deployments over one location cache", () => {
  it("never see each other's items or generations", async () => {
    const { staging, production } = await location({ staging: { S3_PREFIX: `${unique("staging")}/` }, production: { S3_PREFIX: `${unique("production")}/` } });
    const ns = unique("dep");
    await put(staging, ns, "k", "staging value");
    await read(staging, ns, "k");
    expect((await read(staging, ns, "k")).cache).toBe("HIT");
    // Same namespace, generation and key, other store area: production has no such item…
    expect((await read(production, ns, "k")).value).toBeNull();
    expect(await batchRead(production, ns, ["k"])).toStrictEqual({ k: null });
    // …and its own value does not replace staging's copy, nor does staging's serve it.
    await put(production, ns, "k", "production value");
    await read(production, ns, "k");
    expect(await read(production, ns, "k")).toStrictEqual({ value: "production value", cache: "HIT" });
    expect(await read(staging, ns, "k")).toStrictEqual({ value: "staging value", cache: "HIT" });
    expect(await batchRead(staging, ns, ["k"])).toStrictEqual({ k: "staging value" });
    // A flush of one is not the other's.
    expect((await staging.fetch(`/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    expect((await read(staging, ns, "k")).value).toBeNull();
    expect(await read(production, ns, "k")).toStrictEqual({ value: "production value", cache: "HIT" });
  }, 60_000);
});
