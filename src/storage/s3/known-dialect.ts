import type { S3Settings } from "../../platform/config";
import { decodeDialect, encodeDialect, nameOfDialect, type StoreDialect } from "./dialect";
import { probeDialect } from "./dialect-probe";
import type { Transport } from "./transport";

/**
 * Where the store's dialect is kept, so that it is probed rarely: a probe costs three or four PUTs
 * and a DELETE, and isolates start often. Asked in order: `S3_DIALECT` (never a probe), this
 * isolate's memory, this location's cache (an entry under a URL naming the deployment: endpoint,
 * bucket and prefix), and only then a probe, whose answer is kept in both for the next isolate.
 */

/** How long a location keeps a probed dialect: a store's software rarely changes under its URL. */
export const DIALECT_CACHE_SECONDS = 86_400;

/** The location-cache entry holding a deployment's dialect (a host no request URL can have). Pure. */
export function dialectCacheUrl(settings: Pick<S3Settings, "endpoint" | "bucket" | "prefix">): string {
  const part = (text: string) => encodeURIComponent(text);
  return `https://cloudcached.cache/.dialect/${part(settings.endpoint)}/${part(settings.bucket)}/${part(settings.prefix)}`;
}

// Keyed by the settings object: configFor() parses the bindings once per isolate. A failed lookup
// is forgotten, so the next write asks again.
const learned = new WeakMap<S3Settings, Promise<StoreDialect>>();

/** Whether the dialect is known without a call (S3_DIALECT, or learned by this isolate). */
export function dialectKnown(transport: Transport): boolean {
  return transport.settings.dialect !== null || learned.has(transport.settings);
}

/** The dialect of the transport's store, from wherever it is known first. */
export function dialectFor(transport: Transport): Promise<StoreDialect> {
  const { settings } = transport;
  if (settings.dialect) return Promise.resolve(settings.dialect);
  let known = learned.get(settings);
  if (!known) {
    known = recallOrProbe(transport);
    learned.set(settings, known);
    known.catch(() => learned.delete(settings));
  }
  return known;
}

async function recallOrProbe(transport: Transport): Promise<StoreDialect> {
  const url = dialectCacheUrl(transport.settings);
  const cache = caches.default;
  const timed = async <T>(work: Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work;
    } finally {
      transport.recorder?.record("cache", Date.now() - started);
    }
  };
  // The location cache is a saving, never a dependency: if it fails, the store is probed.
  transport.budget.take("cache");
  const hit = await timed(cache.match(url)).catch(() => undefined);
  const kept = hit ? decodeDialect(await hit.text().catch(() => "")) : null;
  if (kept) return kept;
  const dialect = await probeDialect(transport);
  console.log(JSON.stringify({ level: "info", storage: "dialect", source: "probe", name: nameOfDialect(dialect) ?? null, ...dialect }));
  const entry = new Response(encodeDialect(dialect), {
    headers: { "content-type": "application/json", "cache-control": `max-age=${DIALECT_CACHE_SECONDS}` },
  });
  // Keeping it is optional: only out of spare subrequests.
  if (transport.budget.tryTake("cache")) await timed(cache.put(url, entry)).catch(() => undefined);
  return dialect;
}
