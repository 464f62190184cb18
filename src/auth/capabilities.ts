import type { TokenCapabilities } from "../../client/src/access";
import type { Principal } from "./auth";
import { SCOPES } from "./tokens";

/**
 * What `GET /v1/token` answers: what the request's token may do, so that a client (the console)
 * offers only that. Nothing secret: the token itself already carries it. The client's own type
 * (client/src/access.ts), so the two cannot drift.
 */
export type Capabilities = TokenCapabilities;

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
