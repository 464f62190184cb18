import type { AppContext } from "../http";
import type { Storage } from "../storage/storage";
import { Generations } from "./generation";

/** The request's view of namespace generations: its storage, this location's cache, EDGE_TTL. */
export function generationsFor(c: AppContext, storage: Storage): Generations {
  const config = c.get("config");
  return new Generations(storage, config.s3.prefix, caches.default, config.edgeTtl);
}

/** `Cache-Control: no-cache` on the request: storage's answer is wanted, not the location's. */
export function wantsFresh(c: AppContext): boolean {
  return /\bno-cache\b/i.test(c.req.header("cache-control") ?? "");
}
