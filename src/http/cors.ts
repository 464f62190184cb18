import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { ApiError } from "./errors";
import { type AppEnv, setResponseHeader } from "./http";

/** API.md's Access section: what a browser on an allowed origin may send and read. */
export const CORS_ALLOW_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"];
export const CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "Cache-Control", "X-Lease", "X-Lease-Token", "X-Refresh-Below", "X-Tags", "X-Meta"];
export const CORS_EXPOSE_HEADERS = ["ETag", "X-Expires-At", "X-Cache", "X-Lease", "X-Lease-Token", "Retry-After", "X-Tags", "X-Meta"];
/** How long a browser may reuse a preflight's answer, in seconds. */
export const CORS_MAX_AGE = 600;

/**
 * ALLOWED_ORIGINS: a comma-separated list of exact origins (`https://app.example.com`, with a port
 * when it is not the default). A trailing `/` is forgiven; anything else that is not an origin
 * (a path, a wildcard, no scheme) is a 500 naming the setting, never a silently open or closed door.
 */
export function parseAllowedOrigins(raw: unknown): ReadonlySet<string> {
  const origins = new Set<string>();
  const text = typeof raw === "string" ? raw : "";
  for (const part of text.split(",")) {
    const entry = part.trim().replace(/\/$/, "");
    if (entry === "") continue;
    let origin: string | null = null;
    try {
      const url = new URL(entry);
      if (!entry.includes("*") && (url.protocol === "http:" || url.protocol === "https:") && url.origin === entry.toLowerCase()) origin = url.origin;
    } catch {
      origin = null;
    }
    if (origin === null) {
      throw new ApiError("internal", "server misconfigured: the setting ALLOWED_ORIGINS must list origins like https://app.example.com");
    }
    origins.add(origin);
  }
  return origins;
}

// Bindings are the same object for every request of an isolate: parse them once.
const parsed = new WeakMap<object, ReadonlySet<string>>();

function allowedOrigins(env: Env): ReadonlySet<string> {
  let origins = parsed.get(env);
  if (!origins) {
    origins = parseAllowedOrigins(env.ALLOWED_ORIGINS);
    parsed.set(env, origins);
  }
  return origins;
}

/**
 * CORS for the origins of ALLOWED_ORIGINS only, as the app's first middleware: it answers a
 * preflight `OPTIONS` (204, no token needed) and sets its headers before anything else runs, so an
 * error answered later by `app.onError` keeps them (Hono copies the headers already set on `c.res`
 * into the response that replaces it) and a browser can read a 401 or 404 body. A request from any
 * other origin gets no CORS header at all, and its `OPTIONS` goes on to the routes like any method.
 */
export function corsMiddleware(): MiddlewareHandler<AppEnv> {
  const handler = cors({
    origin: (origin, c) => (allowedOrigins(c.env).has(origin) ? origin : null),
    allowMethods: CORS_ALLOW_METHODS,
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: CORS_MAX_AGE,
  });
  return async (c, next) => {
    const origins = allowedOrigins(c.env);
    // Without allowed origins, no request is a CORS one: its Origin is not even read.
    const origin = origins.size > 0 ? c.req.header("origin") : undefined;
    if (origin !== undefined && origins.has(origin)) return handler(c, next);
    await next();
    // The answer depends on Origin whenever CORS is on: caches must not give one origin's to another.
    if (origins.size > 0) setResponseHeader(c, "vary", "Origin", { append: true });
  };
}
