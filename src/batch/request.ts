import { ApiError } from "../http/errors";
import { checkItemMetadataFits, normalizeContentType } from "../items/item";
import { asciiJson, validateMeta, validateTags } from "../items/labels";
import { validateKey } from "../items/names";
import { ANY_STALENESS, type MaxStale } from "../items/grace";
import { allowedFields, batchGetSchema, batchRequestSchema, batchSetSchema, MAX_BATCH_KEYS, type JsonSchema } from "../http/schema";
import type { LeaseAsk } from "../items/lease";

/** The body of `POST /v1/{ns}/batch`, checked whole before anything touches storage. Pure. */

/** Keys in one batch, in all (get + set + delete). */
export { MAX_BATCH_KEYS };
/** Largest batch body: it is JSON, so it is read whole (large values go through PUT). */
export const MAX_BATCH_BODY_BYTES = 16 * 1024 * 1024;

export interface BatchSet {
  key: string;
  value: Uint8Array;
  /** Seconds, as the `ttl` of a PUT; undefined → DEFAULT_TTL. */
  ttl: number | undefined;
  contentType: string;
  /** Seconds the item stays stale after it expires, as the `grace` of a PUT; undefined → 0. */
  grace: number | undefined;
  /** As `X-Tags` on a PUT (absent: none). */
  tags?: string[];
  /** As `X-Meta` on a PUT: the JSON text kept and answered (absent: none). */
  userMeta?: string;
}

/** One get: a key, given alone or as `{"key", "maxStale"?, "lease"?, "refreshBelow"?}`. */
export interface BatchGet {
  key: string;
  /**
   * This get's `max-stale` (seconds, or ANY_STALENESS for `true`); undefined: the batch request's
   * own `Cache-Control: max-stale`, as for every get of the batch.
   */
  maxStale?: MaxStale;
  /** The lease this get asks for, as X-Lease (and X-Refresh-Below) on a GET; undefined: none. */
  lease?: LeaseAsk;
}

export interface BatchRequest {
  get: BatchGet[];
  set: BatchSet[];
  delete: string[];
  /** The gets that ask for their item's lease (entries `{"key", "lease", "refreshBelow"}`), by key. */
  leases: Map<string, LeaseAsk>;
}

