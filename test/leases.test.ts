import { describe, expect, it } from "vitest";
import { decodeDialect, nameOfDialect } from "../src/storage/s3/dialect";
import { dialectCacheUrl } from "../src/storage/s3/known-dialect";
import { Leases } from "../src/items/leases";
import { leaseObjectKey } from "../src/storage/object-key";
import { sweep } from "../src/sweep/sweep";
import { api, apiSettled, expectError, sleep, uniqueNamespace, withBindings } from "./helpers";
import { countSubrequests } from "./subrequests";
import { listAll, s3Of, testConfig, testStorage, throughBinding, uniquePrefix } from "./store";

// Leases (API.md, "Caching under load"): of the readers of an absent item, exactly one is told to
// compute it. Store-agnostic: also run against Ceph RGW (.ci/ceph-suite.sh).

interface Read {
  status: number;
  body: string;
  lease: string | null;
  token: string | null;
  retryAfter: string | null;
  retryMs: string | null;
  timing: string | null;
}

async function read(ns: string, key: string, headers: Record<string, string> = {}, method = "GET"): Promise<Read> {
  const response = await api(`/v1/${ns}/items/${key}`, { method, headers });
  return {
    status: response.status,
    body: await response.text(),
    lease: response.headers.get("x-lease"),
    token: response.headers.get("x-lease-token"),
    retryAfter: response.headers.get("retry-after"),
    retryMs: response.headers.get("x-lease-retry-ms"),
    timing: response.headers.get("server-timing"),
  };
}

async function put(ns: string, key: string, value: string, options: { ttl?: number; token?: string } = {}): Promise<number> {
  const response = await api(`/v1/${ns}/items/${key}${options.ttl === undefined ? "" : `?ttl=${options.ttl}`}`, {
    method: "PUT",
    body: value,
    headers: options.token ? { "x-lease-token": options.token } : {},
  });
  await response.arrayBuffer();
  return response.status;
}

async function remove(ns: string, key: string, token?: string): Promise<number> {
  const response = await api(`/v1/${ns}/items/${key}`, { method: "DELETE", headers: token ? { "x-lease-token": token } : {} });
  await response.arrayBuffer();
  return response.status;
}

const won = (reads: Read[]) => reads.filter((r) => r.lease === "won");

