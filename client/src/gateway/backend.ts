// memcached's operations carried out over the HTTP API with the typed client: one place for what
// every protocol (text, meta, binary) does to an item. Read-modify-write operations (append,
// prepend, incr, decr) are compare-and-swap loops on the item's ETag, so they are atomic.

import { chunk } from "../batch.js";
import type { CloudCached, KeyInfo } from "../client.js";
import type { CasTable } from "./cas-table.js";
import { GatewayFailure } from "./failure.js";
import {
  applyDelta,
  contentTypeFor,
  counterBytes,
  counterValue,
  expiryOf,
  flagsOf,
  ttlKeeping,
} from "./semantics.js";
import type { Stats } from "./stats.js";

export interface Hit {
  key: string;
  value: Uint8Array;
  flags: number;
  cas: bigint;
  /** Unix seconds, or null: never. */
  expiresAt: number | null;
}

/** A multi-key read: the hits (a miss is left out), and the keys that could not be read, with why. */
export interface Reads {
  found: Map<string, Hit>;
  failed: Map<string, unknown>;
}

/** An `mg` with memcached's anti-stampede flags: the item (stale or not), and whether this client won the recache (W) or another has it (Z). */
export interface LeasedHit {
  hit: Hit | null;
  stale: boolean;
  lease: "won" | "busy" | "none";
  /** Seconds until another client's lease lapses (the vivified stub's ttl, in memcached's terms). */
  leaseSecondsLeft: number | null;
}

export type StoreMode = "set" | "add" | "replace" | "append" | "prepend" | "cas";
export type StoreResult = { status: "STORED"; cas: bigint; expiresAt: number | null } | { status: "NOT_STORED" | "EXISTS" | "NOT_FOUND" };
export type DeltaResult =
  | { status: "OK"; value: bigint; cas: bigint; expiresAt: number | null }
  | { status: "NOT_FOUND" | "NON_NUMERIC" | "EXISTS" };

export interface DeltaOptions {
  /** Create the item with this value (and `exptime`) when absent, as the binary protocol and `ma N` do. */
  initial?: { value: bigint; exptime: number; flags: number };
  /** Only if the item is at this version. */
  cas?: bigint;
  /** A new expiry on success (else the item keeps its own). */
  exptime?: number;
}

/** Seconds the win on a stale item (X W) lasts when the `mg` named no N: then others get Z until it is rewritten or this passes. */
const STALE_WIN_LEASE = 30;

/** A read-modify-write gives up after this many lost races (then SERVER_ERROR: nothing was changed). */
const MAX_ATTEMPTS = 16;

interface Current {
  value: Uint8Array;
  etag: string;
  contentType: string;
  expiresAt: number | null;
}

const nowSeconds = (): number => Date.now() / 1000;

/** Lease tokens kept for the next write of their key: at most this many (the oldest forgotten; its lease then lapses on its own). */
const MAX_LEASE_TOKENS = 10_000;

export class Backend {
  constructor(
    private readonly client: CloudCached,
    private readonly table: CasTable,
    private readonly stats: Stats,
    /** `--max-item-size`: an item larger than this is one the gateway never hands out (a miss, as memcached could not hold it). */
    private readonly maxValueBytes: number,
    /** `--grace`: seconds every item the gateway writes stays stale after its expiry (mg serves it with X); 0 for none. */
    readonly grace = 0,
  ) {}

  /** The leases this gateway's clients won (mg N/R, X W), by key: the key's next write through the gateway releases it. */
  private readonly leaseTokens = new Map<string, string>();

  private rememberLease(key: string, token: string): void {
    this.leaseTokens.delete(key);
    this.leaseTokens.set(key, token);
    if (this.leaseTokens.size > MAX_LEASE_TOKENS) this.leaseTokens.delete(this.leaseTokens.keys().next().value as string);
  }

