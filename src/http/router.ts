import type { Params, Result, Router } from "hono/router";
import { PatternRouter } from "hono/router/pattern-router";

/**
 * The app's router: Hono's PatternRouter, with the trie router's strictness about a trailing slash.
 *
 * Hono's fastest router (RegExpRouter) cannot take a static segment where `:ns` also matches
 * (`/v1/namespaces` beside `/v1/:ns/items/*`), so Hono's default falls back to its trie router,
 * which costs a hit more work per request than PatternRouter (measured: bench/profile.mjs). But
 * PatternRouter also lets `/v1/` stand for `/v1`: here a route without a wildcard matches only its
 * own path, as under the trie router, and a path with a trailing slash names no such route.
 */
export class StrictPatternRouter<T> implements Router<T> {
  readonly name = "StrictPatternRouter";
  private readonly patterns = new PatternRouter<T>();
  /** What was added for paths without a wildcard (Hono adds a new handler object per route). */
  private readonly exact = new Set<T>();

  add(method: string, path: string, handler: T): void {
    if (!path.includes("*")) this.exact.add(handler);
    this.patterns.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const [matched] = this.patterns.match(method, path) as [[T, Params][]];
    if (path.length <= 1 || !path.endsWith("/")) return [matched];
    return [matched.filter(([handler]) => !this.exact.has(handler))];
  }
}