describe("X-Lease on a read that finds nothing", () => {
  it("64 concurrent readers of one cold key: exactly one wins, every other is busy; all are told 404", async () => {
    const ns = uniqueNamespace("lease64");
    const reads = await Promise.all(Array.from({ length: 64 }, () => read(ns, "cold", { "x-lease": "30" })));
    expect(reads.map((r) => r.status)).toEqual(Array(64).fill(404));
    expect(won(reads)).toHaveLength(1);
    expect(won(reads)[0]?.token).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    const busy = reads.filter((r) => r.lease === "busy");
    expect(busy).toHaveLength(63);
    for (const r of busy) {
      expect(r.token).toBeNull();
      expect(Number(r.retryMs)).toBeGreaterThan(0);
      expect(Number(r.retryMs)).toBeLessThanOrEqual(30_000);
      expect(r.retryAfter).toBe(String(Math.floor(Number(r.retryMs) / 1000)));
    }
    // The answer is otherwise the usual 404.
    expect(JSON.parse(reads[0]?.body ?? "")).toMatchObject({ error: { code: "not_found" } });
  });

  it("HEAD asks too; a read without X-Lease neither asks nor is told anything", async () => {
    const ns = uniqueNamespace("lease-head");
    const plain = await read(ns, "k");
    expect(plain).toMatchObject({ status: 404, lease: null, retryAfter: null });
    const head = await read(ns, "k", { "x-lease": "30" }, "HEAD");
    expect(head).toMatchObject({ status: 404, lease: "won" });
    expect((await read(ns, "k", { "x-lease": "30" }, "HEAD")).lease).toBe("busy");
    expect((await read(ns, "k")).lease).toBeNull();
  });

  it("the winner never writes: after S seconds the lease lapses and the next reader wins", async () => {
    const ns = uniqueNamespace("lease-lapse");
    const first = await read(ns, "k", { "x-lease": "1" });
    expect(first.lease).toBe("won");
    const second = await read(ns, "k", { "x-lease": "1" });
    expect(second.lease).toBe("busy");
    expect(Number(second.retryMs)).toBeLessThanOrEqual(1000);
    await sleep(Number(second.retryMs) + 50);
    const third = await read(ns, "k", { "x-lease": "1" });
    expect(third.lease).toBe("won");
    expect(third.token).not.toBe(first.token);
    // Taken over by exactly one: the next is busy again.
    expect((await read(ns, "k", { "x-lease": "1" })).lease).toBe("busy");
  });

  it("a lapsed lease is taken over by exactly one of many concurrent readers", async () => {
    const ns = uniqueNamespace("lease-takeover");
    expect((await read(ns, "k", { "x-lease": "1" })).lease).toBe("won");
    await sleep(1100);
    const reads = await Promise.all(Array.from({ length: 16 }, () => read(ns, "k", { "x-lease": "30" })));
    expect(won(reads)).toHaveLength(1);
    expect(reads.filter((r) => r.lease === "busy")).toHaveLength(15);
  });

  it("is told in Server-Timing", async () => {
    const ns = uniqueNamespace("lease-timing");
    expect((await read(ns, "k", { "x-lease": "30" })).timing).toMatch(/lease;desc="won";dur=\d+/);
    expect((await read(ns, "k", { "x-lease": "30" })).timing).toMatch(/lease;desc="busy";dur=\d+/);
    expect((await read(ns, "k")).timing).not.toContain("lease");
  });

  it("a bad X-Lease, X-Refresh-Below or X-Lease-Token is a 400 naming it", async () => {
    const ns = uniqueNamespace("lease-bad");
    for (const value of ["0", "301", "abc", "1.5", "-3"]) {
      const body = await expectError(await api(`/v1/${ns}/items/k`, { headers: { "x-lease": value } }), 400, "bad_request");
      expect(body.error.message).toContain("X-Lease");
    }
    await expectError(await api(`/v1/${ns}/items/k`, { headers: { "x-lease": "30", "x-refresh-below": "0" } }), 400, "bad_request");
    await expectError(await api(`/v1/${ns}/items/k`, { headers: { "x-refresh-below": "10" } }), 400, "bad_request");
    await expectError(await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v", headers: { "x-lease-token": "not a token" } }), 400, "bad_request");
    await expectError(await api(`/v1/${ns}/items/k`, { method: "DELETE", headers: { "x-lease-token": "?" } }), 400, "bad_request");
    // Nothing was asked or written by the refused requests.
    expect((await read(ns, "k", { "x-lease": "30" })).lease).toBe("won");
  });

  it("a lease is not an item: key listings never show it", async () => {
    const ns = uniqueNamespace("lease-keys");
    expect((await read(ns, "k", { "x-lease": "30" })).lease).toBe("won");
    const listed = await api(`/v1/${ns}/keys`);
    expect(await listed.json()).toEqual({ keys: [], cursor: null });
  });
});

describe("releasing a lease", () => {
  it("the winner's PUT with its token writes the value and releases the lease: the next reader of a missing item wins at once", async () => {
    const ns = uniqueNamespace("lease-put");
    const first = await read(ns, "k", { "x-lease": "300" });
    expect(first.lease).toBe("won");
    expect(await put(ns, "k", "computed", { token: first.token as string })).toBe(200);
    const after = await read(ns, "k", { "x-lease": "300" });
    expect(after).toMatchObject({ status: 200, body: "computed", lease: null });
    // Gone again: nobody holds the lease any more.
    expect(await remove(ns, "k")).toBe(204);
    expect((await read(ns, "k", { "x-lease": "300" })).lease).toBe("won");
  });

  it("a token that is not the current one releases nothing; the write itself lands", async () => {
    const ns = uniqueNamespace("lease-wrong");
    const first = await read(ns, "k", { "x-lease": "300" });
    expect(first.lease).toBe("won");
    const other = await read(uniqueNamespace("lease-other"), "k", { "x-lease": "300" });
    expect(await put(ns, "k", "v", { token: other.token as string })).toBe(200);
    expect((await read(ns, "k")).body).toBe("v");
    expect(await remove(ns, "k")).toBe(204);
    expect((await read(ns, "k", { "x-lease": "300" })).lease).toBe("busy");
    // The holder's own token still releases it.
    expect(await remove(ns, "k", first.token as string)).toBe(204);
    expect((await read(ns, "k", { "x-lease": "300" })).lease).toBe("won");
  });

  it("DELETE with the token releases it", async () => {
    const ns = uniqueNamespace("lease-del");
    const first = await read(ns, "k", { "x-lease": "300" });
    expect((await read(ns, "k", { "x-lease": "300" })).lease).toBe("busy");
    expect(await remove(ns, "k", first.token as string)).toBe(204);
    const next = await read(ns, "k", { "x-lease": "300" });
    expect(next.lease).toBe("won");
    expect(next.token).not.toBe(first.token);
  });

  it("op=release with the holder's token gives the lease up and leaves the item untouched: a waiting reader then wins", async () => {
    const ns = uniqueNamespace("lease-release");
    await (await api(`/v1/${ns}/items/k?ttl=300&grace=300`, { method: "PUT", body: "old" })).arrayBuffer();
    const expired = await api(`/v1/${ns}/items/k?op=expire`, { method: "POST" });
    const etag = expired.headers.get("etag");
    await expired.arrayBuffer();
    const stale = { "x-lease": "300", "cache-control": "max-stale" };
    const first = await read(ns, "k", stale);
    expect(first).toMatchObject({ status: 200, body: "old", lease: "won" });
    expect((await read(ns, "k", stale)).lease).toBe("busy");
    const release = (token: string | null) => api(`/v1/${ns}/items/k?op=release`, { method: "POST", headers: token === null ? {} : { "x-lease-token": token } });
    // A token that does not hold the lease is refused, and releases nothing.
    const other = await read(uniqueNamespace("lease-release-other"), "k", { "x-lease": "300" });
    await expectError(await release(other.token), 412, "precondition_failed");
    await expectError(await release(null), 400, "bad_request");
    expect((await read(ns, "k", stale)).lease).toBe("busy");
    // The holder's token releases it: 204, and the stale item is still there, the same version.
    const released = await release(first.token);
    expect(released.status).toBe(204);
    expect(await released.text()).toBe("");
    const after = await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "max-stale, no-cache" } });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).toBe(etag);
    expect(await after.text()).toBe("old");
    // The next reader that asks wins at once; the old token releases nothing any more.
    const next = await read(ns, "k", stale);
    expect(next).toMatchObject({ status: 200, body: "old", lease: "won" });
    await expectError(await release(first.token), 412, "precondition_failed");
    expect((await read(ns, "k", stale)).lease).toBe("busy");
  });

  it("op=release on a key with no item: 204 for the holder, the key stays absent", async () => {
    const ns = uniqueNamespace("lease-release-absent");
    const first = await read(ns, "k", { "x-lease": "300" });
    expect(first.lease).toBe("won");
    const released = await api(`/v1/${ns}/items/k?op=release`, { method: "POST", headers: { "x-lease-token": first.token as string } });
    expect(released.status).toBe(204);
    await released.arrayBuffer();
    expect((await read(ns, "k", { "x-lease": "300" })).lease).toBe("won");
    expect((await read(ns, "k")).status).toBe(404);
  });

  it("a write refused by its condition releases nothing", async () => {
    const ns = uniqueNamespace("lease-412");
    const first = await read(ns, "k", { "x-lease": "300" });
    const refused = await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v", headers: { "if-match": "*", "x-lease-token": first.token as string } });
    expect(refused.status).toBe(412);
    await refused.arrayBuffer();
    expect((await read(ns, "k", { "x-lease": "300" })).lease).toBe("busy");
  });
});

