import { sign, verify } from "hono/jwt";
import { remember } from "../platform/bounded-memory";
/** What a token may do on its namespaces. */
export type Scope = "read" | "write" | "flush";
import type { Config } from "../platform/config";
import { deploymentOf } from "../platform/deployment";
import { ApiError } from "../http/errors";
import { nowSeconds } from "../items/item";
import { hasControlCharacter, MAX_KEY_BYTES, utf8Length, validateNamespace } from "../items/names";
import { secretsEqual } from "./secrets";
import { allowedFields, MAX_TOKEN_NAMESPACES, SCOPES as SCHEMA_SCOPES, tokenRequestSchema } from "../http/schema";

/**
 * Scoped tokens: stateless JWTs (HS256, signed with TOKEN_SECRET) that grant some scopes on some
 * namespaces, optionally only for keys under a prefix, until they expire. Nothing is stored: a token
 * is valid exactly while its signature checks, its `aud` names this deployment and its `exp` is in
 * the future. The audience is the deployment's name (src/platform/deployment.ts): staging and
 * production sharing TOKEN_SECRET still refuse each other's tokens.
 */

export const SCOPES: readonly Scope[] = SCHEMA_SCOPES;

/** The one algorithm tokens are signed with, and the only one `verifyToken` accepts. */
export const TOKEN_ALGORITHM = "HS256";
/** Every token names this issuer, so a JWT minted for something else with the same secret is refused. */
export const TOKEN_ISSUER = "cloudcached";
/** A token's lifetime when the request gives no `ttl` (capped at MAX_TOKEN_TTL). */
export const DEFAULT_TOKEN_TTL = 3600;
/** Most namespaces one token may name (keeps a token well inside any header limit). */
export { MAX_TOKEN_NAMESPACES };
/** A bearer token longer than this is refused without looking further. */
export const MAX_TOKEN_CHARS = 16 * 1024;
/** TOKEN_SECRET must be at least this long: HS256 wants a key of 256 bits or more. */
export const MIN_SECRET_CHARS = 32;

/** What a valid token grants. */
export interface Grant {
  /** The namespaces it may touch, or "*" for all. */
  namespaces: readonly string[] | "*";
  /** Only keys starting with this (decoded) text, or null for every key. */
  prefix: string | null;
  scopes: readonly Scope[];
  /** Unix seconds: the token is refused from this second on. */
  expiresAt: number;
}

/** What signs and checks a deployment's tokens: TOKEN_SECRET, and the deployment they are for (`aud`). */
export interface TokenKey {
  secret: string;
  audience: string;
}

/** A validated `POST /v1/tokens` body. */
export interface TokenRequest {
  namespaces: readonly string[] | "*";
  prefix: string | null;
  scopes: readonly Scope[];
  ttl: number;
}

const FIELDS = allowedFields(tokenRequestSchema(1, DEFAULT_TOKEN_TTL));

function bad(message: string): never {
  throw new ApiError("bad_request", message);
}

/** A client-given name, quoted and cut short, safe to put in an error message. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function scopeList(value: unknown, fail: (message: string) => never): Scope[] {
  if (!Array.isArray(value) || value.length === 0) fail("scopes must be a non-empty array of \"read\", \"write\", \"flush\"");
  const scopes: Scope[] = [];
  for (const [index, scope] of value.entries()) {
    if (typeof scope !== "string" || !(SCOPES as readonly string[]).includes(scope)) {
      fail(`scopes[${index}] must be one of "read", "write", "flush"`);
    }
    if (scopes.includes(scope as Scope)) fail(`scopes[${index}] repeats ${quoted(scope)}`);
    scopes.push(scope as Scope);
  }
  return scopes;
}

function namespaceList(value: unknown, fail: (message: string) => never): readonly string[] | "*" {
  if (!Array.isArray(value) || value.length === 0) fail("namespaces must be a non-empty array of namespaces, or [\"*\"]");
  if (value.length > MAX_TOKEN_NAMESPACES) fail(`namespaces may list at most ${MAX_TOKEN_NAMESPACES} namespaces`);
  if (value.includes("*")) {
    if (value.length !== 1) fail("namespaces: \"*\" (every namespace) must be the only entry");
    return "*";
  }
  const namespaces: string[] = [];
  for (const [index, namespace] of value.entries()) {
    if (typeof namespace !== "string") fail(`namespaces[${index}] must be a string`);
    try {
      validateNamespace(namespace);
    } catch {
      fail(`namespaces[${index}] is not a valid namespace (1-64 characters of a-z 0-9 _ -, starting with a letter or digit)`);
    }
    if (namespaces.includes(namespace)) fail(`namespaces[${index}] repeats ${quoted(namespace)}`);
    namespaces.push(namespace);
  }
  return namespaces;
}

/**
 * Checks a key prefix: text that valid keys may start with. Every complete segment (before a `/`)
 * must be a valid key segment (not empty, `.` or `..`); the last, partial segment may be anything a
 * key segment may start with, and may be empty (`user/42/`). Returns the reason it is invalid, or null.
 */
