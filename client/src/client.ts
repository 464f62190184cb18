import type { Scope, TokenCapabilities } from "./access.js";

export type { Scope, TokenCapabilities };
import type { ServerStats, StatsWindow } from "./server-stats.js";
import {
  type BatchAnswer,
  type BatchRequest,
  type BatchSetEntry,
  batchKeysFrom,
  chunk,
  MAX_BATCH_KEYS,
  planSets,
  readDeleted,
  readGot,
  readGotItem,
  readPresent,
  readWritten,
  refusedEntry,
  setEntryBytes,
  unique,
} from "./batch.js";
import { type CachedValue, decodeValue, encodeBatchValue, encodeValue, type Storable } from "./codec.js";
import { CloudCachedError, isAbsent } from "./errors.js";
import { type Factory, type GetOrSetDefaults, type GetOrSetOptions, GetOrSetRunner, type GetOrSetStats, type LeaseRead } from "./get-or-set.js";
import { type LeaseState, leaseStateOf, type ResolvedSettings } from "./get-or-set-plan.js";
import { encodeKey, encodeNamespace, itemPath, type Query } from "./paths.js";
import { DEFAULT_RETRY, isIdempotent } from "./retry.js";
import { type Answer, type Call, type FetchLike, type ResponseLike, Transport } from "./transport.js";
import { overLimit } from "./value-size.js";

/** The ttl `put` and `update` send when none is given (the original API's `time_to_expire=3600`), whatever the server's DEFAULT_TTL. */
export const DEFAULT_PUT_TTL = 3600;

export interface CloudCachedOptions {
  /** The Worker's base URL, e.g. `https://cache.example.com` (a path prefix is kept). */
  url: string;
  /** A bearer token: the admin token or one minted by `mintToken`. Omit it for public-read namespaces. */
  token?: string | undefined;
  /** Default `"default"`. */
  namespace?: string | undefined;
  /** A fetch to use instead of the global one (a Worker's service binding, a test's recorder). */
  fetch?: FetchLike | undefined;
  /** Per attempt, until the answer's headers (a buffered read: until its body is read). Default 30 000; 0 for none. */
  timeoutMs?: number | undefined;
  /** Further attempts of a safe request after a network error, a timeout, a 503 or a 504. Default 2. */
  retries?: number | undefined;
  /** Defaults of every `getOrSet` call of this client (each call may override them). */
  getOrSet?: GetOrSetDefaults | undefined;
}

export interface CallOptions {
  /** Aborts the call (its rejection is the signal's reason). */
  signal?: AbortSignal | undefined;
}

export interface ReadOptions extends CallOptions {
  /** Ask storage, not this location's cache: read-your-writes made at any location (`Cache-Control: no-cache`). */
  fresh?: boolean | undefined;
  /**
   * Accept a stale value: an item past its expiry but within its grace, up to this many seconds past it
   * (`true`: any time within the grace). Such an item comes back with `cache: "STALE"` and its past
   * `expiresAt`. Without it a read never gets a stale value.
   */
  maxStale?: number | true | undefined;
  /**
   * For the reads that return a value (`get`, `gets`, `getBytes`, `getWithLease`): an item larger than
   * this many bytes counts as absent, and its value is never downloaded (its size is known from the
   * answer's headers, before the body).
   */
  maxBytes?: number | undefined;
}

export interface WriteOptions extends CallOptions {
  /** Seconds to live; 0 = never expires. Omitted: the server's `DEFAULT_TTL` (3600 unless configured). */
  ttl?: number | undefined;
  /** Seconds the item stays stale after it expires: served to readers that ask with `maxStale`, absent to the rest. Default 0. */
  grace?: number | undefined;
  /** Stored instead of the type the value implies (e.g. `text/html` for a string). */
  contentType?: string | undefined;
  /** The byte length of a ReadableStream value (required to stream one). */
  size?: number | undefined;
  /** The token of a lease this caller won (`getWithLease`): the write releases it. */
  leaseToken?: string | undefined;
  /** Tags (`X-Tags`): `expireTag`/`deleteTag` invalidate every item written with one. At most 16. */
  tags?: readonly string[] | undefined;
  /** Metadata kept beside the value (`X-Meta`): a JSON object of at most 1,024 bytes as JSON. */
  meta?: ItemMeta | undefined;
}

export interface LeaseReadOptions extends ReadOptions {
  /** Ask for the key's lease for this many seconds (1–300) when no live item is found. */
  lease?: number | undefined;
  /** With `lease`: also ask for it when the live item has fewer than this many seconds left (early refresh). */
  refreshBelow?: number | undefined;
}

export interface LeasedItem {
  /** The item, or null when nothing is served. */
  item: Item<Uint8Array> | null;
  /** Whether the item is past its expiry (within its grace, served because `maxStale` asked for it). */
  stale: boolean;
  lease: LeaseState;
}

/** An item's metadata: a JSON object, given back as written. */
export type ItemMeta = Record<string, unknown>;

export interface PutOptions extends WriteOptions {
  /** Overwrite an existing item (set); default false (add: only when absent). */
  replace?: boolean | undefined;
}

export interface WriteResult {
  etag: string;
  /** Unix seconds, or null when it never expires. */
  expiresAt: number | null;
}

export type CacheStatus = "HIT" | "MISS" | "STALE";

export interface ItemInfo {
  etag: string;
  expiresAt: number | null;
  contentType: string;
  /** `X-Cache`: where the answer came from, or null when a browser hides it. */
  cache: CacheStatus | null;
  /** The item's tags (empty: none). */
  tags: string[];
  /** The item's metadata, or null when it has none. */
  meta: ItemMeta | null;
}