describe("a lease this isolate knows held", () => {
  it("a stale reader after the win here is told busy from memory: served from the location copy, no storage call; after a release here the next one wins", async () => {
    const ns = uniqueNamespace("lease-memory");
    expect((await apiSettled(`/v1/${ns}/items/k?ttl=300&grace=300`, { method: "PUT", body: "old" })).status).toBe(200);
    expect((await apiSettled(`/v1/${ns}/items/k?op=expire`, { method: "POST" })).status).toBe(200);
    const stale = { "x-lease": "300", "cache-control": "max-stale" };
    const first = await apiSettled(`/v1/${ns}/items/k`, { headers: stale });
    expect([first.status, first.headers.get("x-lease"), await first.text()]).toEqual([200, "won", "old"]);
    const readStale = async () => {
      const response = await apiSettled(`/v1/${ns}/items/k`, { headers: stale });
      return { status: response.status, cache: response.headers.get("x-cache"), lease: response.headers.get("x-lease"), body: await response.text() };
    };
    const counted = await countSubrequests(readStale);
    expect(counted.result).toEqual({ status: 200, cache: "STALE", lease: "busy", body: "old" });
    expect(counted.storage).toBe(0);
    // A reader with nothing to serve (no max-stale) still asks storage, which says busy too.
    const absent = await apiSettled(`/v1/${ns}/items/k`, { headers: { "x-lease": "300" } });
    expect([absent.status, absent.headers.get("x-lease")]).toEqual([404, "busy"]);
    await absent.arrayBuffer();
    const released = await apiSettled(`/v1/${ns}/items/k?op=release`, { method: "POST", headers: { "x-lease-token": first.headers.get("x-lease-token") as string } });
    expect(released.status).toBe(204);
    expect((await readStale()).lease).toBe("won");
  });
});

