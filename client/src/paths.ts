import { CloudCachedError } from "./errors.js";
import { keyProblem, namespaceProblem } from "./names.js";

/**
 * The key as it goes in a URL: each `/`-separated segment percent-encoded, the slashes kept. A key
 * the server would refuse is refused here, before any request, with the server's error: a `.` or
 * `..` segment would otherwise be resolved by the URL parser and address another item.
 */
export function encodeKey(key: string): string {
  if (typeof key !== "string") throw new TypeError("a key must be a string");
  const problem = keyProblem(key);
  if (problem !== null) throw new CloudCachedError(400, "bad_request", problem);
  return key.split("/").map(encodeURIComponent).join("/");
}

/** The namespace as it goes in a URL; one the server would refuse is refused here, with its error. */
export function encodeNamespace(namespace: string): string {
  if (typeof namespace !== "string") throw new TypeError("a namespace must be a string");
  const problem = namespaceProblem(namespace);
  if (problem !== null) throw new CloudCachedError(400, "bad_request", problem);
  return namespace;
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

/**
 * What to change in a base URL that ends in `/v1` (or `/v1/`): the client adds `/v1` itself, so
 * such a URL reaches none of the API's routes. Null for any other URL. Pure.
 */
export function routeHint(base: string): string | null {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return null;
  }
  if (!/\/v1\/*$/.test(url.pathname)) return null;
  const root = `${url.origin}${url.pathname.replace(/\/v1\/*$/, "")}`;
  return `the URL is the Worker's root, without /v1: ${root}`;
}