  /** The lease token a write of `key` carries (and forgets), if a client of this gateway won its lease. */
  private leaseTokenFor(key: string): { leaseToken: string } | Record<string, never> {
    const token = this.leaseTokens.get(key);
    if (token === undefined) return {};
    this.leaseTokens.delete(key);
    return { leaseToken: token };
  }

  private hit(key: string, current: Current): Hit {
    return { key, value: current.value, flags: flagsOf(current.contentType), cas: this.table.uniqueOf(key, current.etag), expiresAt: current.expiresAt };
  }

  /** One item's bytes and metadata; `fresh` asks storage (for read-modify-write); `maxBytes`: a larger item is not downloaded (null). */
  private async read(key: string, fresh: boolean, maxBytes?: number): Promise<Current | null> {
    this.stats.add("backend_requests");
    const item = await this.client.getBytes(key, { fresh, ...(maxBytes === undefined ? {} : { maxBytes }) });
    return item === null ? null : { value: item.value, etag: item.etag, contentType: item.contentType, expiresAt: item.expiresAt };
  }

  /** Whether a live item exists (to tell NOT_FOUND from EXISTS after a refused conditional write). */
  private async exists(key: string): Promise<boolean> {
    this.stats.add("backend_requests");
    return this.client.has(key, { fresh: true });
  }

  /** One item for a get: null when absent or larger than `--max-item-size`. */
  private async readForGet(key: string, fresh: boolean): Promise<Current | null> {
    // The Worker's Content-Length tells an item too large before its value is sent: it is never
    // downloaded; the size check after covers an answer without one.
    const current = await this.read(key, fresh, this.maxValueBytes);
    return current !== null && current.value.byteLength <= this.maxValueBytes ? current : null;
  }

  /**
   * The live items among `keys` (a miss, or an item over `--max-item-size`, is left out): one GET for
   * one key, else one batch per `batchSize()` keys (what the deployment's subrequests per request
   * allow). A key that cannot be read is in `failed` and hides no other key's value; only when no
   * key at all could be read does it throw (so an outage is an error, not a run of misses).
   */
  async getMany(keys: readonly string[]): Promise<Reads> {
    this.stats.add("cmd_get", keys.length);
    const found = new Map<string, Hit>();
    const failed = new Map<string, unknown>();
    const unique = [...new Set(keys)];
    if (unique.length === 1) {
      const key = unique[0] as string;
      const current = await this.readForGet(key, false);
      if (current !== null) found.set(key, this.hit(key, current));
    } else if (unique.length > 1) {
      const runs = chunk(unique, await this.client.batchSize(), (k) => k);
      this.stats.add("backend_requests", runs.length);
      const answers = await Promise.allSettled(runs.map((run) => this.client.batch({ get: run })));
      const single: string[] = [];
      answers.forEach((answer, index) => {
        for (const key of runs[index] as string[]) {
          if (answer.status === "rejected") {
            failed.set(key, answer.reason);
            continue;
          }
          const entry = answer.value.get?.[key];
          if (entry === undefined) failed.set(key, new GatewayFailure("server", "the batch answer has no entry for a key"));
          else if (entry === null) continue;
          else if ("error" in entry) {
            // Too large for a batch to carry is not too large for the gateway: such a key is read alone.
            if (entry.error.code === "value_too_large") single.push(key);
            else failed.set(key, new GatewayFailure("server", `cloudcached ${entry.error.code}: ${entry.error.message}`));
          } else {
            const value = entry.encoding === "base64" ? Buffer.from(entry.value, "base64") : Buffer.from(entry.value, "utf8");
            if (value.byteLength > this.maxValueBytes) continue;
            found.set(key, this.hit(key, { value, etag: entry.etag, contentType: entry.contentType ?? "application/octet-stream", expiresAt: entry.expiresAt ?? null }));
          }
        }
      });
      await Promise.all(
        single.map(async (key) => {
          try {
            const current = await this.readForGet(key, false);
            if (current !== null) found.set(key, this.hit(key, current));
          } catch (err) {
            failed.set(key, err);
          }
        }),
      );
      if (failed.size === unique.length) throw failed.values().next().value;
      if (failed.size > 0) this.stats.add("backend_errors", failed.size);
    }
    for (const key of keys) if (!failed.has(key)) this.stats.add(found.has(key) ? "get_hits" : "get_misses");
    return { found, failed };
  }

