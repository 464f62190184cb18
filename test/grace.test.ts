import { describe, expect, it } from "vitest";
import { nowSeconds } from "../src/items/item";
import { objectKey } from "../src/storage/object-key";
import { sweep } from "../src/sweep/sweep";
import { faults, viaFaults } from "./faults";
import { api, apiSettled, expectError, sleep, uniqueNamespace, withBindings } from "./helpers";
import { listAll, testConfig, testStorage, uniquePrefix } from "./store";

// Grace: an expired item stays *stale* for its grace, served only to readers that ask with
// `Cache-Control: max-stale`, and counts as absent for everything else. Stale items are written
// straight to the store with an expiry in the past (no waiting for a TTL to run out).

const config = testConfig();

/** An item in the store that expired `ago` seconds ago with `grace` seconds of grace; its ETag. */
async function seedStale(ns: string, key: string, value: string, ago: number, grace: number): Promise<string> {
  const written = await testStorage(config).put(objectKey(config.prefix, ns, 0, key), new TextEncoder().encode(value), { contentType: "text/plain", expiresAt: nowSeconds() - ago, grace }, { kind: "none" });
  if (!written.ok) throw new Error(`seeding ${key} failed: ${written.reason}`);
  return written.etag;
}

const read = (ns: string, key: string, headers: Record<string, string> = {}, method = "GET") => api(`/v1/${ns}/items/${key}`, { method, headers });

