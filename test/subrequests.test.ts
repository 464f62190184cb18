import { describe, expect, it } from "vitest";
import { encodeLease } from "../src/items/lease";
import { maxBatchKeys, maxBatchLeaseKeys, SERVICE_CALLS } from "../src/platform/budget";
import { leaseObjectKey, objectKey } from "../src/storage/object-key";
import { meteredCalls } from "../src/storage/open";
import { faults, viaFaults } from "./faults";
import { uniqueNamespace } from "./helpers";
import { testConfig, testStorage, throughBinding } from "./store";
import { countSubrequests, expectWithinLimits, type Counted } from "./subrequests";

// Every route's worst case, its subrequests counted where the runtime counts them (every fetch to
// the store, every Cache API call: test/subrequests.ts), held to SUBREQUEST_LIMIT at the Free plan's
// 50 and at 1000; through the R2 binding, its calls held to the services limit instead. Storage goes
// through the faults (test/faults.ts), which make the worst cases happen.

const LIMITS = [50, 1000] as const;
/** Which calls count against the limit, this way to storage: through the binding, more keys fit a batch. */
const METERED = meteredCalls(testConfig());

interface Answer {
  status: number;
  etag: string | null;
  lease: string | null;
  body: string;
}

/**
 * The Worker at this limit, through the fault proxy, with time enough for every retry it allows.
 * The body is read here: a batch does its gets while its answer streams.
 */
async function at(limit: number, prefix: string, path: string, init: RequestInit = {}, overrides: Partial<Record<keyof Env, string>> = {}): Promise<Answer> {
  const response = await viaFaults(path, init, { SUBREQUEST_LIMIT: String(limit), S3_PREFIX: prefix, STORAGE_TIMEOUT_MS: "5000", ...overrides });
  return { status: response.status, etag: response.headers.get("etag"), lease: response.headers.get("x-lease"), body: await response.text() };
}

/** A bucket prefix no other test uses: its generations, its dialect entry and its objects are its own. */
function uniquePrefix(): string {
  return `${uniqueNamespace("sub")}/`;
}

/**
 * An item written straight to the store, never through the Worker: no isolate and no location has
 * seen its namespace, so the next request is the first of its kind (generation unknown everywhere,
 * and with a prefix of its own, the store's dialect too).
 */
async function seed(prefix: string, namespace: string, key: string, value: string, lifetime: { expiresAt: number | null; grace?: number } = { expiresAt: null }): Promise<string> {
  const written = await testStorage(testConfig({ S3_PREFIX: prefix })).put(objectKey(prefix, namespace, 0, key), new TextEncoder().encode(value), { contentType: "text/plain", ...lifetime }, { kind: "none" });
  if (!written.ok) throw new Error(`seeding ${key} failed: ${written.reason}`);
  return written.etag;
}

/** The next read of the namespace's generation, of an item's value and of its head each fail once (500). */
async function readsFailOnce(prefix: string, namespace: string): Promise<void> {
  await faults.fault({ mode: "error500", path: `/${prefix}.generations/${namespace}`, method: "GET", count: 1 });
  await faults.fault({ mode: "error500", path: `/${prefix}${namespace}/`, method: "GET", count: 1 });
  await faults.fault({ mode: "error500", path: `/${prefix}${namespace}/`, method: "HEAD", count: 1 });
}

/** A lease held by someone else, lapsed a second ago, written straight to the store: the next reader takes it over. */
async function seedLapsedLease(prefix: string, namespace: string, key: string): Promise<void> {
  const lease = encodeLease({ token: "someone-elses-lease-token", lapsesAt: Date.now() - 1000 });
  const written = await testStorage(testConfig({ S3_PREFIX: prefix })).put(leaseObjectKey(prefix, namespace, 0, key), lease, { contentType: "application/json", expiresAt: 1 }, { kind: "none" });
  if (!written.ok) throw new Error(`seeding the lease of ${key} failed: ${written.reason}`);
}

function report(route: string, limit: number, counted: Counted<Answer>): void {
  // The numbers the docs quote (docs/deploy.md): visible with `npx vitest run test/subrequests.test.ts`.
  console.info(JSON.stringify({ subrequests: route, limit, status: counted.result.status, total: counted.total, limited: counted.limited, storage: counted.storage, cache: counted.cache }));
}