  /**
   * One key read as `mg` with `N`/`R` reads it, or any `mg` when the gateway keeps a grace: a stale
   * item within grace is served (memcached's X), and the lease is asked for (`lease` seconds) when the
   * read could win one — on a miss with N, on a live item below `refreshBelow` seconds with R, and on a
   * stale item always (memcached gives the first reader of a stale item the win).
   */
  async getLeased(key: string, options: { lease?: number; refreshBelow?: number; maxStale: boolean }): Promise<LeasedHit> {
    this.stats.add("cmd_get");
    this.stats.add("backend_requests");
    const ask = (lease: number | undefined) =>
      this.client.getWithLease(key, {
        maxBytes: this.maxValueBytes,
        ...(options.maxStale ? { maxStale: true as const } : {}),
        ...(lease === undefined ? {} : { lease, ...(options.refreshBelow === undefined ? {} : { refreshBelow: options.refreshBelow }) }),
      });
    let read = await ask(options.lease);
    if (read.item !== null && read.stale && options.lease === undefined) {
      // A stale item: the first reader wins its recache, as memcached gives W with X.
      this.stats.add("backend_requests");
      read = await ask(STALE_WIN_LEASE);
    }
    const item = read.item !== null && read.item.value.byteLength <= this.maxValueBytes ? read.item : null;
    this.stats.add(item === null ? "get_misses" : "get_hits");
    const hit = item === null ? null : this.hit(key, { value: item.value, etag: item.etag, contentType: item.contentType, expiresAt: item.expiresAt });
    if (read.lease.kind === "won") this.rememberLease(key, read.lease.token);
    const lease = read.lease.kind;
    const leaseSecondsLeft = read.lease.kind === "busy" && read.lease.retryAfterMs !== null ? Math.ceil(read.lease.retryAfterMs / 1000) : null;
    return { hit, stale: item !== null && read.stale, lease, leaseSecondsLeft };
  }

  /** `md <key> I`: the item expires now and stays stale for its grace (the Worker's soft expiry); false when absent. */
  async markStale(key: string): Promise<boolean> {
    this.stats.add("backend_requests");
    return (await this.client.expire(key)) !== null;
  }

  /** Get-and-touch: the live items among `keys`, each given the new expiry first (counted as memcached counts touches). */
  async getAndTouch(keys: readonly string[], exptime: number): Promise<Map<string, Hit>> {
    this.stats.add("cmd_touch", keys.length);
    const found = new Map<string, Hit>();
    const expired = expiryOf(exptime, nowSeconds()).kind === "expired";
    await Promise.all(
      [...new Set(keys)].map(async (key) => {
        if (expired) {
          // memcached answers with the item, which is gone from then on.
          const current = await this.readForGet(key, true);
          if (current === null) return;
          this.stats.add("backend_requests");
          if (await this.client.delete(key, { etag: current.etag })) found.set(key, this.hit(key, current));
          return;
        }
        if (!(await this.touch(key, exptime, true))) return;
        const current = await this.readForGet(key, true);
        if (current !== null) found.set(key, this.hit(key, current));
      }),
    );
    for (const key of keys) this.stats.add(found.has(key) ? "touch_hits" : "touch_misses");
    return found;
  }