describe("grace: stale values, on request", () => {
  it("an item past its TTL within grace is STALE to max-stale readers (GET, HEAD) and absent to plain reads", async () => {
    const ns = uniqueNamespace("grace");
    const etag = await seedStale(ns, "k", "stale value", 5, 60);
    await expectError(await read(ns, "k"), 404, "not_found");
    expect((await read(ns, "k", {}, "HEAD")).status).toBe(404);

    const stale = await read(ns, "k", { "cache-control": "max-stale" });
    expect(stale.status).toBe(200);
    expect(stale.headers.get("x-cache")).toBe("STALE");
    expect(stale.headers.get("etag")).toBe(etag);
    expect(Number(stale.headers.get("x-expires-at"))).toBeLessThan(nowSeconds());
    expect(stale.headers.get("server-timing")).toContain("stale-grace");
    expect(stale.headers.get("server-timing")).not.toContain("stale-error");
    expect(await stale.text()).toBe("stale value");

    const head = await read(ns, "k", { "cache-control": "max-stale=60" }, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("x-cache")).toBe("STALE");
    expect(head.headers.get("content-length")).toBe("11");
    // Still absent to a plain read, after the stale answers too.
    await expectError(await read(ns, "k"), 404, "not_found");
  });

  it("max-stale=N bounds how long past its expiry an item may be", async () => {
    const ns = uniqueNamespace("grace-n");
    await seedStale(ns, "k", "v", 20, 60);
    await expectError(await read(ns, "k", { "cache-control": "max-stale=10" }), 404, "not_found");
    const within = await read(ns, "k", { "cache-control": "max-stale=30" });
    expect(within.status).toBe(200);
    expect(within.headers.get("x-cache")).toBe("STALE");
    await within.text();
    // With no-cache the answer comes from storage, stale or not.
    const fromStorage = await read(ns, "k", { "cache-control": "no-cache, max-stale=30" });
    expect(fromStorage.headers.get("x-cache")).toBe("STALE");
    await fromStorage.text();
    await expectError(await read(ns, "k", { "cache-control": "max-stale=soon" }), 400, "bad_request");
  });

  it("after its grace an item is absent for everyone, and a read empties it (it is not emptied before)", async () => {
    const ns = uniqueNamespace("grace-gone");
    await seedStale(ns, "gone", "v", 61, 60);
    await seedStale(ns, "kept", "v", 5, 60);
    await expectError(await read(ns, "gone", { "cache-control": "max-stale" }), 404, "not_found");
    // A plain read of each, its background work done: the gone one is emptied, the stale one kept.
    await (await apiSettled(`/v1/${ns}/items/gone`)).text();
    await (await apiSettled(`/v1/${ns}/items/kept`)).text();
    const storage = testStorage(config);
    expect((await storage.head(objectKey(config.prefix, ns, 0, "gone")))?.tombstone).toBe(true);
    expect((await storage.head(objectKey(config.prefix, ns, 0, "kept")))?.tombstone).toBe(false);
    expect((await read(ns, "kept", { "cache-control": "max-stale" })).status).toBe(200);
  });

  it("a stale item counts as absent: add succeeds over it; cas, replace, touch, expire and If-Match delete fail; incr needs initial", async () => {
    const ns = uniqueNamespace("grace-abs");
    const casEtag = await seedStale(ns, "cas", "v", 5, 60);
    await expectError(await api(`/v1/${ns}/items/cas`, { method: "PUT", body: "new", headers: { "if-match": casEtag } }), 412, "precondition_failed");
    await seedStale(ns, "replace", "v", 5, 60);
    await expectError(await api(`/v1/${ns}/items/replace`, { method: "PUT", body: "new", headers: { "if-match": "*" } }), 412, "precondition_failed");
    await seedStale(ns, "touch", "v", 5, 60);
    await expectError(await api(`/v1/${ns}/items/touch?op=touch&ttl=60`, { method: "POST" }), 404, "not_found");
    await expectError(await api(`/v1/${ns}/items/touch?op=expire`, { method: "POST" }), 404, "not_found");
    const delEtag = await seedStale(ns, "del", "v", 5, 60);
    await expectError(await api(`/v1/${ns}/items/del`, { method: "DELETE", headers: { "if-match": delEtag } }), 412, "precondition_failed");
    await seedStale(ns, "n", "5", 5, 60);
    await expectError(await api(`/v1/${ns}/items/n?op=incr`, { method: "POST" }), 404, "not_found");
    expect(await (await api(`/v1/${ns}/items/n?op=incr&initial=1`, { method: "POST" })).json()).toMatchObject({ value: 1 });
    await seedStale(ns, "add", "v", 5, 60);
    const added = await api(`/v1/${ns}/items/add`, { method: "PUT", body: "added", headers: { "if-none-match": "*" } });
    expect(added.status).toBe(201);
    expect(await (await read(ns, "add")).text()).toBe("added");
  });

  it("PUT ?grace= keeps the grace in the object's metadata; a bad grace is a 400", async () => {
    const ns = uniqueNamespace("grace-put");
    const put = await api(`/v1/${ns}/items/k?ttl=60&grace=300`, { method: "PUT", body: "v" });
    expect(put.status).toBe(200);
    const head = await testStorage(config).head(objectKey(config.prefix, ns, 0, "k"));
    expect(head?.meta).toMatchObject({ grace: 300 });
    for (const grace of ["-1", "1.5", "x", String(config.maxTtl + 1)]) {
      await expectError(await api(`/v1/${ns}/items/k?grace=${grace}`, { method: "PUT", body: "v" }), 400, "bad_request");
    }
  });

  it("batch gets: {key, maxStale} or the request's Cache-Control: max-stale; a set's grace is kept", async () => {
    const ns = uniqueNamespace("grace-batch");
    await seedStale(ns, "a", "A", 5, 60);
    await seedStale(ns, "b", "B", 20, 60);
    const batch = (body: unknown, headers: Record<string, string> = {}) => api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify(body), headers });
    type Got = Record<string, { value: string; stale?: boolean; expiresAt: number } | null>;
    const plain = (await (await batch({ get: ["a", "b"] })).json<{ get: Got }>()).get;
    expect(plain).toEqual({ a: null, b: null });
    const some = (await (await batch({ get: [{ key: "a", maxStale: true }, { key: "b", maxStale: 10 }] })).json<{ get: Got }>()).get;
    expect(some.a).toMatchObject({ value: "A", stale: true });
    expect(some.a?.expiresAt).toBeLessThan(nowSeconds());
    expect(some.b).toBeNull();
    const all = (await (await batch({ get: ["a", "b"] }, { "cache-control": "max-stale=30" })).json<{ get: Got }>()).get;
    expect(all.a).toMatchObject({ value: "A", stale: true });
    expect(all.b).toMatchObject({ value: "B", stale: true });

    const set = await batch({ set: [{ key: "s", value: "v", ttl: 60, grace: 120 }] });
    expect(set.status).toBe(200);
    await set.text();
    expect((await testStorage(config).head(objectKey(config.prefix, ns, 0, "s")))?.meta).toMatchObject({ grace: 120 });
  });

  it("op=expire: the item expires now and its grace starts; max-stale reads get it STALE, plain reads 404", async () => {
    const ns = uniqueNamespace("grace-expire");
    await api(`/v1/${ns}/items/k?ttl=3600&grace=60`, { method: "PUT", body: "report" });
    // A copy at this location first: soft expiry must not leave it answering as a HIT.
    await (await apiSettled(`/v1/${ns}/items/k`)).text();
    const expired = await api(`/v1/${ns}/items/k?op=expire`, { method: "POST" });
    expect(expired.status).toBe(200);
    const body = await expired.json<{ etag: string; expiresAt: number }>();
    expect(body.expiresAt).toBeLessThanOrEqual(nowSeconds());
    expect(body.etag).toMatch(/^"/);
    await expectError(await read(ns, "k"), 404, "not_found");
    const stale = await read(ns, "k", { "cache-control": "max-stale" });
    expect(stale.headers.get("x-cache")).toBe("STALE");
    expect(stale.headers.get("x-expires-at")).toBe(String(body.expiresAt));
    expect(await stale.text()).toBe("report");
    // The item keeps its grace: another soft expiry finds it stale, hence absent.
    await expectError(await api(`/v1/${ns}/items/k?op=expire`, { method: "POST" }), 404, "not_found");
    // Without grace, soft expiry leaves nothing to serve.
    await api(`/v1/${ns}/items/nograce?ttl=3600`, { method: "PUT", body: "v" });
    expect((await api(`/v1/${ns}/items/nograce?op=expire`, { method: "POST" })).status).toBe(200);
    await expectError(await read(ns, "nograce", { "cache-control": "max-stale" }), 404, "not_found");
  });

  it("the sweep keeps an item within its grace and deletes one past it", async () => {
    const prefix = uniquePrefix("grace-sweep");
    const areaConfig = testConfig({ S3_PREFIX: prefix });
    const storage = testStorage(areaConfig);
    const ns = uniqueNamespace("gsw");
    const now = nowSeconds();
    for (const [key, expiresAt, grace] of [["stale", now - 5, 3600], ["gone", now - 5, 0]] as const) {
      const written = await storage.put(objectKey(prefix, ns, 0, key), new TextEncoder().encode("v"), { contentType: "text/plain", expiresAt, grace }, { kind: "none" });
      expect(written.ok).toBe(true);
    }
    const report = await sweep(areaConfig, { budget: 100, graceSeconds: 1, now: Date.now() + 10_000 });
    expect(report.deleted).toMatchObject({ expired: 1 });
    expect((await listAll(prefix)).map((o) => o.key.slice(prefix.length))).toContain(`${ns}/0/stale`);
    expect((await listAll(prefix)).map((o) => o.key.slice(prefix.length))).not.toContain(`${ns}/0/gone`);
  });
});