describe.each(LIMITS)("SUBREQUEST_LIMIT=%i: every route's worst case stays within it", (limit) => {
  it("the first request of an isolate: a compare-and-swap that probes the store's dialect, its answer lost, storage failing once", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-cas");
    const etag = await seed(prefix, ns, "k", "one");
    // The generation's GET fails once; the cas PUT lands but its answer is lost (resolved by a HEAD).
    await faults.fault({ mode: "error500", path: `/${prefix}.generations/${ns}`, method: "GET", count: 1 });
    await faults.fault({ mode: "resetAfter", path: `/${prefix}${ns}/`, method: "PUT", count: 1 });
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/k`, { method: "PUT", body: "two", headers: { "if-match": etag } }));
    report("cas, first request", limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    // Over S3 it really probed: four requests under the probe's scratch key at least (the binding has one dialect).
    if (!throughBinding) expect((await faults.requests(`/${prefix}.dialect-probe/`)).length).toBeGreaterThanOrEqual(4);
    await faults.clear(`/${prefix}`);
  });

  it("a read whose every storage call fails once, on a location that knows nothing yet", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-get");
    await seed(prefix, ns, "k", "");
    await readsFailOnce(prefix, ns);
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } }));
    report("GET, every call failing once", limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    await faults.clear(`/${prefix}`);
  });

  it("a max-stale read of a stale empty value, on a location that knows nothing yet, every storage call failing once", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-stale");
    await seed(prefix, ns, "k", "", { expiresAt: Math.floor(Date.now() / 1000) - 5, grace: 600 });
    await readsFailOnce(prefix, ns);
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/k`, { headers: { "cache-control": "max-stale" } }));
    report("GET max-stale, stale, every call failing once", limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    await faults.clear(`/${prefix}`);
  });

  it("a max-stale read given this location's copy past its freshness, its background refresh failing once per call", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-swr");
    const edge = { EDGE_TTL: "1" };
    await seed(prefix, ns, "k", "");
    // The copy is kept here by a first read, then left past its freshness (EDGE_TTL 1 s).
    expect((await at(limit, prefix, `/v1/${ns}/items/k`, {}, edge)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await readsFailOnce(prefix, ns);
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/k`, { headers: { "cache-control": "max-stale=60" } }, edge));
    report("GET max-stale, copy past freshness, refresh failing once", limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    // The refresh really ran: storage was asked for the item after the answer.
    expect((await faults.requests(`/${prefix}${ns}/`)).filter((r) => r.method === "GET").length).toBeGreaterThanOrEqual(2);
    await faults.clear(`/${prefix}`);
  });

  it("the first request of an isolate: a soft expiry (op=expire) that probes the store's dialect, storage failing once, its copy racing", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-expire");
    await seed(prefix, ns, "k", "v", { expiresAt: Math.floor(Date.now() / 1000) + 3600, grace: 600 });
    await faults.fault({ mode: "error500", path: `/${prefix}.generations/${ns}`, method: "GET", count: 1 });
    await faults.fault({ mode: "error500", path: `/${prefix}${ns}/`, method: "HEAD", count: 1 });
    await faults.fault({ mode: "conflict409", path: `/${prefix}${ns}/`, method: "PUT", count: 1 });
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/k?op=expire`, { method: "POST" }));
    report("op=expire, first request", limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    await faults.clear(`/${prefix}`);
  });

  it("a read asking for a lease on a location that knows nothing yet: its calls failing once, the lease lapsed (taken over, the dialect probed), each lease write's answer lost", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-lease");
    await seedLapsedLease(prefix, ns, "k");
    await faults.fault({ mode: "error500", path: `/${prefix}.generations/${ns}`, method: "GET", count: 1 });
    await faults.fault({ mode: "error500", path: `/${prefix}${ns}/`, method: "GET", count: 1 });
    await faults.fault({ mode: "error500", path: `/${prefix}.leases/${ns}/`, method: "GET", count: 1 });
    // The create reaches the store (which refuses it: the lease exists) and the takeover lands; both answers are lost.
    await faults.fault({ mode: "resetAfter", path: `/${prefix}.leases/${ns}/`, method: "PUT", count: 2 });
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/k`, { headers: { "x-lease": "30" } }));
    report("GET with X-Lease, taken over", limit, counted);
    expect(counted.result.status).toBe(404);
    expect(counted.result.lease).toBe("won");
    expectWithinLimits(counted, limit);
    if (!throughBinding) expect((await faults.requests(`/${prefix}.dialect-probe/`)).length).toBeGreaterThanOrEqual(4);
    await faults.clear(`/${prefix}`);
  });

  it("a counter whose every write loses a race: it stops at the limit with a clear 503, never a 500", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-incr");
    expect((await at(limit, prefix, `/v1/${ns}/items/n?op=incr&initial=1`, { method: "POST" })).status).toBe(200);
    // Enough conflicts to outlast the budget at 50 (each lost race costs a GET and a PUT); through the
    // binding, storage calls are held to the services limit, and a few conflicts are retried past.
    const storageCallLimit = throughBinding ? SERVICE_CALLS : limit;
    const conflicts = storageCallLimit === 50 ? 1000 : 20;
    await faults.fault({ mode: "conflict409", path: `/${prefix}${ns}/`, method: "PUT", count: conflicts });
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/n?op=incr`, { method: "POST" }));
    report("incr, every write racing", limit, counted);
    expectWithinLimits(counted, limit);
    expect([200, 503]).toContain(counted.result.status);
    if (storageCallLimit === 50) expect(counted.result.status).toBe(503);
    else expect(counted.result.status).toBe(200);
    await faults.clear(`/${prefix}`);
  });

  it("a flush that keeps losing to other flushes", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-flush");
    await faults.fault({ mode: "conflict409", path: `/${prefix}.generations/${ns}`, method: "PUT", count: 1000 });
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/flush`, { method: "POST" }));
    report("flush, losing every race", limit, counted);
    expectWithinLimits(counted, limit);
    expect(counted.result.status).toBe(503);
    await faults.clear(`/${prefix}`);
  });

  it("a listing of keys on a location that knows nothing yet, storage failing once; a health check", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-keys");
    await seed(prefix, ns, "k", "v");
    await faults.fault({ mode: "error500", path: `/${prefix}`, method: "GET", count: 1 });
    const keys = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/keys`));
    report("keys", limit, keys);
    expect(keys.result.status).toBe(200);
    expectWithinLimits(keys, limit);
    const health = await countSubrequests(() => at(limit, prefix, "/healthz"));
    expect(health.result.status).toBe(200);
    expectWithinLimits(health, limit);
    await faults.clear(`/${prefix}`);
  });

  it("a no-cache read of an item with 16 tags none of which this isolate knows, every storage call failing once; a tag invalidation losing every race", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-tags");
    const tags = Array.from({ length: 16 }, (_, i) => `tag-${i}`.padEnd(100, "x"));
    const written = await testStorage(testConfig({ S3_PREFIX: prefix })).put(objectKey(prefix, ns, 0, "k"), new TextEncoder().encode("v"), { contentType: "text/plain", expiresAt: null, tags, writtenAt: Date.now() }, { kind: "none" });
    expect(written.ok).toBe(true);
    await readsFailOnce(prefix, ns);
    const read = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } }));
    report("GET no-cache, 16 tags unknown", limit, read);
    expect(read.result.status, read.result.body).toBe(200);
    expectWithinLimits(read, limit);
    // A read served from this location's copy, every tag confirmed from the location cache or storage.
    const hit = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/items/k`));
    expect(hit.result.status).toBe(200);
    expectWithinLimits(hit, limit);
    await faults.fault({ mode: "conflict409", path: `/${prefix}.tags/${ns}/`, method: "PUT", count: 1000 });
    const invalidate = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/tags/tag-0?op=expire`, { method: "POST" }));
    report("tag expire, losing every race", limit, invalidate);
    expectWithinLimits(invalidate, limit);
    expect(invalidate.result.status).toBe(503);
    await faults.clear(`/${prefix}`);
  });

  it("a batch of the size GET /v1 gives, of items with 16 tags each, none known: within the limit, a key that cannot confirm its tags answered 503", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-btags");
    const storage = testStorage(testConfig({ S3_PREFIX: prefix }));
    const keys = Array.from({ length: maxBatchKeys(limit, METERED) }, (_, i) => `t${i}`);
    for (const [n, key] of keys.entries()) {
      const tags = Array.from({ length: 16 }, (_, i) => `${key}-${n}-${i}`);
      await storage.put(objectKey(prefix, ns, 0, key), new TextEncoder().encode("v"), { contentType: "text/plain", expiresAt: null, tags, writtenAt: Date.now() }, { kind: "none" });
    }
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }) }));
    report(`batch of ${keys.length} items with 16 tags`, limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    const got = (JSON.parse(counted.result.body) as { get: Record<string, { value?: string; error?: { code: string } } | null> }).get;
    for (const key of keys) {
      const answer = got[key];
      if (answer?.error) expect(answer.error.code).toBe("storage_unavailable");
      else expect(answer).toMatchObject({ value: "v" });
    }
  });

  it("a batch of the size GET /v1 gives, of tagged items whose tags no isolate knows, as many distinct tags as gets: every key answered, within the limit", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-btag1");
    const storage = testStorage(testConfig({ S3_PREFIX: prefix }));
    const keys = Array.from({ length: maxBatchKeys(limit, METERED) }, (_, i) => `u${i}`);
    // Every item one tag; half of them share theirs with the next, the rest carry one of their own.
    const tagsOf = (n: number) => (n % 2 === 0 ? [`pair-${n}`] : n % 4 === 1 ? [`pair-${n - 1}`, `own-${n}`] : [`own-${n}`]);
    for (const [n, key] of keys.entries()) {
      await storage.put(objectKey(prefix, ns, 0, key), new TextEncoder().encode(`v${n}`), { contentType: "text/plain", expiresAt: null, tags: tagsOf(n), writtenAt: Date.now() }, { kind: "none" });
    }
    expect(new Set(keys.flatMap((_, n) => tagsOf(n))).size).toBeLessThanOrEqual(keys.length);
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }) }));
    report(`batch of ${keys.length} tagged items, tags unknown`, limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    const got = (JSON.parse(counted.result.body) as { get: Record<string, unknown> }).get;
    expect(keys.map((key) => got[key])).toEqual(keys.map((_, n) => expect.objectContaining({ value: `v${n}`, tags: tagsOf(n) })));
  });

  it("the batch size GET /v1 would give fits: a batch of that many misses", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-batch");
    const keys = Array.from({ length: maxBatchKeys(limit, METERED) }, (_, i) => `k${i}`);
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }) }));
    report(`batch of ${keys.length} misses`, limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
  });
  it("a batch of as many lease gets as GET /v1 says fit, each lease lapsed (taken over), every lease write's answer lost, on a location that knows nothing yet", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-blease");
    const keys = Array.from({ length: maxBatchLeaseKeys(limit, METERED) }, (_, i) => `l${i}`);
    for (const key of keys) await seedLapsedLease(prefix, ns, key);
    await faults.fault({ mode: "resetAfter", path: `/${prefix}.leases/${ns}/`, method: "PUT", count: 2 * keys.length });
    const body = JSON.stringify({ get: keys.map((key) => ({ key, lease: 30 })) });
    // Seven calls a key, through a proxy that resets two of them: more than a request's default
    // time on storage (twice STORAGE_TIMEOUT_MS in all) on a loaded machine. Counted here, not timed.
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/batch`, { method: "POST", body }, { STORAGE_TIMEOUT_MS: "30000" }));
    await faults.clear(`/${prefix}`);
    report(`batch of ${keys.length} lease gets`, limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    const leases = (JSON.parse(counted.result.body) as { leases: Record<string, { lease: string }> }).leases;
    const got = (JSON.parse(counted.result.body) as { get: Record<string, unknown> }).get;
    for (const key of keys) expect(leases[key]?.lease, `${key}: ${JSON.stringify(got[key])}`).toBe("won");
  });

  it("the batch size GET /v1 would give, one of its reads reset (a kept-alive connection dropped): retried within its planned calls", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-reset");
    const keys = Array.from({ length: maxBatchKeys(limit, METERED) }, (_, i) => `r${i}`);
    for (const key of keys) await seed(prefix, ns, key, `v-${key}`);
    await faults.fault({ mode: "reset", path: `/${prefix}${ns}/`, method: "GET", count: 1 });
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }) }));
    await faults.clear(`/${prefix}`);
    report(`batch of ${keys.length} reads, one reset`, limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    const got = (JSON.parse(counted.result.body) as { get: Record<string, { value: string } | { error: unknown } | null> }).get;
    for (const key of keys) expect(got[key], key).toEqual(expect.objectContaining({ value: `v-${key}` }));
    expect((await faults.requests(`/${prefix}${ns}/`)).filter((request) => request.fault === "reset")).toHaveLength(1);
  });

  it("a batch of empty values (each read costs a GET and a HEAD) on a location that knows nothing yet", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-empty");
    const keys = Array.from({ length: maxBatchKeys(limit, METERED) }, (_, i) => `e${i}`);
    for (const key of keys) await seed(prefix, ns, key, "");
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }), headers: { "cache-control": "no-cache" } }));
    report(`batch of ${keys.length} empty values`, limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    const got = (JSON.parse(counted.result.body) as { get: Record<string, { value: string } | null> }).get;
    for (const key of keys) expect(got[key]).toMatchObject({ value: "" });
  });

  it("a batch of sets whose every PUT loses a race: retries stop at the limit, each key answered", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-race");
    const keys = Array.from({ length: maxBatchKeys(limit, METERED) }, (_, i) => `r${i}`);
    await faults.fault({ mode: "conflict409", path: `/${prefix}${ns}/`, method: "PUT", count: 100_000 });
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ set: keys.map((key) => ({ key, value: key })) }) }));
    await faults.clear(`/${prefix}`);
    report(`batch of ${keys.length} racing sets`, limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    const set = (JSON.parse(counted.result.body) as { set: Record<string, { error?: { code: string } }> }).set;
    for (const key of keys) expect(set[key]?.error?.code).toBe("storage_unavailable");
  });

  it("a batch of sets whose every PUT answer is lost (each resolved by a HEAD)", async () => {
    const prefix = uniquePrefix();
    const ns = uniqueNamespace("sub-lost");
    const keys = Array.from({ length: maxBatchKeys(limit, METERED) }, (_, i) => `l${i}`);
    await faults.fault({ mode: "resetAfter", path: `/${prefix}${ns}/`, method: "PUT", count: keys.length });
    const counted = await countSubrequests(() => at(limit, prefix, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ set: keys.map((key) => ({ key, value: key })) }) }));
    await faults.clear(`/${prefix}`);
    report(`batch of ${keys.length} sets, answers lost`, limit, counted);
    expect(counted.result.status).toBe(200);
    expectWithinLimits(counted, limit);
    const set = (JSON.parse(counted.result.body) as { set: Record<string, { etag?: string }> }).set;
    for (const key of keys) expect(set[key]?.etag).toMatch(/^"/);
  });

});

describe("SUBREQUEST_LIMIT=50: a batch larger than the limit allows", () => {
  it("with one lease get too many is refused before any call, naming the limit", async () => {
    const keys = Array.from({ length: maxBatchLeaseKeys(50, METERED) + 1 }, (_, i) => ({ key: `k${i}`, lease: 30 }));
    const counted = await countSubrequests(() => at(50, uniquePrefix(), `/v1/${uniqueNamespace("sub-bigl")}/batch`, { method: "POST", body: JSON.stringify({ get: keys }) }));
    expect(counted.result.status).toBe(400);
    expect(JSON.parse(counted.result.body)).toMatchObject({ error: { code: "bad_request", message: expect.stringContaining("SUBREQUEST_LIMIT") } });
    expect(counted.total).toBe(0);
  });

  it("is refused before any call, naming the limit (at 1000 every batch the API accepts fits)", async () => {
    const keys = Array.from({ length: maxBatchKeys(50, METERED) + 1 }, (_, i) => `k${i}`);
    const counted = await countSubrequests(() => at(50, uniquePrefix(), `/v1/${uniqueNamespace("sub-big")}/batch`, { method: "POST", body: JSON.stringify({ get: keys }) }));
    expect(counted.result.status).toBe(400);
    expect(JSON.parse(counted.result.body)).toMatchObject({ error: { code: "bad_request", message: expect.stringContaining("SUBREQUEST_LIMIT") } });
    expect(counted.total).toBe(0);
    expect(maxBatchKeys(1000)).toBe(100);
  });
});