  async store(mode: StoreMode, key: string, value: Uint8Array, flags: number, exptime: number, cas?: bigint): Promise<StoreResult> {
    this.stats.add("cmd_set");
    if (mode === "append" || mode === "prepend") return this.concat(mode, key, value);
    const expiry = expiryOf(exptime, nowSeconds());
    const etag = mode === "cas" ? this.table.etagOf(key, cas ?? 0n) : null;
    if (mode === "cas" && etag === null) return this.casFailed(key);
    if (expiry.kind === "expired") return this.storeExpired(mode, key, etag);
    const options = { ttl: expiry.ttl, contentType: contentTypeFor(flags), ...(this.grace > 0 ? { grace: this.grace } : {}), ...this.leaseTokenFor(key) };
    this.stats.add("backend_requests");
    switch (mode) {
      case "set":
        return this.stored(key, await this.client.set(key, value, options));
      case "add": {
        const written = await this.client.add(key, value, options);
        return written === null ? { status: "NOT_STORED" } : this.stored(key, written);
      }
      case "replace": {
        const written = await this.client.replace(key, value, options);
        return written === null ? { status: "NOT_STORED" } : this.stored(key, written);
      }
      case "cas": {
        const written = await this.client.cas(key, value, etag as string, options);
        if (written === null) return this.casFailed(key);
        this.stats.add("cas_hits");
        return this.stored(key, written);
      }
    }
  }

  private stored(key: string, written: { etag: string; expiresAt: number | null }): StoreResult {
    this.stats.add("total_items");
    return { status: "STORED", cas: this.table.uniqueOf(key, written.etag), expiresAt: written.expiresAt };
  }

  private async casFailed(key: string): Promise<StoreResult> {
    const exists = await this.exists(key);
    this.stats.add(exists ? "cas_badval" : "cas_misses");
    return { status: exists ? "EXISTS" : "NOT_FOUND" };
  }

  /** A write with an exptime already past: memcached stores it and no one ever sees it, so the key ends absent. */
  private async storeExpired(mode: Exclude<StoreMode, "append" | "prepend">, key: string, etag: string | null): Promise<StoreResult> {
    this.stats.add("backend_requests");
    switch (mode) {
      case "set":
        await this.client.delete(key);
        return { status: "STORED", cas: 0n, expiresAt: 0 };
      case "add":
        return (await this.client.has(key, { fresh: true })) ? { status: "NOT_STORED" } : { status: "STORED", cas: 0n, expiresAt: 0 };
      case "replace":
        return (await this.client.delete(key, { etag: "*" })) ? { status: "STORED", cas: 0n, expiresAt: 0 } : { status: "NOT_STORED" };
      case "cas":
        if (await this.client.delete(key, { etag: etag as string })) return { status: "STORED", cas: 0n, expiresAt: 0 };
        return this.casFailed(key);
    }
  }

