// What a token may do, as the Worker answers it: types only, shared with the Worker (src/auth/capabilities.ts).

export type Scope = "read" | "write" | "flush";

/** What the client's token may do (`GET /v1/token`): nothing secret, the token itself carries it. */
export interface TokenCapabilities {
  /** The admin token: everything, minting tokens included. */
  admin: boolean;
  /** The namespaces it may use, or `["*"]` for every one. */
  namespaces: string[];
  scopes: Scope[];
  /** Only keys starting with this, or null for every key. */
  prefix: string | null;
  /** Unix seconds the token stops working, or null (the admin token does not expire). */
  expiresAt: number | null;
}
