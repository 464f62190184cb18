import { CloudCachedError } from "./errors.js";

/**
 * Why a key cannot be sent, or null when it can. The URL parser of every runtime resolves `.` and
 * `..` segments (also `%2e`) before a request leaves, so such a key would silently address another
 * item: it is refused here, as the server would refuse it. Empty keys and empty segments too.
 */
export function keyProblem(key: string): string | null {
  if (key === "") return "invalid key: empty";
  for (const segment of key.split("/")) {
    if (segment === "") return "invalid key: empty path segment";
    if (segment === "." || segment === "..") return "invalid key: '.' and '..' segments are not allowed";
  }
  return null;
}

/** The key as it goes in a URL: each `/`-separated segment percent-encoded, the slashes kept. */
export function encodeKey(key: string): string {
  if (typeof key !== "string") throw new TypeError("a key must be a string");
  const problem = keyProblem(key);
  if (problem !== null) throw new CloudCachedError(400, "bad_request", problem);
  try {
    return key.split("/").map(encodeURIComponent).join("/");
  } catch {
    throw new CloudCachedError(400, "bad_request", "invalid key: not valid UTF-8 (a lone surrogate)");
  }
}

export function encodeNamespace(namespace: string): string {
  if (typeof namespace !== "string" || namespace === "") throw new TypeError("a namespace must be a non-empty string");
  return encodeURIComponent(namespace);
}

/** `/v1/{ns}/items/{key}`. */
export function itemPath(namespace: string, key: string): string {
  return `/v1/${encodeNamespace(namespace)}/items/${encodeKey(key)}`;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** Joins the base URL (which may carry a path prefix) with a path and a query of defined values. */
export function buildUrl(base: string, path: string, query: Query = {}): string {
  const trimmed = base.replace(/\/+$/, "");
  const params: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  }
  return `${trimmed}${path}${params.length > 0 ? `?${params.join("&")}` : ""}`;
}
