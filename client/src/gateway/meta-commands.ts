// The meta commands carried out: mg (get, gets, touch, gat in one), ms (every storage mode), md,
// ma (incr/decr with auto-create), mn. Answers as memcached 1.6 gives them.

import type { Backend, Hit, LeasedHit, StoreMode } from "./backend.js";
import { flagToken, hasFlag, type MetaRequest } from "./meta-parser.js";
import { MAX_FLAGS, parseSigned32, parseUnsigned, U64_MAX } from "./semantics.js";

const CRLF = "\r\n";

class MetaError extends Error {}

function ttlLeft(expiresAt: number | null, nowSeconds: number): string {
  return expiresAt === null ? "-1" : String(Math.max(0, expiresAt - Math.floor(nowSeconds)));
}

function exptimeFlag(request: MetaRequest, name: string): number | undefined {
  const token = flagToken(request, name);
  if (token === undefined) return undefined;
  const exptime = parseSigned32(token);
  if (exptime === null) throw new MetaError("CLIENT_ERROR bad token in command line format");
  return exptime;
}

function unsignedFlag(request: MetaRequest, name: string, max: bigint): bigint | undefined {
  const token = flagToken(request, name);
  if (token === undefined) return undefined;
  const value = parseUnsigned(token, max);
  if (value === null) throw new MetaError("CLIENT_ERROR bad token in command line format");
  return value;
}

/** The return flags a request asked for, in its order: k, O, and those `extra` knows (f, t, c, s…). */
function returnFlags(request: MetaRequest, extra: Record<string, string | undefined>): string {
  const out: string[] = [];
  for (const { name, token } of request.flags) {
    if (name === "k") out.push(`k${request.keyToken}`, ...(hasFlag(request, "b") ? ["b"] : []));
    else if (name === "O") out.push(`O${token}`);
    else if (extra[name] !== undefined) out.push(`${name}${extra[name]}`);
  }
  return out.length === 0 ? "" : ` ${out.join(" ")}`;
}

function status(request: MetaRequest, code: string, extra: Record<string, string | undefined> = {}): Buffer[] {
  const quiet = hasFlag(request, "q");
  // q hides the answers that mean "as expected": mg's EN, and the HD of ms, md and ma.
  if (quiet && (code === "HD" || (code === "EN" && request.code === "mg"))) return [];
  return [Buffer.from(`${code}${returnFlags(request, extra)}${CRLF}`)];
}

function itemFlags(hit: Hit, nowSeconds: number): Record<string, string> {
  return { f: String(hit.flags), t: ttlLeft(hit.expiresAt, nowSeconds), c: String(hit.cas), s: String(hit.value.byteLength) };
}

/** Seconds of a lease asked by `R` (memcached's recache win lasts until the item is rewritten): 30, as the API's typical lease. */
const RECACHE_LEASE = 30;
/** The API's bounds of a lease's seconds. */
const MIN_LEASE = 1;
const MAX_LEASE = 300;

/**
 * The answer flags memcached appends after the return flags: W (this client won the recache), X (the
 * item is stale), Z (another client has won it). Their order is memcached's: `W`, `X W`, `Z`, `Z X`.
 */
export function winFlags(stale: boolean, lease: LeasedHit["lease"]): string {
  if (lease === "won") return stale ? " X W" : " W";
  if (lease === "busy") return stale ? " Z X" : " Z";
  return stale ? " X" : "";
}

/**
 * mg with N (vivify on miss), R (recache below a ttl) or on a gateway keeping a grace: one read that
 * may win the key's lease on the Worker. A miss won is memcached's empty stub (`VA 0 … W`), a miss
 * another client won is the stub with Z; a stale item is served with X.
 */
async function metaGetLeased(request: MetaRequest, backend: Backend, vivify: number | undefined, recache: number | undefined): Promise<Buffer[]> {
  const lease = vivify !== undefined ? Math.min(MAX_LEASE, Math.max(MIN_LEASE, vivify)) : recache !== undefined ? RECACHE_LEASE : undefined;
  const read = await backend.getLeased(request.key, {
    maxStale: backend.grace > 0,
    ...(lease === undefined ? {} : { lease }),
    ...(recache !== undefined && recache >= 1 ? { refreshBelow: recache } : {}),
  });
  const suffix = winFlags(read.stale, read.lease);
  let value: Uint8Array;
  let extra: Record<string, string>;
  if (read.hit !== null) {
    value = read.hit.value;
    extra = itemFlags(read.hit, Date.now() / 1000);
  } else if (read.lease !== "none") {
    // The stub memcached creates on a vivifying miss: empty, its ttl the lease's (-1 to the winner, as memcached shows it).
    value = new Uint8Array();
    extra = { f: "0", t: read.lease === "won" ? "-1" : String(read.leaseSecondsLeft ?? lease ?? 0), c: "0", s: "0" };
  } else {
    return status(request, "EN");
  }
  if (!hasFlag(request, "v")) return [Buffer.from(`HD${returnFlags(request, extra)}${suffix}${CRLF}`)];
  return [Buffer.from(`VA ${value.byteLength}${returnFlags(request, extra)}${suffix}${CRLF}`), Buffer.from(value), Buffer.from(CRLF)];
}