function bad(message: string): never {
  throw new ApiError("bad_request", message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function keyAt(value: unknown, where: string): string {
  if (typeof value !== "string") bad(`${where}: a key must be a string`);
  try {
    return validateKey(value);
  } catch (err) {
    bad(`${where}: ${err instanceof ApiError ? err.message : "invalid key"}`);
  }
}

/** Strict standard base64 (padding required), as API.md's example uses. */
export function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  // A plain loop: Uint8Array.from with a callback costs about 14 times the CPU (~100 ms per MiB),
  // and the Free plan allows 10 ms of CPU per request.
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const SET_FIELDS = new Set(allowedFields(batchSetSchema));
const GET_FIELDS = new Set(allowedFields(batchGetSchema));

/** A whole number of seconds from 0 to `max` at `where`, or undefined when absent. */
function secondsAt(value: unknown, where: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) bad(`${where}: a non-negative whole number of seconds`);
  if (value > max) bad(`${where}: at most ${max} seconds`);
  return value;
}
const BATCH_FIELDS = new Set(allowedFields(batchRequestSchema));

function parseSet(entry: unknown, where: string, maxTtl: number): BatchSet {
  if (!isObject(entry)) bad(`${where}: each set entry must be an object`);
  for (const field of Object.keys(entry)) {
    if (!SET_FIELDS.has(field)) bad(`${where}: unknown field '${field}' (allowed: ${[...SET_FIELDS].join(", ")})`);
  }
  const key = keyAt(entry.key, `${where}.key`);
  const encoding = entry.encoding ?? "utf8";
  if (encoding !== "utf8" && encoding !== "base64") bad(`${where}.encoding: 'utf8' or 'base64'`);
  if (typeof entry.value !== "string") bad(`${where}.value: a string (UTF-8 text, or base64 with "encoding": "base64")`);
  let value: Uint8Array;
  if (encoding === "base64") {
    const decoded = decodeBase64(entry.value);
    if (decoded === null) bad(`${where}.value: invalid base64`);
    value = decoded;
  } else {
    if (/[\ud800-\udfff]/.test(entry.value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) bad(`${where}.value: not valid UTF-8 text`);
    value = new TextEncoder().encode(entry.value);
  }
  const ttl = secondsAt(entry.ttl, `${where}.ttl`, maxTtl);
  const grace = secondsAt(entry.grace, `${where}.grace`, maxTtl);
  if (entry.contentType !== undefined && typeof entry.contentType !== "string") bad(`${where}.contentType: a string`);
  let contentType: string;
  try {
    contentType = normalizeContentType(entry.contentType);
  } catch (err) {
    bad(`${where}.contentType: ${err instanceof ApiError ? err.message : "invalid"}`);
  }
  if (entry.tags !== undefined && (!Array.isArray(entry.tags) || entry.tags.some((tag) => typeof tag !== "string"))) bad(`${where}.tags: an array of strings`);
  const tags = validateTags((entry.tags as string[] | undefined) ?? [], `${where}.tags`);
  if (entry.meta !== undefined && !isObject(entry.meta)) bad(`${where}.meta: a JSON object`);
  // Its text as JSON.stringify writes it, non-ASCII \u-escaped: what a GET's X-Meta would carry.
  const userMeta = entry.meta === undefined ? null : validateMeta(asciiJson(entry.meta), `${where}.meta`);
  checkItemMetadataFits({ contentType, expiresAt: null, tags, userMeta }, `${where}.tags and ${where}.meta`);
  return { key, value, ttl, contentType, grace, ...(tags.length > 0 ? { tags } : {}), ...(userMeta === null ? {} : { userMeta }) };
}

/** A whole number within a schema's bounds, else a 400 naming where it is. */
function boundedInteger(value: unknown, schema: JsonSchema | undefined, where: string): number {
  const { minimum = 0, maximum = Number.MAX_SAFE_INTEGER } = schema ?? {};
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum || value > maximum) bad(`${where}: a whole number from ${minimum} to ${maximum}`);
  return value;
}

/**
 * A get entry: a key, or `{"key", "maxStale"?, "lease"?, "refreshBelow"?}` — `maxStale` as
 * Cache-Control: max-stale (seconds, or `true` for any staleness within the item's grace), `lease`
 * and `refreshBelow` as X-Lease and X-Refresh-Below on a GET.
 */
function parseGet(entry: unknown, where: string): BatchGet {
  if (!isObject(entry)) return { key: keyAt(entry, where) };
  for (const field of Object.keys(entry)) {
    if (!GET_FIELDS.has(field)) bad(`${where}: unknown field '${field}' (allowed: ${[...GET_FIELDS].join(", ")})`);
  }
  const fields = batchGetSchema.properties ?? {};
  const get: BatchGet = { key: keyAt(entry.key, `${where}.key`) };
  if (entry.maxStale === true) get.maxStale = ANY_STALENESS;
  else if (entry.maxStale !== undefined) get.maxStale = secondsAt(entry.maxStale, `${where}.maxStale`, Number.MAX_SAFE_INTEGER) ?? null;
  if (entry.lease !== undefined) {
    const seconds = boundedInteger(entry.lease, fields.lease, `${where}.lease`);
    const refreshBelow = entry.refreshBelow === undefined ? null : boundedInteger(entry.refreshBelow, fields.refreshBelow, `${where}.refreshBelow`);
    get.lease = { seconds, refreshBelow };
  } else if (entry.refreshBelow !== undefined) bad(`${where}.refreshBelow: only with lease`);
  return get;
}

/** Gets in the order given, each key once; one key asked twice with different options is refused (which would win is a guess). */
function getList(value: unknown): BatchGet[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) bad("get: an array of keys or of {key, maxStale, lease, refreshBelow} entries");
  const byKey = new Map<string, BatchGet>();
  value.forEach((entry, index) => {
    const get = parseGet(entry, `get[${index}]`);
    const earlier = byKey.get(get.key);
    if (earlier && (earlier.maxStale !== get.maxStale || JSON.stringify(earlier.lease) !== JSON.stringify(get.lease))) {
      bad(`get: the key '${get.key}' is asked twice with different options`);
    }
    if (!earlier) byKey.set(get.key, get);
  });
  return [...byKey.values()];
}

function keyList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) bad(`${name}: an array of keys`);
  return value.map((key, index) => keyAt(key, `${name}[${index}]`));
}

/**
 * Parses and checks a batch: only `get`, `set`, `delete`; at most 100 keys in all; valid keys;
 * no key set twice, or both set and deleted (the order would be a guess). Repeated gets and
 * deletes are harmless and answered once.
 */
export function parseBatch(text: string, maxTtl: number): BatchRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    bad("malformed JSON body");
  }
  if (!isObject(body)) bad("the batch must be a JSON object with any of 'get', 'set', 'delete'");
  for (const field of Object.keys(body)) {
    if (!BATCH_FIELDS.has(field)) bad(`unknown field '${field}' (allowed: ${[...BATCH_FIELDS].join(", ")})`);
  }
  const count = ["get", "set", "delete"].reduce((sum, name) => sum + (Array.isArray(body[name]) ? (body[name] as unknown[]).length : 0), 0);
  if (count > MAX_BATCH_KEYS) bad(`too many keys: ${count}, at most ${MAX_BATCH_KEYS} in all`);
  if (body.set !== undefined && !Array.isArray(body.set)) bad("set: an array of {key, value, ...}");
  const sets = ((body.set as unknown[] | undefined) ?? []).map((entry, index) => parseSet(entry, `set[${index}]`, maxTtl));
  const deletes = keyList(body.delete, "delete");
  const gets = getList(body.get);
  const setKeys = new Set<string>();
  for (const entry of sets) {
    if (setKeys.has(entry.key)) bad(`set: the key '${entry.key}' is set twice`);
    setKeys.add(entry.key);
  }
  for (const key of deletes) {
    if (setKeys.has(key)) bad(`the key '${key}' is both set and deleted`);
  }
  const leases = new Map<string, LeaseAsk>();
  for (const get of gets) if (get.lease) leases.set(get.key, get.lease);
  return { get: gets, set: sets, delete: [...new Set(deletes)], leases };
}