describe("grace at this location", () => {
  const EDGE = { EDGE_TTL: "1" };

  it("the location copy carries the grace: a stale item is answered from it, without storage, to max-stale readers only", async () => {
    const ns = uniqueNamespace("grace-copy");
    await seedStale(ns, "k", "v", 5, 60);
    // The first max-stale read asks storage and keeps a copy here.
    const first = await viaFaults(`/v1/${ns}/items/k`, { headers: { "cache-control": "max-stale" } });
    expect(first.headers.get("x-cache")).toBe("STALE");
    await first.text();
    const before = (await faults.requests(`/${ns}/`)).length;
    const second = await viaFaults(`/v1/${ns}/items/k`, { headers: { "cache-control": "max-stale" } });
    expect(second.headers.get("x-cache")).toBe("STALE");
    expect(await second.text()).toBe("v");
    expect((await faults.requests(`/${ns}/`)).length).toBe(before);
    // A plain read is never given the copy.
    await expectError(await viaFaults(`/v1/${ns}/items/k`), 404, "not_found");
  });

  it("max-stale takes this location's copy past its freshness, refreshes it once, and never gives it to a plain read", async () => {
    const ns = uniqueNamespace("grace-swr");
    const put = await viaFaults(`/v1/${ns}/items/k?ttl=300`, { method: "PUT", body: "v1" }, EDGE);
    await put.text();
    await (await viaFaults(`/v1/${ns}/items/k`, {}, EDGE)).text(); // MISS: the copy is kept here
    await sleep(1100); // past its freshness (EDGE_TTL 1 s)
    const gets = () => faults.requests(`/${ns}/`).then((requests) => requests.filter((r) => r.method === "GET").length);
    const before = await gets();
    const answers = await Promise.all(Array.from({ length: 5 }, () => viaFaults(`/v1/${ns}/items/k`, { headers: { "cache-control": "max-stale=30" } }, EDGE)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-cache")).toBe("HIT");
      expect(await answer.text()).toBe("v1");
    }
    expect(answers.some((answer) => answer.headers.get("server-timing")?.includes("refresh"))).toBe(true);
    // One refresh from storage for all of them; after it, the copy is fresh again: a plain read is a HIT.
    expect((await gets()) - before).toBe(1);
    const after = await viaFaults(`/v1/${ns}/items/k`, {}, EDGE);
    expect(after.headers.get("x-cache")).toBe("HIT");
    await after.text();

    // Past its freshness again: max-stale=0 does not take it (storage is asked), a plain read neither.
    await sleep(1100);
    const bounded = await viaFaults(`/v1/${ns}/items/k`, { headers: { "cache-control": "max-stale=0" } }, EDGE);
    expect(bounded.headers.get("x-cache")).toBe("MISS");
    await bounded.text();
  });

  it("a delete or a flush hides the copy from max-stale readers too", async () => {
    const ns = uniqueNamespace("grace-hide");
    for (const key of ["d", "f"]) {
      await (await withBindings(EDGE, `/v1/${ns}/items/${key}?ttl=300&grace=300`, { method: "PUT", body: "v" })).text();
      await (await withBindings(EDGE, `/v1/${ns}/items/${key}`)).text();
    }
    await sleep(1100);
    expect((await withBindings(EDGE, `/v1/${ns}/items/d`, { method: "DELETE" })).status).toBe(204);
    await expectError(await withBindings(EDGE, `/v1/${ns}/items/d`, { headers: { "cache-control": "max-stale" } }), 404, "not_found");
    expect((await withBindings(EDGE, `/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    await expectError(await withBindings(EDGE, `/v1/${ns}/items/f`, { headers: { "cache-control": "max-stale" } }), 404, "not_found");
  });
});

describe("grace with a lease: one reader recomputes, the rest are served the stale value", () => {
  it("every max-stale reader of a stale item gets it as STALE; exactly one also wins the lease, and its write releases it", async () => {
    const ns = uniqueNamespace("grace-lease");
    await seedStale(ns, "report", "last report", 5, 600);
    const answers = await Promise.all(Array.from({ length: 8 }, () => read(ns, "report", { "cache-control": "max-stale", "x-lease": "30" })));
    const bodies = await Promise.all(answers.map((answer) => answer.text()));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    expect(answers.map((answer) => answer.headers.get("x-cache"))).toEqual(Array(8).fill("STALE"));
    expect(bodies).toEqual(Array(8).fill("last report"));
    const won = answers.filter((answer) => answer.headers.get("x-lease") === "won");
    expect(won).toHaveLength(1);
    expect(answers.filter((answer) => answer.headers.get("x-lease") === "busy")).toHaveLength(7);
    const token = won[0]?.headers.get("x-lease-token") ?? "";
    // A reader without max-stale is never given the stale value, lease or not.
    const plain = await read(ns, "report", { "x-lease": "30" });
    expect(plain.status).toBe(404);
    expect(plain.headers.get("x-lease")).toBe("busy");
    await plain.body?.cancel();
    // The winner writes the new value with its token: every reader now gets it, fresh, and asks no lease.
    const written = await api(`/v1/${ns}/items/report?ttl=60&grace=600`, { method: "PUT", body: "new report", headers: { "x-lease-token": token } });
    expect(written.status).toBe(200);
    await written.body?.cancel();
    const after = await read(ns, "report", { "cache-control": "max-stale", "x-lease": "30" });
    expect(after.status).toBe(200);
    expect(after.headers.get("x-cache")).not.toBe("STALE");
    expect(after.headers.get("x-lease")).toBeNull();
    expect(await after.text()).toBe("new report");
  });
});
