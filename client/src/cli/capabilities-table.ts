// `cloudcached whoami`: what the token may do, as a two-column table. Pure.

import type { TokenCapabilities } from "../client.js";
import { twoColumns } from "./two-columns.js";

/** The rows: who, then where it may act, what it may do there, and until when. */
export function capabilitiesRows(capabilities: TokenCapabilities): [string, string][] {
  const { admin, namespaces, scopes, prefix, expiresAt } = capabilities;
  return [
    ["token", admin ? "admin (everything, minting tokens included)" : "scoped"],
    ["namespaces", namespaces.includes("*") ? "every namespace" : namespaces.join(", ")],
    ["scopes", scopes.length === 0 ? "none" : scopes.join(", ")],
    ["keys", prefix === null ? "every key" : `only keys starting with ${JSON.stringify(prefix)}`],
    ["expires", expiresAt === null ? "never" : new Date(expiresAt * 1000).toISOString()],
  ];
}

/** The table as text. */
export function capabilitiesTable(capabilities: TokenCapabilities): string {
  return twoColumns(capabilitiesRows(capabilities));
}