async function metaGet(request: MetaRequest, backend: Backend): Promise<Buffer[]> {
  const exptime = exptimeFlag(request, "T");
  const vivify = exptimeFlag(request, "N");
  const recache = exptimeFlag(request, "R");
  if (exptime === undefined && (vivify !== undefined || recache !== undefined || backend.grace > 0)) return metaGetLeased(request, backend, vivify, recache);
  const found = exptime === undefined ? (await backend.getMany([request.key])).found : await backend.getAndTouch([request.key], exptime);
  const hit = found.get(request.key);
  if (hit === undefined) return status(request, "EN");
  const extra = itemFlags(hit, Date.now() / 1000);
  if (!hasFlag(request, "v")) return status(request, "HD", extra);
  return [Buffer.from(`VA ${hit.value.byteLength}${returnFlags(request, extra)}${CRLF}`), Buffer.from(hit.value), Buffer.from(CRLF)];
}

const MODES: Record<string, StoreMode> = { S: "set", s: "set", E: "add", e: "add", A: "append", a: "append", P: "prepend", p: "prepend", R: "replace", r: "replace" };

async function metaSet(request: MetaRequest, value: Uint8Array, backend: Backend): Promise<Buffer[]> {
  const modeToken = flagToken(request, "M") ?? "S";
  let mode = MODES[modeToken];
  if (mode === undefined) throw new MetaError("CLIENT_ERROR invalid mode for ms M token");
  const flags = unsignedFlag(request, "F", BigInt(MAX_FLAGS)) ?? 0n;
  const exptime = exptimeFlag(request, "T") ?? 0;
  const cas = unsignedFlag(request, "C", U64_MAX);
  if (cas !== undefined && cas !== 0n) {
    if (mode !== "set") throw new MetaError("CLIENT_ERROR the C flag is supported with mode S (set) only");
    mode = "cas";
  }
  const result = await backend.store(mode, request.key, value, Number(flags), exptime, cas);
  switch (result.status) {
    case "STORED":
      return status(request, "HD", { c: String(result.cas) });
    case "NOT_STORED":
      return status(request, "NS");
    case "EXISTS":
      return status(request, "EX");
    case "NOT_FOUND":
      return status(request, "NF");
  }
}

async function metaDelete(request: MetaRequest, backend: Backend): Promise<Buffer[]> {
  if (hasFlag(request, "I")) {
    // Mark stale (the Worker's soft expiry): served with X for the item's grace, one client winning its recache.
    return status(request, (await backend.markStale(request.key)) ? "HD" : "NF");
  }
  const cas = unsignedFlag(request, "C", U64_MAX);
  const result = await backend.remove(request.key, cas);
  return status(request, result === "DELETED" ? "HD" : result === "EXISTS" ? "EX" : "NF");
}

async function metaArithmetic(request: MetaRequest, backend: Backend): Promise<Buffer[]> {
  const mode = flagToken(request, "M") ?? "I";
  const incr = mode === "I" || mode === "i" || mode === "+";
  if (!incr && mode !== "D" && mode !== "d" && mode !== "-") throw new MetaError("CLIENT_ERROR invalid mode for ma M token");
  const by = unsignedFlag(request, "D", U64_MAX) ?? 1n;
  const vivify = exptimeFlag(request, "N");
  const initial = unsignedFlag(request, "J", U64_MAX) ?? 0n;
  const cas = unsignedFlag(request, "C", U64_MAX);
  const exptime = exptimeFlag(request, "T");
  const result = await backend.delta(request.key, incr, by, {
    ...(vivify === undefined ? {} : { initial: { value: initial, exptime: vivify, flags: 0 } }),
    ...(cas === undefined ? {} : { cas }),
    ...(exptime === undefined ? {} : { exptime }),
  });
  switch (result.status) {
    case "NOT_FOUND":
      return status(request, "NF");
    case "EXISTS":
      return status(request, "EX");
    case "NON_NUMERIC":
      return [Buffer.from(`CLIENT_ERROR cannot increment or decrement non-numeric value${CRLF}`)];
    case "OK": {
      const number = result.value.toString();
      const extra = { c: String(result.cas), t: ttlLeft(result.expiresAt, Date.now() / 1000) };
      if (!hasFlag(request, "v")) return status(request, "HD", extra);
      return [Buffer.from(`VA ${number.length}${returnFlags(request, extra)}${CRLF}${number}${CRLF}`)];
    }
  }
}

/** The answer to one meta command (`value`: ms's data block). */
export async function executeMeta(request: MetaRequest, value: Uint8Array, backend: Backend): Promise<Buffer[]> {
  try {
    switch (request.code) {
      case "mn":
        return [Buffer.from(`MN${CRLF}`)];
      case "mg":
        return await metaGet(request, backend);
      case "ms":
        return await metaSet(request, value, backend);
      case "md":
        return await metaDelete(request, backend);
      case "ma":
        return await metaArithmetic(request, backend);
    }
  } catch (err) {
    if (err instanceof MetaError) return [Buffer.from(`${err.message}${CRLF}`)];
    throw err;
  }
}