export interface Item<T = CachedValue> extends ItemInfo {
  value: T;
}

export interface StreamedItem extends ItemInfo {
  body: ReadableStream<Uint8Array>;
  /** Bytes, from `Content-Length`, or null when unknown. */
  size: number | null;
}

export interface Touched {
  etag: string;
  expiresAt: number | null;
}

export interface CounterOptions extends CallOptions {
  /** Create the item with this value when it is absent (else the call answers null). */
  initial?: number | undefined;
  /** A new expiry in seconds; omitted, the item keeps its own. */
  ttl?: number | undefined;
}

export interface DeleteOptions extends CallOptions {
  /** Delete only this version (compare-and-delete); `"*"`: only a live item, so `false` tells it was absent. */
  etag?: string | undefined;
}

export interface KeyInfo {
  key: string;
  size: number;
  lastModified: string | number;
}

export interface KeyPage {
  keys: KeyInfo[];
  cursor: string | null;
}

/** The most keys one page of the listing holds (API.md's `limit`). */
export const MAX_LIST_LIMIT = 1000;

export type { ServerStats, StatsWindow } from "./server-stats.js";

export interface ListOptions extends CallOptions {
  prefix?: string | undefined;
  /** Keys per page, at most `MAX_LIST_LIMIT` (1000; the server's default is 100). */
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface GetManyOptions extends CallOptions {
  /**
   * Give each found key its whole item, as `gets` does — value, ETag, expiry, content type, tags and
   * metadata (`cache` is "STALE" or null: a batch does not tell a hit from a miss) — instead of its value alone.
   */
  items?: boolean | undefined;
}

export interface ManyOptions extends CallOptions {
  /** Seconds to live for every entry that names none of its own. */
  ttl?: number | undefined;
  /** Seconds of grace for every entry that names none of its own. */
  grace?: number | undefined;
}

/** What one entry of `setMany` may set for itself. */
export interface EntryOptions {
  /** Seconds to live for this entry (over `ManyOptions.ttl`); 0 = never expires. */
  ttl?: number | undefined;
  /** Seconds this entry stays stale after it expires (see `WriteOptions.grace`). */
  grace?: number | undefined;
  /** This entry's tags, as `WriteOptions.tags`. */
  tags?: readonly string[] | undefined;
  /** This entry's metadata, as `WriteOptions.meta`. */
  meta?: ItemMeta | undefined;
}

/** An entry of `setMany`: a key, its value, and optionally its own options. */
export type ManyEntry = readonly [key: string, value: Storable, options?: EntryOptions];

export interface TokenRequest {
  /** Namespaces the token may use; `["*"]` for all. */
  namespaces: string[];
  scopes: Scope[];
  /** Limits the token to keys starting with this. */
  prefix?: string | undefined;
  /** Seconds the token lives, at most the server's `MAX_TOKEN_TTL`. */
  ttl?: number | undefined;
}

export interface MintedToken {
  token: string;
  expiresAt: number;
}

export interface NamespaceListOptions extends CallOptions {
  /** Only the namespaces after this one (a page's `cursor`). */
  after?: string | undefined;
}

/** One page of `GET /v1/namespaces`: namespaces in order, and `cursor` to pass as `after` for the next (null: the last page). */
export interface NamespacePage {
  namespaces: string[];
  cursor: string | null;
}

export interface Health {
  ok: boolean;
}

type WriteMode = { kind: "set" } | { kind: "add" } | { kind: "replace" } | { kind: "cas"; etag: string };

const DEFAULT_TIMEOUT_MS = 30_000;

function checkCount(value: number | undefined, name: string, signed = false): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || (!signed && value < 0)) {
    throw new TypeError(`${name} must be ${signed ? "an" : "a non-negative"} integer, got ${String(value)}`);
  }
}

/** An ETag as a header wants it: quoted (a bare one is quoted here), a weak one kept as it is. */
export function quoteEtag(etag: string): string {
  if (typeof etag !== "string" || etag === "") throw new TypeError("an etag must be a non-empty string");
  return etag.startsWith('"') || etag.startsWith("W/") ? etag : `"${etag}"`;
}

function expiresAtOf(response: ResponseLike): number | null {
  const raw = response.headers.get("x-expires-at");
  return raw !== null && /^\d+$/.test(raw) ? Number(raw) : null;
}

function cacheOf(response: ResponseLike): CacheStatus | null {
  const raw = response.headers.get("x-cache")?.toUpperCase();
  return raw === "HIT" || raw === "MISS" || raw === "STALE" ? raw : null;
}

function infoOf(response: ResponseLike): ItemInfo {
  return {
    etag: response.headers.get("etag") ?? "",
    expiresAt: expiresAtOf(response),
    contentType: response.headers.get("content-type") ?? "application/octet-stream",
    cache: cacheOf(response),
    tags: tagsOf(response),
    meta: metaOf(response),
  };
}

/** `Cache-Control`'s `max-stale` for a read's `maxStale`, or "" for none. */
function maxStaleDirective(maxStale: number | true | undefined): string {
  if (maxStale === undefined) return "";
  if (maxStale === true) return "max-stale";
  checkCount(maxStale, "maxStale");
  return `max-stale=${maxStale}`;
}

/** An entry of `setMany`, checked and encoded for a batch. */
interface PlannedSet {
  key: string;
  value: Storable;
  ttl: number | undefined;
  grace: number | undefined;
  tags: readonly string[] | undefined;
  meta: ItemMeta | undefined;
  batch: BatchSetEntry;
  /** What it adds to a batch body. */
  bytes: number;
}