export function keyPrefixProblem(prefix: string): string | null {
  if (prefix.length === 0) return "must not be empty (leave it out to allow every key)";
  if (utf8Length(prefix) > MAX_KEY_BYTES) return `must be at most ${MAX_KEY_BYTES} bytes of UTF-8`;
  if (hasControlCharacter(prefix)) return "must not contain control characters";
  if (/[\ud800-\udfff]/u.test(prefix.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) return "must be valid UTF-8";
  const segments = prefix.split("/");
  segments.pop();
  for (const segment of segments) {
    if (segment === "") return "must not start with '/' or contain an empty segment ('//')";
    if (segment === "." || segment === "..") return "must not contain '.' or '..' segments";
  }
  return null;
}

/** Validates a `POST /v1/tokens` body strictly: unknown fields and malformed values are a 400 naming them. */
export function parseTokenRequest(body: unknown, maxTokenTtl: number): TokenRequest {
  if (!isObject(body)) bad("the body must be a JSON object");
  const unknown = Object.keys(body).filter((field) => !FIELDS.includes(field));
  if (unknown.length > 0) {
    bad(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.slice(0, 5).map(quoted).join(", ")}; allowed: ${FIELDS.join(", ")}`);
  }
  if (body.namespaces === undefined) bad("namespaces is required");
  if (body.scopes === undefined) bad("scopes is required");
  const namespaces = namespaceList(body.namespaces, bad);
  const scopes = scopeList(body.scopes, bad);

  let prefix: string | null = null;
  if (body.prefix !== undefined) {
    if (typeof body.prefix !== "string") bad("prefix must be a string");
    const problem = keyPrefixProblem(body.prefix);
    if (problem) bad(`prefix ${problem}`);
    prefix = body.prefix;
  }

  let ttl = Math.min(DEFAULT_TOKEN_TTL, maxTokenTtl);
  if (body.ttl !== undefined) {
    if (typeof body.ttl !== "number" || !Number.isSafeInteger(body.ttl) || body.ttl < 1) {
      bad("ttl must be a whole number of seconds, at least 1 (tokens always expire)");
    }
    if (body.ttl > maxTokenTtl) bad(`ttl must be at most MAX_TOKEN_TTL (${maxTokenTtl} seconds)`);
    ttl = body.ttl;
  }
  return { namespaces, prefix, scopes, ttl };
}

/** TOKEN_SECRET, or a 500 naming the setting (never its value) when it is missing or too short. */
export function tokenSecret(config: Config): string {
  const secret = config.tokenSecret;
  if (secret === undefined) throw new ApiError("internal", "server misconfigured: the setting TOKEN_SECRET is missing");
  if (secret.length < MIN_SECRET_CHARS) {
    throw new ApiError("internal", `server misconfigured: the setting TOKEN_SECRET must be at least ${MIN_SECRET_CHARS} characters`);
  }
  return secret;
}

/** This deployment's token key: TOKEN_SECRET (a 500 naming it when unusable) and the deployment's name. */
export function tokenKey(config: Config): TokenKey {
  return { secret: tokenSecret(config), audience: deploymentOf(config) };
}

/** Signs a token for a validated request, for the deployment `key.audience`. */
export async function mintToken(request: TokenRequest, key: TokenKey, now: number = nowSeconds()): Promise<{ token: string; expiresAt: number }> {
  const expiresAt = now + request.ttl;
  const payload = {
    iss: TOKEN_ISSUER,
    aud: key.audience,
    namespaces: request.namespaces === "*" ? ["*"] : [...request.namespaces],
    scopes: [...request.scopes],
    ...(request.prefix === null ? {} : { prefix: request.prefix }),
    exp: expiresAt,
  };
  return { token: await sign(payload, key.secret, TOKEN_ALGORITHM), expiresAt };
}

function invalidToken(): never {
  // Never the token itself: it must not reach an error body or a log.
  throw new ApiError("unauthorized", "invalid token");
}

/**
 * The grant of a signed payload, checked as strictly as a request: anything but the exact shape
 * `mintToken` writes is refused (401), so a JWT from elsewhere cannot slip through. A token for
 * another deployment (`aud`), or one with no audience (minted before tokens had one), is refused too.
 */
export function grantFromClaims(claims: Record<string, unknown>, audience: string): Grant {
  if (!isObject(claims)) invalidToken();
  const allowed = new Set(["iss", "aud", "namespaces", "scopes", "prefix", "exp"]);
  if (Object.keys(claims).some((claim) => !allowed.has(claim))) invalidToken();
  if (claims.iss !== TOKEN_ISSUER) invalidToken();
  if (claims.aud !== audience) invalidToken();
  if (typeof claims.exp !== "number" || !Number.isSafeInteger(claims.exp)) invalidToken();
  const namespaces = namespaceList(claims.namespaces, invalidToken);
  const scopes = scopeList(claims.scopes, invalidToken);
  let prefix: string | null = null;
  if (claims.prefix !== undefined) {
    if (typeof claims.prefix !== "string" || keyPrefixProblem(claims.prefix) !== null) invalidToken();
    prefix = claims.prefix;
  }
  return { namespaces, prefix, scopes, expiresAt: claims.exp };
}

// The HMAC key made from TOKEN_SECRET, imported once per isolate (one secret per deployment; the
// bound only guards against a test's many bindings). Only settled keys are kept: a promise is never
// shared between requests.
const verifyKeys = new Map<string, CryptoKey>();
const MAX_VERIFY_KEYS = 16;

async function verifyKey(secret: string): Promise<CryptoKey> {
  const known = verifyKeys.get(secret);
  if (known) return known;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  remember(verifyKeys, MAX_VERIFY_KEYS, secret, key);
  return key;
}

// Grants of tokens this isolate has verified, by key and the token's SHA-256: a token is
// stateless and valid exactly until its `exp`, so its signature need not be checked again.
const verifiedGrants = new Map<string, Grant>();
const MAX_VERIFIED_GRANTS = 10_000;

function unexpired(grant: Grant, now: number): Grant {
  if (grant.expiresAt <= now) throw new ApiError("unauthorized", "token expired");
  return grant;
}

/**
 * `verifyToken`, remembered per isolate: `tokenDigest` (the token's SHA-256, hex) finds a grant
 * verified before under the same key; its expiry is checked every time.
 */
export async function verifyTokenOnce(token: string, tokenDigest: string, key: TokenKey, now: number = nowSeconds()): Promise<Grant> {
  const id = `${tokenDigest}\n${key.audience}\n${key.secret}`;
  const known = verifiedGrants.get(id);
  if (known) return unexpired(known, now);
  const grant = await verifyToken(token, key, now);
  remember(verifiedGrants, MAX_VERIFIED_GRANTS, id, grant);
  return grant;
}

/** The grant of a token, or 401: malformed, signed with another key or algorithm, tampered with, for another deployment, or expired. */
export async function verifyToken(token: string, tokenKey: TokenKey, now: number = nowSeconds()): Promise<Grant> {
  if (token.length > MAX_TOKEN_CHARS) invalidToken();
  const key = await verifyKey(tokenKey.secret);
  let claims: Record<string, unknown>;
  try {
    // The algorithm is pinned: a token whose header names another one (or `none`) is refused.
    // Expiry is checked below, after the signature, so "expired" is only ever said of a genuine token.
    claims = await verify(token, key, { alg: TOKEN_ALGORITHM, iss: TOKEN_ISSUER, exp: false, iat: false, nbf: false });
  } catch {
    return invalidToken();
  }
  const grant = grantFromClaims(claims, tokenKey.audience);
  if (grant.expiresAt <= now) throw new ApiError("unauthorized", "token expired");
  return grant;
}

// The scoped tokens last authenticated in this isolate, with their key and grant: most requests
// carry one of a few tokens, recognised by a constant-time comparison with each entry (all of them,
// whatever matches) instead of hashing the token for `verifiedGrants`.
const RECENT_TOKENS = 4;
const recentTokens: { token: string; key: TokenKey; grant: Grant }[] = [];

function recentGrant(token: string, key: TokenKey): Grant | undefined {
  let found: Grant | undefined;
  for (const entry of recentTokens) {
    if (secretsEqual(token, entry.token) && entry.key.secret === key.secret && entry.key.audience === key.audience) found = entry.grant;
  }
  return found;
}

function hex(bytes: ArrayBuffer): string {
  let out = "";
  for (const byte of new Uint8Array(bytes)) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** A scoped token's grant, or 401: one of the last few tokens at once, else `verifyTokenOnce` by its SHA-256. */
export async function grantOf(token: string, key: TokenKey, now: number = nowSeconds()): Promise<Grant> {
  const recent = recentGrant(token, key);
  if (recent) return unexpired(recent, now);
  const digest = hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  const grant = await verifyTokenOnce(token, digest, key, now);
  if (recentTokens.length >= RECENT_TOKENS) recentTokens.shift();
  recentTokens.push({ token, key, grant });
  return grant;
}
