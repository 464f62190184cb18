// cloudcached/keyv against the real Worker + store: Keyv's official suite (@keyv/test-suite), then
// what the suite does not look at (real expiry, namespaces as key prefixes, awkward keys, batches
// of more than 100 keys, exact delete answers, errors) and a stock `cacheable` on top.
import { Cacheable } from "cacheable";
import Keyv from "keyv";
import keyvTestSuite from "@keyv/test-suite";
import * as vitest from "vitest";
import { describe, expect, it } from "vitest";
import { CloudCached, type FetchLike } from "../src/index.js";
import { KeyvCloudCached } from "../src/keyv.js";
import { adminClient, adminToken, recordingFetch, uniqueNamespace, workerUrl } from "./support/helpers.js";

function store(namespace: string, extra: { fetch?: FetchLike; token?: string } = {}): KeyvCloudCached {
  return new KeyvCloudCached({ url: workerUrl(), token: adminToken(), namespace, ...extra });
}

describe("the official @keyv/test-suite (keyvTestSuite: API, values, namespaces)", () => {
  const namespace = uniqueNamespace("keyv-suite");
  keyvTestSuite(vitest, Keyv, () => store(namespace));
});

describe("KeyvCloudCached beyond the suite", () => {
  it("a ttl in milliseconds becomes whole seconds on the server that outlive Keyv's deadline; past it the item is gone from both", async () => {
    const ns = uniqueNamespace("keyv");
    const keyv = new Keyv({ store: store(ns) });
    const raw = adminClient({ namespace: ns });
    const before = Math.floor(Date.now() / 1000);
    expect(await keyv.set("short", "v", 1000)).toBe(true);
    const info = await raw.info("keyv:short");
    expect(info?.expiresAt).toBeGreaterThanOrEqual(before + 2);
    expect(info?.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 2);
    await keyv.set("forever", "v");
    expect((await raw.info("keyv:forever"))?.expiresAt).toBeNull();
    expect(await keyv.get("short")).toBe("v");
    await vitest.vi.waitFor(async () => expect(await raw.has("keyv:short", { fresh: true })).toBe(false), { timeout: 10_000, interval: 250 });
    expect(await keyv.get("short")).toBeUndefined();
    expect(await keyv.get("forever")).toBe("v");
  });

  it("Keyv's namespace is a key prefix in the CloudCached namespace; clear() deletes only that prefix", async () => {
    const ns = uniqueNamespace("keyv");
    const raw = adminClient({ namespace: ns });
    const sessions = new Keyv({ store: store(ns), namespace: "sessions" });
    const users = new Keyv({ store: store(ns), namespace: "users" });
    const sessionsLonger = new Keyv({ store: store(ns), namespace: "sessions2" });
    await sessions.set("a", 1);
    await sessions.set("b", 2);
    await users.set("a", "u");
    await sessionsLonger.set("a", "kept");
    await raw.set("other", "not keyv's");
    const listed: string[] = [];
    for await (const { key } of raw.keys()) listed.push(key);
    expect(listed.sort()).toStrictEqual(["other", "sessions2:a", "sessions:a", "sessions:b", "users:a"]);
    expect(await raw.get("sessions:a")).toBe(JSON.stringify({ value: 1 })); // Keyv's own serialization, stored as text
    await sessions.clear();
    expect(await sessions.get("a")).toBeUndefined();
    expect(await sessions.get("b")).toBeUndefined();
    expect(await users.get("a")).toBe("u");
    expect(await sessionsLonger.get("a")).toBe("kept");
    expect(await raw.get("other")).toBe("not keyv's");
  });

  it("clear() of a Keyv namespace with more than 100 keys deletes them all, in batches", async () => {
    const ns = uniqueNamespace("keyv");
    const keyv = new Keyv({ store: store(ns), namespace: "many" });
    await keyv.setMany(Array.from({ length: 230 }, (_, i) => ({ key: `k${i}`, value: i })));
    expect(await keyv.get("k229")).toBe(229);
    await keyv.clear();
    const raw = adminClient({ namespace: ns });
    const left: string[] = [];
    for await (const { key } of raw.keys()) left.push(key);
    expect(left).toStrictEqual([]);
  }, 120_000);

  it("without a Keyv namespace keys are stored as given and clear() flushes the CloudCached namespace", async () => {
    const ns = uniqueNamespace("keyv");
    const raw = adminClient({ namespace: ns });
    const { fetch, calls } = recordingFetch();
    const keyv = new Keyv({ store: store(ns, { fetch }), namespace: "" });
    await keyv.set("plain", "v");
    expect(await raw.get("plain")).toBe(JSON.stringify({ value: "v" }));
    await raw.set("written-elsewhere", 1);
    calls.length = 0;
    await keyv.clear();
    expect(calls).toStrictEqual([`POST /v1/${ns}/flush`]);
    expect(await raw.get("plain")).toBeNull();
    expect(await raw.get("written-elsewhere")).toBeNull();
  });

  it("any Keyv key works, URLs with '//' and '..', '%', control characters; the stored key is escaped and listed under its prefix", async () => {
    const ns = uniqueNamespace("keyv");
    const keyv = new Keyv({ store: store(ns), namespace: "req" });
    const keys = ["GET:https://example.com/a//b/../c?x=%2F", "..", ".", "/", "tab\tnl\n", "ünï 🙂"];
    for (const [i, key] of keys.entries()) expect(await keyv.set(key, i), key).toBe(true);
    for (const [i, key] of keys.entries()) expect(await keyv.get(key), key).toBe(i);
    expect(await keyv.get(keys)).toStrictEqual(keys.map((_, i) => i));
    const raw = adminClient({ namespace: ns });
    expect(await raw.has("req:GET:https:%2F%2Fexample.com%2Fa%2F%2Fb%2F..%2Fc?x=%252F")).toBe(true);
    expect(await raw.has("req:tab%09nl%0A")).toBe(true);
    await keyv.clear();
    expect(await keyv.get(keys)).toStrictEqual(keys.map(() => undefined));
  });

  it("getMany, setMany and deleteMany go through the batch endpoint, the deployment's batch size a request", async () => {
    const ns = uniqueNamespace("keyv");
    const { fetch, calls } = recordingFetch();
    const keyv = new Keyv({ store: store(ns, { fetch }) });
    const size = await adminClient().batchSize();
    const keys = Array.from({ length: 2 * size + 50 }, (_, i) => `k${i}`);
    const batches = (n: number): string[] => Array(Math.ceil(n / size)).fill(`POST /v1/${ns}/batch`);
    calls.length = 0;
    expect(await keyv.setMany(keys.map((key, i) => ({ key, value: { i }, ttl: i === 0 ? 60_000 : undefined })))).toBeUndefined();
    expect(calls).toStrictEqual(["GET /v1", ...batches(keys.length)]); // the size is learnt once per client
    calls.length = 0;
    const values = await keyv.get([...keys, "absent"]);
    expect(values).toStrictEqual([...keys.map((_, i) => ({ i })), undefined]);
    expect(calls).toStrictEqual(batches(keys.length + 1));
    calls.length = 0;
    expect(await keyv.has([keys[0]!, "absent", keys.at(-1)!])).toStrictEqual([true, false, true]);
    expect(calls).toStrictEqual(batches(3));
    calls.length = 0;
    expect(await keyv.delete(keys)).toBe(true);
    expect(calls).toStrictEqual([...batches(keys.length), ...batches(keys.length)]); // which exist, then delete
    expect(await keyv.delete(keys)).toBe(false);
    expect(await keyv.get(keys)).toStrictEqual(Array(keys.length).fill(undefined));
  }, 180_000);

  it("a value over the batch's 1 MiB read cap is still set, read, counted as present and deleted", async () => {
    const ns = uniqueNamespace("keyv");
    const keyv = new Keyv({ store: store(ns) });
    const big = "x".repeat(1024 * 1024 + 10);
    expect(await keyv.set("big", big)).toBe(true);
    expect(await keyv.get("big")).toBe(big);
    expect(await keyv.has(["big", "absent"])).toStrictEqual([true, false]);
    expect(await keyv.delete(["big", "absent"])).toBe(true);
    expect(await keyv.has("big")).toBe(false);
  });

  it("delete is true only for the call that deleted a live item: of concurrent deletes of one key exactly one wins", async () => {
    const ns = uniqueNamespace("keyv");
    const adapters = Array.from({ length: 8 }, () => new Keyv({ store: store(ns) }));
    await adapters[0]!.set("contested", "v");
    const answers = await Promise.all(adapters.map((keyv) => keyv.delete("contested")));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await adapters[0]!.delete("contested")).toBe(false);
  });

  it("errors: a refused write is false with Keyv's error event; a failed read is a miss, reported as an error", async () => {
    const ns = uniqueNamespace("keyv");
    const keyv = new Keyv({ store: store(ns, { token: "not-a-token" }) });
    const errors: unknown[] = [];
    keyv.on("error", (error: unknown) => errors.push(error));
    expect(await keyv.set("k", "v")).toBe(false);
    expect(await keyv.get("k")).toBeUndefined();
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error).toMatchObject({ status: 401, code: "unauthorized" });
    const strict = new Keyv({ store: store(ns, { token: "not-a-token" }), throwOnErrors: true });
    await expect(strict.get("k")).rejects.toMatchObject({ code: "unauthorized" });
  });

  it("many keys at once: a key refused by the server is its own error event, naming it; the others are stored, read, deleted", async () => {
    const ns = uniqueNamespace("keyv");
    const admin = adminClient({ namespace: ns });
    const { token } = await admin.mintToken({ namespaces: [ns], prefix: "keyv:ok", scopes: ["read", "write"], ttl: 600 });
    const keyv = new Keyv({ store: store(ns, { token }) });
    const errors: unknown[] = [];
    keyv.on("error", (error: unknown) => errors.push(error));
    await keyv.setMany([
      { key: "ok1", value: 1 },
      { key: "no", value: 2 },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "forbidden", message: expect.stringMatching(/^key "keyv:no": /) });
    expect(await keyv.get("ok1")).toBe(1);
    await new Keyv({ store: store(ns) }).set("no", "admin's");
    expect(await keyv.get(["ok1", "no", "okabsent"])).toStrictEqual([1, undefined, undefined]);
    expect(errors).toHaveLength(2);
    expect(await keyv.has(["ok1", "no"])).toStrictEqual([true, false]);
    expect(errors).toHaveLength(3);
    expect(await keyv.delete(["ok1", "no"])).toBe(true);
    expect(await keyv.get("ok1")).toBeUndefined();
    expect(await new Keyv({ store: store(ns) }).get("no")).toBe("admin's");
  });

  it("a client already made can be handed over, and opts say what the store is", () => {
    const client = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: "shared-client" });
    const adapter = new KeyvCloudCached({ client });
    expect(adapter.client).toBe(client);
    expect(adapter.opts).toStrictEqual({ dialect: "cloudcached", url: "", namespace: "shared-client" });
    expect(store("x").opts).toStrictEqual({ dialect: "cloudcached", url: workerUrl(), namespace: "x" });
  });
});

