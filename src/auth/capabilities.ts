import type { Principal } from "./auth";
import { SCOPES, type Scope } from "./tokens";

/**
 * What `GET /v1/token` answers: what the request's token may do, so that a client (the console)
 * offers only that. Nothing secret: the token itself already carries it.
 */
export interface Capabilities {
  /** The admin token: everything, minting tokens included. */
  admin: boolean;
  /** The namespaces it may touch, or `["*"]` for every one. */
  namespaces: string[];
  scopes: Scope[];
  /** Only keys starting with this, or null for every key. */
  prefix: string | null;
  /** Unix seconds the token stops working, or null (the admin token does not expire). */
  expiresAt: number | null;
}

/** The capabilities of an authenticated principal (never anonymous: that is a 401 before). Pure. */
export function capabilitiesOf(principal: Exclude<Principal, { kind: "anonymous" }>): Capabilities {
  if (principal.kind === "admin") return { admin: true, namespaces: ["*"], scopes: [...SCOPES], prefix: null, expiresAt: null };
  const { grant } = principal;
  return {
    admin: false,
    namespaces: grant.namespaces === "*" ? ["*"] : [...grant.namespaces],
    scopes: [...grant.scopes],
    prefix: grant.prefix,
    expiresAt: grant.expiresAt,
  };
}
