import { inject } from "vitest";

/**
 * Counts the subrequests a piece of work really makes, as Cloudflare would: every `fetch()` to the
 * store and every Cache API call (`match`, `put`, `delete` on `caches.default`), whatever code made
 * it. It watches the runtime's own entry points, not the Worker's counter (src/platform/budget.ts), so a
 * call the budget forgot to count is counted here. The work must run in this isolate (the
 * `withBindings`/`viaProxy` helpers call the app directly, waiting for its `waitUntil` work too),
 * one piece at a time.
 */
export interface Counted<T> {
  result: T;
  storage: number;
  cache: { match: number; put: number; delete: number };
  total: number;
}

type CacheMethod = "match" | "put" | "delete";

/** `work` may read the count so far (`sofar()`), to set apart calls it makes on another's behalf. */
export async function countSubrequests<T>(work: (sofar: () => number) => Promise<T>): Promise<Counted<T>> {
  const storeOrigins = [new URL(inject("faultProxy").endpoint).origin, new URL(inject("storeBindings").S3_ENDPOINT).origin];
  const counted: Counted<undefined> = { result: undefined, storage: 0, cache: { match: 0, put: 0, delete: 0 }, total: 0 };
  const originalFetch = globalThis.fetch;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (storeOrigins.some((origin) => url.startsWith(origin))) counted.storage += 1;
    return originalFetch(input, init);
  }) as typeof fetch;
  const cache = caches.default;
  const methods: CacheMethod[] = ["match", "put", "delete"];
  for (const method of methods) {
    const original = cache[method].bind(cache) as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(cache, method, {
      configurable: true,
      value: (...args: unknown[]) => {
        counted.cache[method] += 1;
        return original(...args);
      },
    });
  }
  try {
    const sofar = () => counted.storage + counted.cache.match + counted.cache.put + counted.cache.delete;
    const result = await work(sofar);
    const total = sofar();
    return { result, storage: counted.storage, cache: { ...counted.cache }, total };
  } finally {
    globalThis.fetch = originalFetch;
    for (const method of methods) delete (cache as unknown as Record<string, unknown>)[method];
  }
}