describe("cacheable with KeyvCloudCached as its secondary store", () => {
  it("a value set through one Cacheable is read by another from CloudCached; getOrSet computes once; delete reaches CloudCached", async () => {
    const ns = uniqueNamespace("cacheable");
    const first = new Cacheable({ secondary: store(ns) });
    const second = new Cacheable({ secondary: store(ns) }); // its own empty in-memory primary
    expect(await first.set("user:42", { name: "Ada" }, "1m")).toBe(true);
    expect(await second.get("user:42")).toStrictEqual({ name: "Ada" });
    let computed = 0;
    const compute = async (): Promise<{ n: number }> => {
      computed += 1;
      return { n: 7 };
    };
    expect(await first.getOrSet("expensive", compute, { ttl: "1m" })).toStrictEqual({ n: 7 });
    expect(await second.getOrSet("expensive", compute, { ttl: "1m" })).toStrictEqual({ n: 7 });
    expect(computed).toBe(1);
    const raw = adminClient({ namespace: ns });
    const expiresAt = (await raw.info("keyv:user:42"))?.expiresAt ?? 0;
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(55);
    expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(62);
    await second.delete("user:42");
    expect(await raw.has("keyv:user:42")).toBe(false);
    expect(await new Cacheable({ secondary: store(ns) }).get("user:42")).toBeUndefined();
  });
});
