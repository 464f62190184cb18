import { describe, expect, it } from "vitest";
import type { Params, Router } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";
import { app } from "./app";
import { StrictPatternRouter } from "./router";

/** The app's routes (middleware included), each added to `router` as its index in `app.routes`. */
function withAppRoutes(router: Router<number>): Router<number> {
  for (const [index, route] of app.routes.entries()) router.add(route.method, route.path, index);
  return router;
}

/** What a router matched: the routes' indexes, in order, each with its parameters. */
function matched(router: Router<number>, method: string, path: string): [number, Params][] {
  const [handlers] = router.match(method, path) as [[number, Params][]];
  return handlers.map(([index, params]) => [index, { ...params }]);
}

const SEGMENTS = ["", "v1", "v2", "ns", "items", "k", "a%2Fb", "tags", "t", "batch", "flush", "keys", "stats", "namespaces", "token", "tokens", "openapi.json", "healthz", "console", "app.js", ".", "..", "v1.json"];

/** Paths made of the app's own segments, with and without a trailing slash, and some shapes of their own. */
function paths(): string[] {
  const found = new Set(["/", "//", "/v1", "/v1/", "/v1//", "/healthz/", "/console/", "/v1/ns/items", "/v1/ns/items/", "/v1/ns/items/a/", "/v1/ns/items/a//b/", "/v1/ns/items/%2F", "/v1/namespaces/", "/v1/ns/keys/", "/v1/ns/tags/", "/v1/ns/tags/a/", "/v1/openapi.json/", "/v1//items/k", "/v1/ns//k"]);
  // A fixed walk over the segments: every path of one to five of them, sampled (deterministic).
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (let i = 0; i < 3_000; i++) {
    const length = 1 + (next() % 5);
    const parts = Array.from({ length }, () => SEGMENTS[next() % SEGMENTS.length] as string);
    const path = `/${parts.join("/")}`;
    found.add(path);
    found.add(`${path}/`);
  }
  return [...found];
}

describe("StrictPatternRouter", () => {
  it("matches every method and path as Hono's trie router does over the app's routes: the same routes, in order, with the same parameters", () => {
    const strict = withAppRoutes(new StrictPatternRouter<number>());
    const trie = withAppRoutes(new TrieRouter<number>());
    expect(app.routes.length).toBeGreaterThan(30);
    let compared = 0;
    for (const method of ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"]) {
      for (const path of paths()) {
        expect(matched(strict, method, path), `${method} ${path}`).toEqual(matched(trie, method, path));
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it("gives a path with a trailing slash no route without a wildcard, where PatternRouter alone would", () => {
    const strict = withAppRoutes(new StrictPatternRouter<number>());
    const indexRoute = app.routes.findIndex((route) => route.method === "GET" && route.path === "/v1");
    expect(indexRoute).toBeGreaterThanOrEqual(0);
    expect(matched(strict, "GET", "/v1").map(([index]) => index)).toContain(indexRoute);
    expect(matched(strict, "GET", "/v1/").map(([index]) => index)).not.toContain(indexRoute);
    // An item key may end with a slash: the item routes (a wildcard) still take it.
    const itemRoute = app.routes.findIndex((route) => route.method === "GET" && route.path === "/v1/:ns/items/*");
    expect(matched(strict, "GET", "/v1/ns/items/dir/")).toContainEqual([itemRoute, { ns: "ns" }]);
  });
});