/**
 * Runs the check of one entry of a call over many keys; a refusal names the key (a TypeError stays
 * a TypeError, the server's own rules stay a CloudCachedError).
 */
function named<T>(call: string, key: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    const where = `${call}: key ${typeof key === "string" ? JSON.stringify(key) : String(key)}`;
    if (err instanceof CloudCachedError) throw new CloudCachedError(err.status, err.code, `${where}: ${err.message}`);
    if (err instanceof TypeError) throw new TypeError(`${where}: ${err.message}`);
    throw err;
  }
}

/** The error of a key whose request was not sent because an earlier one of the same call failed. */
function notSent(failure: CloudCachedError): CloudCachedError {
  return new CloudCachedError(failure.status, failure.code, `not sent, as an earlier request of this call failed: ${failure.message}`, { cause: failure });
}

/** The outcomes in the order the entries were given. */
function inOrder<R>(entries: readonly { key: string }[], outcome: ReadonlyMap<string, R>): Map<string, R> {
  const ordered = new Map<string, R>();
  for (const { key } of entries) {
    const result = outcome.get(key);
    if (result !== undefined) ordered.set(key, result);
  }
  return ordered;
}

function tagsOf(response: ResponseLike): string[] {
  const raw = response.headers.get("x-tags");
  return raw === null || raw === "" ? [] : raw.split(",").map((tag) => tag.trim());
}

function metaOf(response: ResponseLike): ItemMeta | null {
  const raw = response.headers.get("x-meta");
  return raw === null ? null : (JSON.parse(raw) as ItemMeta);
}