describe("early refresh (X-Refresh-Below)", () => {
  it("a live item with less than R seconds left: the value is served to all, exactly one reader also wins", async () => {
    const ns = uniqueNamespace("lease-early");
    expect(await put(ns, "k", "value", { ttl: 30 })).toBe(200);
    const reads = await Promise.all(Array.from({ length: 16 }, () => read(ns, "k", { "x-lease": "30", "x-refresh-below": "60" })));
    for (const r of reads) expect(r).toMatchObject({ status: 200, body: "value" });
    expect(won(reads)).toHaveLength(1);
    expect(reads.filter((r) => r.lease === "busy")).toHaveLength(15);
    // The winner's write releases it; the new value is far from expiry: nothing is asked.
    expect(await put(ns, "k", "fresh", { ttl: 3600, token: won(reads)[0]?.token as string })).toBe(200);
    expect(await read(ns, "k", { "x-lease": "30", "x-refresh-below": "60" })).toMatchObject({ status: 200, body: "fresh", lease: null });
    // More than R seconds left, or no X-Refresh-Below: a live item asks for nothing.
    expect(await put(ns, "far", "value", { ttl: 600 })).toBe(200);
    expect(await read(ns, "far", { "x-lease": "30", "x-refresh-below": "60" })).toMatchObject({ status: 200, lease: null });
    expect(await read(ns, "far", { "x-lease": "30" })).toMatchObject({ status: 200, lease: null });
  });
});

describe("batch gets asking for a lease", () => {
  it("each entry {key, lease} is answered as a single read is, its lease in the answer's leases", async () => {
    const ns = uniqueNamespace("lease-batch");
    expect(await put(ns, "live", "v", { ttl: 600 })).toBe(200);
    expect(await put(ns, "soon", "s", { ttl: 30 })).toBe(200);
    const batch = async () => {
      const response = await api(`/v1/${ns}/batch`, {
        method: "POST",
        body: JSON.stringify({ get: [{ key: "cold", lease: 30 }, { key: "live", lease: 30 }, { key: "soon", lease: 30, refreshBelow: 60 }, "plain"] }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { get: Record<string, { value: string } | null>; leases: Record<string, { lease: string; token?: string; retryAfterMs?: number }> };
    };
    const first = await batch();
    expect(first.get).toEqual({ cold: null, live: expect.objectContaining({ value: "v" }), soon: expect.objectContaining({ value: "s" }), plain: null });
    expect(Object.keys(first.leases).sort()).toEqual(["cold", "soon"]);
    expect(first.leases.cold).toMatchObject({ lease: "won", token: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
    expect(first.leases.soon?.lease).toBe("won");
    const second = await batch();
    expect(second.leases.cold).toMatchObject({ lease: "busy", retryAfterMs: expect.any(Number) });
    expect(second.leases.soon?.lease).toBe("busy");
    // A single read sees the same lease.
    expect((await read(ns, "cold", { "x-lease": "30" })).lease).toBe("busy");
    expect(await put(ns, "cold", "computed", { token: first.leases.cold?.token as string })).toBe(200);
    expect(await remove(ns, "cold")).toBe(204);
    expect((await batch()).leases.cold?.lease).toBe("won");
    // A batch without lease entries answers as before: no leases part.
    const plain = await api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: ["plain"] }) });
    expect(await plain.json()).toEqual({ set: {}, delete: {}, get: { plain: null } });
  });

  it("a bad lease entry is a 400 naming it", async () => {
    const response = await api(`/v1/${uniqueNamespace("lease-bb")}/batch`, { method: "POST", body: JSON.stringify({ get: [{ key: "a", lease: 0 }] }) });
    const body = await expectError(response, 400, "bad_request");
    expect(body.error.message).toContain("get[0].lease");
  });
});

describe("leases in the bucket", () => {
  it("the sweep removes lapsed leases and those of flushed generations, and leaves held ones", async () => {
    const prefix = uniquePrefix("lease-sweep");
    const config = testConfig({ S3_PREFIX: prefix });
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await withBindings({ S3_PREFIX: prefix }, path, init);
      await response.arrayBuffer();
      return response;
    };
    const ns = uniqueNamespace("ls");
    const flushed = uniqueNamespace("lf");
    expect((await call(`/v1/${ns}/items/lapsing`, { headers: { "x-lease": "1" } })).headers.get("x-lease")).toBe("won");
    expect((await call(`/v1/${ns}/items/held`, { headers: { "x-lease": "300" } })).headers.get("x-lease")).toBe("won");
    expect((await call(`/v1/${flushed}/items/k`, { headers: { "x-lease": "300" } })).headers.get("x-lease")).toBe("won");
    expect((await call(`/v1/${flushed}/flush`, { method: "POST" })).status).toBe(204);
    const leases = async () => (await listAll(`${prefix}.leases/`)).map((o) => o.key).sort();
    expect(await leases()).toEqual([leaseObjectKey(prefix, flushed, 0, "k"), leaseObjectKey(prefix, ns, 0, "held"), leaseObjectKey(prefix, ns, 0, "lapsing")].sort());

    // Ten seconds on, with a grace of one: the lapsed one and the flushed one go, the held one stays.
    const report = await sweep(config, { budget: 200, graceSeconds: 1, now: Date.now() + 10_000 });
    expect(report.stoppedBy).toBe("end");
    expect(await leases()).toEqual([leaseObjectKey(prefix, ns, 0, "held")]);
  });
});

