import type { Config } from "../platform/config";
import { ApiError } from "../http/errors";
import { secretsEqual } from "./secrets";
import { grantOf, type Grant, type Scope, tokenKey } from "./tokens";



/**
 * What a request may do, as its `Authorization` header proves. Every principal but the admin also
 * carries the namespaces anyone may read (PUBLIC_READ_NAMESPACES).
 */
export type Principal =
  | { kind: "admin" }
  | { kind: "anonymous"; publicRead: readonly string[] }
  | { kind: "token"; grant: Grant; publicRead: readonly string[] };

/**
 * One access decision. Routes call `authorize` only with a namespace and key that are already
 * decoded and validated (`validateNamespace`, `parseKey`/`validateKey`), so the prefix check sees
 * exactly the key that storage will see.
 *
 * - item routes: `{ scope, namespace, key }`;
 * - batch: one call per key, `scope: "read"` for `get`, `"write"` for `set`/`delete`;
 * - keys listing: `{ scope: "read", namespace, keyPrefix: P }` with the (decoded) listing prefix, `""` for none;
 * - flush and other namespace-wide operations: `{ scope, namespace }` (no key: a prefix-limited token is refused).
 */
export interface AccessRequest {
  scope: Scope;
  namespace: string;
  /** The decoded, validated key, for operations on one item. */
  key?: string;
  /** The decoded prefix of a listing: every key it can name starts with it. */
  keyPrefix?: string;
  /**
   * False for a read that is not of items (stats): PUBLIC_READ_NAMESPACES opens items and their
   * listing to anyone, never how the namespace is used. Default true.
   */
  publicRead?: boolean;
}

/** The token of `Authorization: Bearer <token>`, or null when there is none. */
export function bearerToken(header: string | null | undefined): string | null {
  if (header === null || header === undefined || header.trim() === "") return null;
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
  if (!match?.[1]) throw new ApiError("unauthorized", "malformed Authorization header: expected 'Bearer <token>'");
  return match[1];
}

const ADMIN: Principal = Object.freeze({ kind: "admin" });

/**
 * No header: anonymous. ADMIN_TOKEN (compared in constant time): admin. Anything else must be a
 * valid scoped token (401 if not; 500 naming TOKEN_SECRET when the Worker has none to check it with).
 */
export async function authenticate(header: string | null | undefined, config: Config): Promise<Principal> {
  const publicRead = config.publicReadNamespaces;
  const token = bearerToken(header);
  if (token === null) return { kind: "anonymous", publicRead };
  if (secretsEqual(token, config.adminToken)) return ADMIN;
  const grant = await grantOf(token, tokenKey(config));
  return { kind: "token", grant, publicRead };
}

/** The pure decision: why `grant` does not allow `request`, or null when it does. */
export function grantRefusal(grant: Grant, request: AccessRequest): string | null {
  if (grant.namespaces !== "*" && !grant.namespaces.includes(request.namespace)) {
    return `this token does not grant the namespace "${request.namespace}"`;
  }
  if (!grant.scopes.includes(request.scope)) return `this token lacks the "${request.scope}" scope`;
  if (grant.prefix !== null) {
    const target = request.key ?? request.keyPrefix;
    if (target === undefined) return "this token is limited to keys under its prefix: namespace-wide operations are refused";
    if (!target.startsWith(grant.prefix)) return "this token is limited to keys under its prefix";
  }
  return null;
}

/**
 * Throws 401 (no proof of identity) or 403 (identity known, not allowed) unless access is granted.
 * Reads of a public namespace are granted to everyone.
 */
export function authorize(principal: Principal, request: AccessRequest): void {
  if (principal.kind === "admin") return;
  if (request.scope === "read" && request.publicRead !== false && principal.publicRead.includes(request.namespace)) return;
  if (principal.kind === "anonymous") throw new ApiError("unauthorized", "a bearer token is required");
  const refusal = grantRefusal(principal.grant, request);
  if (refusal !== null) throw new ApiError("forbidden", refusal);
}

/** The principal of a request that carries a valid token (admin or scoped), or 401. */
export function requireToken(principal: Principal): Exclude<Principal, { kind: "anonymous" }> {
  if (principal.kind === "anonymous") throw new ApiError("unauthorized", "a bearer token is required");
  return principal;
}

/** Admin-only operations (minting tokens): 401 without a token, 403 with a scoped one. */
export function requireAdmin(principal: Principal): void {
  if (principal.kind === "admin") return;
  if (principal.kind === "anonymous") throw new ApiError("unauthorized", "the admin token is required");
  throw new ApiError("forbidden", "only the admin token may do this; a scoped token never can");
}