/** A tag in a path: every character that is not a letter, digit, `-`, `_` or `~` percent-encoded (so `.` and `..` never make a path segment). */
function encodeTag(tag: string): string {
  return encodeURIComponent(tag).replace(/[!'()*.]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Metadata as `X-Meta` carries it: JSON with every character outside ASCII `\u`-escaped. */
export function metaHeader(meta: ItemMeta): string {
  return JSON.stringify(meta).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function entriesOf(values: Iterable<ManyEntry> | Record<string, Storable>): ManyEntry[] {
  if (Symbol.iterator in values) return [...(values as Iterable<ManyEntry>)];
  return Object.entries(values);
}

/**
 * A CloudCached client for one namespace. Uses only `fetch` and web-standard APIs: it runs in
 * browsers, Node ≥ 18, Cloudflare Workers, Deno and Bun.
 */
export class CloudCached {
  readonly namespace: string;
  private readonly options: CloudCachedOptions;
  private readonly transport: Transport;
  /** The deployment's batch size (GET /v1), asked once per client; a failed ask is asked again. */
  private batchKeys: Promise<number> | undefined;
  private readonly getOrSetRunner: GetOrSetRunner;

  constructor(options: CloudCachedOptions) {
    if (!options || typeof options.url !== "string" || options.url === "") throw new TypeError("CloudCached: `url` is required");
    try {
      new URL(options.url);
    } catch {
      throw new TypeError(`CloudCached: \`url\` is not a URL: ${options.url}`);
    }
    checkCount(options.timeoutMs, "timeoutMs");
    checkCount(options.retries, "retries");
    this.options = { ...options };
    this.namespace = options.namespace ?? "default";
    encodeNamespace(this.namespace);
    const fetcher: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.transport = new Transport({
      url: options.url,
      token: options.token,
      fetch: fetcher,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: { ...DEFAULT_RETRY, retries: options.retries ?? DEFAULT_RETRY.retries },
    });
    this.getOrSetRunner = new GetOrSetRunner(
      {
        read: (key, lease, refreshBelow) => this.leaseRead(key, lease, refreshBelow),
        write: (key, value, settings, token) => this.leaseWrite(key, value, settings, token),
        release: async (key, token) => {
          await this.releaseLease(key, token);
        },
      },
      options.getOrSet ?? {},
    );
  }

  /** The same client for another namespace. */
  withNamespace(namespace: string): CloudCached {
    return new CloudCached({ ...this.options, namespace });
  }

  private send(call: Omit<Call, "retryable">, conditional = false): Promise<Answer> {
    return this.transport.send({ ...call, retryable: isIdempotent(call.method, conditional) });
  }

  private path(key: string): string {
    return itemPath(this.namespace, key);
  }

  private nsPath(rest: string): string {
    return `/v1/${encodeNamespace(this.namespace)}/${rest}`;
  }

  // ---- The four original calls ------------------------------------------------------------------

  /** The value, its type restored from its content type, or null when the key is absent or expired. */
  async get<T = CachedValue>(key: string, options: ReadOptions = {}): Promise<T | null> {
    const item = await this.gets<T>(key, options);
    return item === null ? null : item.value;
  }

  /**
   * Stores a value for `ttl` seconds (default `DEFAULT_PUT_TTL`, 3600, the original `time_to_expire`; 0 = never).
   * With `replace` false (the default) it is memcached's `add`: stored only if the
   * key is absent, else `false`. With `replace` true it overwrites (`set`). `true` when stored.
   */
  put(key: string, value: Storable, ttl?: number, replace?: boolean): Promise<boolean>;
  put(key: string, value: Storable, options?: PutOptions): Promise<boolean>;
  async put(key: string, value: Storable, ttlOrOptions?: number | PutOptions, replace?: boolean): Promise<boolean> {
    const options: PutOptions =
      typeof ttlOrOptions === "object" && ttlOrOptions !== null
        ? ttlOrOptions
        : { ...(ttlOrOptions === undefined ? {} : { ttl: ttlOrOptions }), ...(replace === undefined ? {} : { replace }) };
    const written = await this.write(key, value, options.replace ? { kind: "set" } : { kind: "add" }, { ...options, ttl: options.ttl ?? DEFAULT_PUT_TTL });
    return written !== null;
  }

  /** Overwrites a value only if the key exists (memcached `replace`): `false` when it is absent. Default ttl 3600. */
  update(key: string, value: Storable, ttl?: number): Promise<boolean>;
  update(key: string, value: Storable, options?: WriteOptions): Promise<boolean>;
  async update(key: string, value: Storable, ttlOrOptions?: number | WriteOptions): Promise<boolean> {
    const options: WriteOptions =
      typeof ttlOrOptions === "object" && ttlOrOptions !== null ? ttlOrOptions : ttlOrOptions === undefined ? {} : { ttl: ttlOrOptions };
    return (await this.write(key, value, { kind: "replace" }, { ...options, ttl: options.ttl ?? DEFAULT_PUT_TTL })) !== null;
  }

  /** Deletes the key (`true` whether or not it existed). With `{ etag }`, only that version: `false` if it changed (with `"*"`: if it was absent). */
  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    const headers: Record<string, string> =
      options.etag === undefined ? {} : { "if-match": options.etag === "*" ? "*" : quoteEtag(options.etag) };
    const answer = await this.send(
      { method: "DELETE", path: this.path(key), headers, ...(options.signal ? { signal: options.signal } : {}) },
      options.etag !== undefined,
    );
    if (answer.response.status === 204 || answer.response.ok) {
      await answer.discard();
      return true;
    }
    if (answer.response.status === 412 && options.etag !== undefined) {
      await answer.discard();
      return false;
    }
    return answer.fail();
  }

  // ---- Reads -----------------------------------------------------------------------------------

  /** The value with its ETag (for `cas`), expiry and content type, or null when absent. */
  async gets<T = CachedValue>(key: string, options: ReadOptions = {}): Promise<Item<T> | null> {
    const item = await this.getBytes(key, options);
    return item === null ? null : { ...item, value: decodeValue(item.value, item.contentType) as T };
  }

  /** The value's exact bytes whatever its content type, with its metadata, or null when absent. */
  async getBytes(key: string, options: ReadOptions = {}): Promise<Item<Uint8Array> | null> {
    checkCount(options.maxBytes, "maxBytes");
    const answer = await this.read("GET", key, options);
    if (answer === null) return null;
    if (overLimit(answer.response.headers.get("content-length"), options.maxBytes)) {
      await answer.discard();
      return null;
    }
    const info = infoOf(answer.response);
    return { ...info, value: await answer.bytes() };
  }

  /** The value as a stream of bytes (for large values), with its metadata, or null when absent. */
  async getStream(key: string, options: ReadOptions = {}): Promise<StreamedItem | null> {
    const answer = await this.read("GET", key, options);
    if (answer === null) return null;
    answer.stopTimer();
    const length = answer.response.headers.get("content-length");
    const body = answer.response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return { ...infoOf(answer.response), body, size: length !== null && /^\d+$/.test(length) ? Number(length) : null };
  }

  /** Whether a live item exists (a HEAD: no value is sent). */
  async has(key: string, options: ReadOptions = {}): Promise<boolean> {
    return (await this.info(key, options)) !== null;
  }

  /** The item's ETag, expiry and content type without its value (a HEAD), or null when absent. */
  async info(key: string, options: ReadOptions = {}): Promise<ItemInfo | null> {
    const answer = await this.read("HEAD", key, options);
    if (answer === null) return null;
    await answer.discard();
    return infoOf(answer.response);
  }

  private async read(method: "GET" | "HEAD", key: string, options: ReadOptions): Promise<Answer | null> {
    const headers: Record<string, string> = {};
    const cacheControl = [options.fresh ? "no-cache" : "", maxStaleDirective(options.maxStale)].filter(Boolean).join(", ");
    if (cacheControl) headers["cache-control"] = cacheControl;
    const answer = await this.send({ method, path: this.path(key), headers, ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status === 404 && method === "HEAD") {
      // A HEAD answer has no body to tell an absent item from a wrong URL: on a miss, a GET tells.
      await answer.discard();
      return this.read("GET", key, options);
    }
    if (answer.response.status === 404) return this.absent(answer);
    if (answer.response.status !== 200) return answer.fail();
    return answer;
  }

  /**
   * A 404 answer: null when it says the item is absent (API.md's `not_found`); anything else —
   * `no_such_route`, a 404 from a server that is not CloudCached — is thrown, so that a wrong URL
   * never looks like a cache miss.
   */
  private async absent(answer: Answer): Promise<null> {
    const error: unknown = await answer.fail().catch((err: unknown) => err);
    if (isAbsent(error)) return null;
    throw error;
  }

  // ---- Writes ----------------------------------------------------------------------------------

  /** Stores the value whether or not the key exists. */
  async set(key: string, value: Storable, options: WriteOptions = {}): Promise<WriteResult> {
    return (await this.write(key, value, { kind: "set" }, options)) as WriteResult;
  }

  /** Stores the value only if the key is absent; null when it exists. */
  add(key: string, value: Storable, options: WriteOptions = {}): Promise<WriteResult | null> {
    return this.write(key, value, { kind: "add" }, options);
  }

  /** Stores the value only if the key exists; null when it is absent. */
  replace(key: string, value: Storable, options: WriteOptions = {}): Promise<WriteResult | null> {
    return this.write(key, value, { kind: "replace" }, options);
  }

  /** Compare-and-swap: stores the value only if the item is still at `etag` (from `gets`); null when it changed or vanished. */
  cas(key: string, value: Storable, etag: string, options: WriteOptions = {}): Promise<WriteResult | null> {
    return this.write(key, value, { kind: "cas", etag: quoteEtag(etag) }, options);
  }

  private async write(key: string, value: Storable, mode: WriteMode, options: WriteOptions): Promise<WriteResult | null> {
    checkCount(options.ttl, "ttl");
    checkCount(options.grace, "grace");
    const path = this.path(key);
    const encoded = encodeValue(value, {
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      ...(options.size === undefined ? {} : { size: options.size }),
    });
    const headers: Record<string, string> = { "content-type": encoded.contentType };
    if (encoded.size !== undefined) headers["content-length"] = String(encoded.size);
    if (mode.kind === "add") headers["if-none-match"] = "*";
    if (mode.kind === "replace") headers["if-match"] = "*";
    if (mode.kind === "cas") headers["if-match"] = mode.etag;
    if (options.leaseToken !== undefined) headers["x-lease-token"] = options.leaseToken;
    if (options.tags !== undefined && options.tags.length > 0) headers["x-tags"] = options.tags.join(",");
    if (options.meta !== undefined) headers["x-meta"] = metaHeader(options.meta);
    const answer = await this.send({
      method: "PUT",
      path,
      query: { ttl: options.ttl, grace: options.grace },
      headers,
      body: encoded.body,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const status = answer.response.status;
    if (status === 412 && mode.kind !== "set") {
      await answer.discard();
      return null;
    }
    if (status !== 200 && status !== 201) return answer.fail();
    const body = await answer.json<{ etag: string; expiresAt: number | null }>();
    return { etag: body.etag, expiresAt: body.expiresAt ?? null };
  }

  /** Sets a new expiry without sending the value; null when the key is absent. */
  async touch(key: string, ttl?: number, options: CallOptions = {}): Promise<Touched | null> {
    checkCount(ttl, "ttl");
    const answer = await this.send({
      method: "POST",
      path: this.path(key),
      query: { op: "touch", ttl },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (answer.response.status === 404) return this.absent(answer);
    if (answer.response.status !== 200) return answer.fail();
    const body = await answer.json<Touched>();
    return { etag: body.etag, expiresAt: body.expiresAt ?? null };
  }

  /**
   * Soft expiry: the item expires now and its grace starts now, so `maxStale` readers (and `getOrSet`)
   * are served it as stale while one caller recomputes it; plain reads find it absent. An item written
   * without grace is simply gone. null when the key is absent.
   */
  async expire(key: string, options: CallOptions = {}): Promise<Touched | null> {
    const answer = await this.send({ method: "POST", path: this.path(key), query: { op: "expire" }, ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status === 404) return this.absent(answer);
    if (answer.response.status !== 200) return answer.fail();
    const body = await answer.json<Touched>();
    return { etag: body.etag, expiresAt: body.expiresAt ?? null };
  }

  // ---- Caching under load ----------------------------------------------------------------------

  /**
   * The key's value, or the factory's, computed by exactly one caller at a time across every process
   * that uses this deployment (a lease on the Worker): the others are served the stale value when
   * there is one (`grace`), or wait for the winner's value, and take over if the winner's lease lapses.
   * Settings are seconds; see `GetOrSetOptions`. A factory that throws rejects the call, unless a stale
   * value stood in: then the stale value is the answer.
   */
  getOrSet<T extends Storable = CachedValue>(key: string, factory: Factory<T>, options: GetOrSetOptions = {}): Promise<T> {
    encodeKey(key);
    return this.getOrSetRunner.run(key, factory, options);
  }

  /** getOrSet's counts for this client instance (a copy). */
  stats(): GetOrSetStats {
    return { ...this.getOrSetRunner.stats };
  }

  /**
   * A read that may ask for the key's lease (`X-Lease`): the item's bytes (null when nothing is served),
   * whether it is stale (past its expiry, within its grace: served because `maxStale` asked), and the
   * lease — `won` with the token to write with (`WriteOptions.leaseToken`), `busy` with when it lapses,
   * or `none`. getOrSet is built on it; use it for a flow of your own.
   */
  async getWithLease(key: string, options: LeaseReadOptions = {}): Promise<LeasedItem> {
    checkCount(options.maxBytes, "maxBytes");
    const headers: Record<string, string> = {};
    const cacheControl = [options.fresh ? "no-cache" : "", maxStaleDirective(options.maxStale)].filter(Boolean).join(", ");
    if (cacheControl) headers["cache-control"] = cacheControl;
    if (options.lease !== undefined) {
      checkCount(options.lease, "lease");
      headers["x-lease"] = String(options.lease);
      if (options.refreshBelow !== undefined) {
        checkCount(options.refreshBelow, "refreshBelow");
        headers["x-refresh-below"] = String(options.refreshBelow);
      }
    }
    const answer = await this.send({ method: "GET", path: this.path(key), headers, ...(options.signal ? { signal: options.signal } : {}) });
    const lease = leaseStateOf(answer.response.headers);
    if (answer.response.status === 404) {
      await this.absent(answer);
      return { item: null, stale: false, lease };
    }
    if (answer.response.status !== 200) return answer.fail();
    if (overLimit(answer.response.headers.get("content-length"), options.maxBytes)) {
      await answer.discard();
      return { item: null, stale: false, lease };
    }
    const info = infoOf(answer.response);
    const value = await answer.bytes();
    // STALE with a future expiry is a live copy standing in for failed storage, not a stale value.
    const stale = info.cache === "STALE" && info.expiresAt !== null && info.expiresAt * 1000 <= Date.now();
    return { item: { ...info, value }, stale, lease };
  }

  /**
   * Gives up a lease won with `getWithLease` without writing (`op=release`): the item is left as it
   * is, and the next caller that asks wins the lease at once. False when `token` does not hold the
   * lease (already released, or lapsed and won by another caller).
   */
  async releaseLease(key: string, token: string, options: CallOptions = {}): Promise<boolean> {
    const answer = await this.send({ method: "POST", path: this.path(key), query: { op: "release" }, headers: { "x-lease-token": token }, ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status === 412) {
      await answer.discard();
      return false;
    }
    if (answer.response.status !== 204) return answer.fail();
    await answer.discard();
    return true;
  }

  /** getOrSet's read: any stale value within grace accepted, the lease asked for when `lease` is given. */
  private async leaseRead(key: string, lease: number | null, refreshBelow: number | undefined): Promise<LeaseRead> {
    const read = await this.getWithLease(key, { maxStale: true, ...(lease === null ? {} : { lease }), ...(refreshBelow === undefined ? {} : { refreshBelow }) });
    const value = read.item === null ? null : decodeValue(read.item.value, read.item.contentType);
    return { found: read.item === null ? "absent" : read.stale ? "stale" : "live", value, lease: read.lease };
  }

  /** getOrSet's write: a `set` that releases the lease its token names. */
  private async leaseWrite(key: string, value: Storable, settings: ResolvedSettings, token: string | null): Promise<void> {
    await this.set(key, value, {
      grace: settings.grace,
      ttl: settings.ttl,
      tags: settings.tags,
      meta: settings.meta,
      ...(token === null ? {} : { leaseToken: token }),
    });
  }

  /** Adds `by` (default 1) to an integer value atomically; the new value, or null when absent (without `initial`). */
  incr(key: string, by = 1, options: CounterOptions = {}): Promise<number | null> {
    return this.count("incr", key, by, options);
  }

  /** Subtracts `by` (default 1) atomically; the new value, or null when absent (without `initial`). */
  decr(key: string, by = 1, options: CounterOptions = {}): Promise<number | null> {
    return this.count("decr", key, by, options);
  }

  private async count(op: "incr" | "decr", key: string, by: number, options: CounterOptions): Promise<number | null> {
    checkCount(by, "by");
    checkCount(options.initial, "initial", true);
    checkCount(options.ttl, "ttl");
    const query: Query = { op, by, initial: options.initial, ttl: options.ttl };
    const answer = await this.send({ method: "POST", path: this.path(key), query, ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status === 404) return this.absent(answer);
    if (answer.response.status !== 200) return answer.fail();
    return (await answer.json<{ value: number }>()).value;
  }

  // ---- Batches ---------------------------------------------------------------------------------

  /** One raw `POST /v1/{ns}/batch` (at most `batchSize()` keys in all). */
  async batch(request: BatchRequest, options: CallOptions = {}): Promise<BatchAnswer> {
    const readOnly = (request.set?.length ?? 0) === 0 && (request.delete?.length ?? 0) === 0;
    const answer = await this.transport.send({
      method: "POST",
      path: this.nsPath("batch"),
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      retryable: readOnly, // a batch of gets only changes nothing: safe to repeat
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (answer.response.status !== 200) return answer.fail();
    return answer.json<BatchAnswer>();
  }

  /**
   * How many keys one batch may hold on this deployment: its index (`GET /v1`) says what fits its
   * subrequests per request (SUBREQUEST_LIMIT); 100 when it does not say.
   */
  batchSize(options: CallOptions = {}): Promise<number> {
    this.batchKeys ??= (async () => {
      const answer = await this.send({ method: "GET", path: "/v1", ...(options.signal ? { signal: options.signal } : {}) });
      if (answer.response.status !== 200) {
        await answer.discard();
        return MAX_BATCH_KEYS;
      }
      return batchKeysFrom(await answer.json<unknown>().catch(() => null));
    })();
    this.batchKeys.catch(() => {
      this.batchKeys = undefined;
    });
    return this.batchKeys;
  }

  /**
   * Sends batch requests of one kind, run after run, and gives each key its outcome: what `read`
   * finds for it in the answer (a value, or its own error), or the error of its whole request. A
   * request refused for one entry it names (a rule only the server knows, such as its MAX_TTL;
   * nothing of that request was applied) is that entry's error, and the rest are sent again. After
   * a request fails otherwise, the later runs are not sent: their keys get a "not sent" error.
   * Only an abort of the caller's signal (or a bug) rejects.
   */
  private async settleRuns<E, R>(
    part: "get" | "set" | "delete",
    runs: readonly E[][],
    keyOf: (entry: E) => string,
    read: (answer: BatchAnswer, key: string) => R | CloudCachedError,
    options: CallOptions,
  ): Promise<{ outcome: Map<string, R | CloudCachedError>; stopped: CloudCachedError | null }> {
    const outcome = new Map<string, R | CloudCachedError>();
    let stopped: CloudCachedError | null = null;
    for (const run of runs) {
      let pending = [...run];
      while (pending.length > 0) {
        if (stopped !== null) {
          const skipped = notSent(stopped);
          for (const entry of pending) outcome.set(keyOf(entry), skipped);
          break;
        }
        let answer: BatchAnswer;
        try {
          answer = await this.batch({ [part]: pending }, options);
        } catch (err) {
          if (!(err instanceof CloudCachedError) || options.signal?.aborted) throw err;
          const refused = refusedEntry(err, part, pending.length);
          if (refused !== null) {
            const key = keyOf(pending[refused.index] as E);
            outcome.set(key, new CloudCachedError(err.status, err.code, `key ${JSON.stringify(key)}: ${refused.reason}`));
            pending = pending.filter((_, i) => i !== refused.index);
            continue;
          }
          for (const entry of pending) outcome.set(keyOf(entry), err);
          stopped = err;
          break;
        }
        for (const entry of pending) outcome.set(keyOf(entry), read(answer, keyOf(entry)));
        break;
      }
    }
    return { outcome, stopped };
  }

  /** Every key checked (a bad one refused, naming it, before anything is sent), then the batch size. */
  private async keyRuns(keys: Iterable<string>, call: string, options: CallOptions): Promise<string[][]> {
    const all = [...keys];
    for (const key of all) named(call, key, () => encodeKey(key));
    return chunk(all, await this.batchSize(options), (k) => k);
  }

  /**
   * Values of many keys, in batches of `batchSize()`: a value, null for an absent key, or the
   * key's own error (one key's error never hides the others' values). With `{ items: true }`, each
   * found key's whole item instead (as `gets`: with its ETag, expiry, tags and metadata).
   */
  getMany<T = CachedValue>(keys: Iterable<string>, options: GetManyOptions & { items: true }): Promise<Map<string, Item<T> | null | CloudCachedError>>;
  getMany<T = CachedValue>(keys: Iterable<string>, options?: GetManyOptions & { items?: false | undefined }): Promise<Map<string, T | null | CloudCachedError>>;
  getMany<T = CachedValue>(keys: Iterable<string>, options?: GetManyOptions): Promise<Map<string, T | Item<T> | null | CloudCachedError>>;
  async getMany<T = CachedValue>(keys: Iterable<string>, options: GetManyOptions = {}): Promise<Map<string, T | Item<T> | null | CloudCachedError>> {
    const runs = await this.keyRuns(keys, "getMany", options);
    const read = options.items === true ? readGotItem : readGot;
    return (await this.settleRuns("get", runs, (k) => k, (answer, key) => read(answer, key) as T | Item<T> | null | CloudCachedError, options)).outcome;
  }

  /**
   * Whether each key holds a live item, in batches of `batchSize()` (a stored `null` counts; a value too large
   * for a batch too), or the key's own error. The batch has no HEAD: values up to 1 MiB travel and are dropped.
   */
  async hasMany(keys: Iterable<string>, options: CallOptions = {}): Promise<Map<string, boolean | CloudCachedError>> {
    const runs = await this.keyRuns(keys, "hasMany", options);
    return (await this.settleRuns("get", runs, (k) => k, readPresent, options)).outcome;
  }

  /**
   * Sets many keys: each key's result, or its own error (some keys may be stored when others are
   * not). Every entry is checked first, and a bad one (key, value, ttl) is refused, naming its key,
   * before anything is sent. Sent in batches of `batchSize()` keys and at most 16 MiB; a value
   * too large for a batch on its own is sent by PUT. An entry may carry its own `{ ttl }`.
   */
  async setMany(
    entries: Iterable<ManyEntry> | Record<string, Storable>,
    options: ManyOptions = {},
  ): Promise<Map<string, WriteResult | CloudCachedError>> {
    checkCount(options.ttl, "ttl");
    const planned = unique(
      entriesOf(entries).map(([key, value, own]): PlannedSet => {
        const ttl = own?.ttl ?? options.ttl;
        const grace = own?.grace ?? options.grace;
        return named("setMany", key, () => {
          encodeKey(key);
          checkCount(ttl, "ttl");
          checkCount(grace, "grace");
          const batch: BatchSetEntry = {
            key,
            ...encodeBatchValue(value),
            ...(ttl === undefined ? {} : { ttl }),
            ...(grace === undefined ? {} : { grace }),
            ...(own?.tags === undefined ? {} : { tags: [...own.tags] }),
            ...(own?.meta === undefined ? {} : { meta: own.meta }),
          };
          return { key, value, ttl, grace, tags: own?.tags, meta: own?.meta, batch, bytes: setEntryBytes(batch) };
        });
      }),
      (entry) => entry.key,
    );
    const { runs, alone } = planSets(planned, (entry) => entry.bytes, await this.batchSize(options));
    const { outcome, stopped } = await this.settleRuns(
      "set",
      runs.map((run) => run.map((entry) => entry.batch)),
      (entry) => entry.key,
      readWritten,
      options,
    );
    for (const { key, value, ttl, grace, tags, meta } of alone) {
      if (stopped !== null) {
        outcome.set(key, notSent(stopped));
        continue;
      }
      const written = await this.set(key, value, { ttl, grace, tags, meta, ...(options.signal ? { signal: options.signal } : {}) }).catch(
        (err: unknown) => {
          if (!(err instanceof CloudCachedError) || options.signal?.aborted) throw err;
          return err;
        },
      );
      outcome.set(key, written);
    }
    return inOrder(planned, outcome);
  }

  /** Deletes many keys, in batches of `batchSize()`: `true` for each, or its own error (some may be deleted when others are not). */
  async deleteMany(keys: Iterable<string>, options: CallOptions = {}): Promise<Map<string, true | CloudCachedError>> {
    const runs = await this.keyRuns(keys, "deleteMany", options);
    return (await this.settleRuns("delete", runs, (k) => k, readDeleted, options)).outcome;
  }

  // ---- The namespace ---------------------------------------------------------------------------

  /** One page of `GET /v1/{ns}/keys`. */
  async listKeys(options: ListOptions = {}): Promise<KeyPage> {
    checkCount(options.limit, "limit");
    const answer = await this.send({
      method: "GET",
      path: this.nsPath("keys"),
      query: { prefix: options.prefix, limit: options.limit, cursor: options.cursor },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (answer.response.status !== 200) return answer.fail();
    const page = await answer.json<KeyPage>();
    return { keys: page.keys, cursor: page.cursor ?? null };
  }

  /** Every page of the listing, fetched as it is consumed. */
  keyPages(options: ListOptions = {}): AsyncGenerator<KeyPage, void, undefined> {
    return pagesOf(options.cursor, (cursor) => this.listKeys({ ...options, ...(cursor === undefined ? {} : { cursor }) }));
  }

  /** Every key (with size and last-modified), page after page: `for await (const k of cache.keys({ prefix }))`. */
  async *keys(options: ListOptions = {}): AsyncGenerator<KeyInfo, void, undefined> {
    for await (const page of this.keyPages(options)) yield* page.keys;
  }

  /** Drops every item of the namespace (O(1) on the server). */
  async flush(options: CallOptions = {}): Promise<void> {
    const answer = await this.send({ method: "POST", path: this.nsPath("flush"), ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status !== 204 && answer.response.status !== 200) return answer.fail();
    await answer.discard();
  }

  /**
   * Expires every item written with `tag` before now (soft: a reader that accepts stale values may
   * still be given it, within its grace). One write on the server, whatever the number of items.
   */
  async expireTag(tag: string, options: CallOptions = {}): Promise<void> {
    await this.invalidateTag(tag, "expire", options);
  }

  /** Deletes every item written with `tag` before now. One write on the server, whatever the number of items. */
  async deleteTag(tag: string, options: CallOptions = {}): Promise<void> {
    await this.invalidateTag(tag, "delete", options);
  }

  private async invalidateTag(tag: string, op: "expire" | "delete", options: CallOptions): Promise<void> {
    const answer = await this.send({ method: "POST", path: this.nsPath(`tags/${encodeTag(tag)}`), query: { op }, ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status !== 204) return answer.fail();
    await answer.discard();
  }

  /** The server's counts for the namespace over `window` (default `1h`): `GET /v1/{ns}/stats`. */
  async serverStats(window: StatsWindow = "1h", options: CallOptions = {}): Promise<ServerStats> {
    const answer = await this.send({ method: "GET", path: this.nsPath("stats"), query: { window }, ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status !== 200) return answer.fail();
    return answer.json<ServerStats>();
  }

  /** Mints a short-lived scoped token (needs the admin token): `POST /v1/tokens`. */
  async mintToken(request: TokenRequest, options: CallOptions = {}): Promise<MintedToken> {
    checkCount(request.ttl, "ttl");
    const answer = await this.send({
      method: "POST",
      path: "/v1/tokens",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (answer.response.status !== 201 && answer.response.status !== 200) return answer.fail();
    return answer.json<MintedToken>();
  }

  /** What the client's token may do: `GET /v1/token` (any valid token; none, or one not valid, is a 401). */
  async capabilities(options: CallOptions = {}): Promise<TokenCapabilities> {
    const answer = await this.send({ method: "GET", path: "/v1/token", ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status !== 200) return answer.fail();
    return answer.json<TokenCapabilities>();
  }

  /**
   * One page of the namespaces the client's token may see: `GET /v1/namespaces` (any valid token). A
   * token for some namespaces gets those; the admin token, or one for `["*"]`, the namespaces that have
   * items in storage, a few a page.
   */
  async listNamespaces(options: NamespaceListOptions = {}): Promise<NamespacePage> {
    const after = options.after === undefined ? undefined : encodeNamespace(options.after);
    const answer = await this.send({ method: "GET", path: "/v1/namespaces", query: { after }, ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status !== 200) return answer.fail();
    const page = await answer.json<NamespacePage>();
    return { namespaces: page.namespaces, cursor: page.cursor ?? null };
  }

  /** Every page of the namespace listing, fetched as it is consumed. */
  namespacePages(options: NamespaceListOptions = {}): AsyncGenerator<NamespacePage, void, undefined> {
    return pagesOf(options.after, (after) => this.listNamespaces({ ...options, ...(after === undefined ? {} : { after }) }));
  }

  /** Every namespace the token may see, page after page: `for await (const ns of cache.namespaces())`. */
  async *namespaces(options: NamespaceListOptions = {}): AsyncGenerator<string, void, undefined> {
    for await (const page of this.namespacePages(options)) yield* page.namespaces;
  }

  /** `GET /healthz`: whether the Worker reaches its storage. */
  async health(options: CallOptions = {}): Promise<Health> {
    const answer = await this.send({ method: "GET", path: "/healthz", ...(options.signal ? { signal: options.signal } : {}) });
    if (answer.response.status !== 200 && answer.response.status !== 503) return answer.fail();
    const body = await answer.json<Health>();
    return { ok: body.ok === true };
  }
}

/** Every page of a listing paged by cursor, from `first` on, each fetched when the one before has been consumed. */
async function* pagesOf<Page extends { cursor: string | null }>(first: string | undefined, fetchPage: (cursor: string | undefined) => Promise<Page>): AsyncGenerator<Page, void, undefined> {
  let cursor = first;
  do {
    const page = await fetchPage(cursor);
    yield page;
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
}