  /** append/prepend: a cas loop on the ETag; the item keeps its flags, content type and expiry. */
  private async concat(mode: "append" | "prepend", key: string, value: Uint8Array): Promise<StoreResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const current = await this.read(key, true);
      if (current === null) return { status: "NOT_STORED" };
      const joined = Buffer.concat(mode === "append" ? [current.value, value] : [value, current.value]);
      this.stats.add("backend_requests");
      const written = await this.client.cas(key, joined, current.etag, {
        ttl: ttlKeeping(current.expiresAt, nowSeconds()),
        contentType: current.contentType,
      });
      if (written !== null) return this.stored(key, written);
    }
    throw new GatewayFailure("server", `${mode} lost ${MAX_ATTEMPTS} races in a row; nothing was changed`);
  }

  /** What memcached does to a key whose new value it refused as too large: the old value goes too (not a delete, in the counts). */
  async dropTooLarge(key: string): Promise<void> {
    this.stats.add("store_too_large");
    this.stats.add("backend_requests");
    await this.client.delete(key);
  }

  /** A value refused as too large without touching the key (counted as memcached counts it). */
  refusedTooLarge(): void {
    this.stats.add("store_too_large");
  }

  /** delete: DELETED or NOT_FOUND (one request: a delete of a live item only); with `cas`, only that version. */
  async remove(key: string, cas?: bigint): Promise<"DELETED" | "NOT_FOUND" | "EXISTS"> {
    let etag = "*";
    if (cas !== undefined && cas !== 0n) {
      const known = this.table.etagOf(key, cas);
      if (known === null) return (await this.exists(key)) ? "EXISTS" : "NOT_FOUND";
      etag = known;
    }
    this.stats.add("backend_requests");
    const deleted = await this.client.delete(key, { etag });
    if (deleted) {
      this.stats.add("delete_hits");
      return "DELETED";
    }
    if (etag !== "*" && (await this.exists(key))) return "EXISTS";
    this.stats.add("delete_misses");
    return "NOT_FOUND";
  }

  /** touch: a new expiry for a live item; false when absent ("expired" when the new expiry is past and it was removed). */
  async touch(key: string, exptime: number, quiet = false): Promise<boolean | "expired"> {
    if (!quiet) this.stats.add("cmd_touch");
    const expiry = expiryOf(exptime, nowSeconds());
    this.stats.add("backend_requests");
    const ok = expiry.kind === "expired" ? await this.client.delete(key, { etag: "*" }) : (await this.client.touch(key, expiry.ttl)) !== null;
    if (!quiet) this.stats.add(ok ? "touch_hits" : "touch_misses");
    if (!ok) return false;
    return expiry.kind === "expired" ? "expired" : true;
  }

  /** incr/decr with memcached's unsigned 64-bit rules: a cas loop on the ETag (the item keeps its flags and expiry). */
  async delta(key: string, incr: boolean, by: bigint, options: DeltaOptions = {}): Promise<DeltaResult> {
    const name = incr ? "incr" : "decr";
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const current = await this.read(key, true);
      if (current === null) {
        if (options.initial === undefined || (options.cas !== undefined && options.cas !== 0n)) {
          this.stats.add(`${name}_misses`);
          return { status: "NOT_FOUND" };
        }
        const { value, exptime, flags } = options.initial;
        const created = await this.store("add", key, counterBytes(value, 0), flags, exptime);
        if (created.status === "STORED") {
          this.stats.add(`${name}_hits`);
          return { status: "OK", value, cas: created.cas, expiresAt: created.expiresAt };
        }
        continue; // created meanwhile: count on it
      }
      if (options.cas !== undefined && options.cas !== 0n && this.table.etagOf(key, options.cas) !== current.etag) return { status: "EXISTS" };
      const value = counterValue(current.value);
      if (value === null) return { status: "NON_NUMERIC" };
      const next = applyDelta(value, by, incr);
      this.stats.add("backend_requests");
      const expiry = options.exptime === undefined ? null : expiryOf(options.exptime, nowSeconds());
      const ttl = expiry === null ? ttlKeeping(current.expiresAt, nowSeconds()) : expiry.kind === "ttl" ? expiry.ttl : 1;
      const written = await this.client.cas(key, counterBytes(next, current.value.byteLength), current.etag, { ttl, contentType: current.contentType });
      if (written !== null) {
        this.stats.add(`${name}_hits`);
        return { status: "OK", value: next, cas: this.table.uniqueOf(key, written.etag), expiresAt: written.expiresAt };
      }
    }
    throw new GatewayFailure("server", `${name} lost ${MAX_ATTEMPTS} races in a row; nothing was changed`);
  }

  /** Every key of the namespace with its size and last write, page after page of the Worker's listing (`stats cachedump`, `lru_crawler metadump`). */
  async *listKeys(): AsyncGenerator<KeyInfo, void, undefined> {
    let cursor: string | null = null;
    do {
      this.stats.add("backend_requests");
      const page = await this.client.listKeys({ limit: 1000, ...(cursor === null ? {} : { cursor }) });
      yield* page.keys;
      cursor = page.cursor;
    } while (cursor !== null);
  }

  async flush(): Promise<void> {
    this.stats.add("cmd_flush");
    this.stats.add("backend_requests");
    await this.client.flush();
  }
}