// The S3 way alone: S3_DIALECT names how an S3 store reads conditional headers; the binding has one way.
describe.skipIf(throughBinding)("leases in the store's own dialect, named by S3_DIALECT (bare If-Match on Ceph RGW)", () => {
  it("a lapsed lease is taken over, and a release acts, at the version read", async () => {
    // The name of this store's dialect, as a probe sees it: standard on the embedded store, ceph-rgw on RGW.
    const learner = testConfig({ S3_PREFIX: uniquePrefix("lease-dialect-probe") });
    const storage = testStorage(learner);
    const scratch = `${learner.prefix}scratch`;
    const created = await storage.put(scratch, new Uint8Array([1]), { contentType: "x/y", expiresAt: null }, { kind: "absent" });
    if (!created.ok) throw new Error("setup write failed");
    expect((await storage.put(scratch, new Uint8Array([2]), { contentType: "x/y", expiresAt: null }, { kind: "match", etag: created.etag })).ok).toBe(true);
    const entry = await caches.default.match(dialectCacheUrl(s3Of(learner)));
    const kept = entry && decodeDialect(await entry.text());
    const name = kept && nameOfDialect(kept);
    if (!name) throw new Error(`the store's dialect ${JSON.stringify(kept)} has no name S3_DIALECT could give`);

    const bindings = { S3_PREFIX: uniquePrefix("lease-dialect"), S3_DIALECT: name };
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await withBindings(bindings, path, init);
      await response.arrayBuffer();
      return response;
    };
    const ns = uniqueNamespace("lc");
    const lease = async (seconds: number) => (await call(`/v1/${ns}/items/k`, { headers: { "x-lease": String(seconds) } })).headers;
    expect((await lease(1)).get("x-lease")).toBe("won");
    await sleep(1100);
    const taken = await lease(300);
    expect(taken.get("x-lease")).toBe("won");
    expect((await lease(300)).get("x-lease")).toBe("busy");
    expect((await call(`/v1/${ns}/items/k`, { method: "DELETE", headers: { "x-lease-token": taken.get("x-lease-token") as string } })).status).toBe(204);
    expect((await lease(300)).get("x-lease")).toBe("won");
  });
});

describe("a lease released after a reader looked", () => {
  it("is not won by that reader (it reads again and finds the value); a reader that looks after the release wins", async () => {
    const config = testConfig();
    const leases = new Leases(testStorage(config));
    const at = leaseObjectKey(config.prefix, uniqueNamespace("lease-since"), 0, "k");
    const looked = Date.now();
    const first = await leases.ask(at, 30, looked);
    expect(first.state).toBe("won");
    // The winner writes its value, then releases its lease.
    expect(await leases.release(at, first.state === "won" ? first.token : "")).toBe(true);
    // A reader whose read looked before that release (and so missed the value) is told to look again.
    expect(await leases.ask(at, 30, looked)).toEqual({ state: "busy", retryAfterMs: 0 });
    // One that looks after the release (its read found no value written since) wins.
    await sleep(5);
    expect((await leases.ask(at, 30, Date.now())).state).toBe("won");
  });
});
