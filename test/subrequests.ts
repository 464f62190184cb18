import { expect, inject } from "vitest";
import { SERVICE_CALLS } from "../src/platform/budget";
import { bindingFaults } from "./binding-faults";
import { throughBinding } from "./store";

/**
 * Counts the subrequests a piece of work really makes, as Cloudflare would: every `fetch()` to the
 * store and every Cache API call (`match`, `put`, `delete` on `caches.default`), whatever code made
 * it. It watches the runtime's own entry points, not the Worker's counter (src/platform/budget.ts), so a
 * call the budget forgot to count is counted here. The work must run in this isolate (the
 * `withBindings`/`viaProxy` helpers call the app directly, waiting for its `waitUntil` work too),
 * one piece at a time. Through the R2 binding, storage calls are the calls on the wrapper the Worker
 * is given (test/binding-faults.ts), and they count against the services limit, not SUBREQUEST_LIMIT.
 */
export interface Counted<T> {
  result: T;
  storage: number;
  cache: { match: number; put: number; delete: number };
  total: number;
  /** The calls held to SUBREQUEST_LIMIT: all of them over S3, the Cache API's alone through the binding. */
  limited: number;
  /** The calls held to the services limit (SERVICE_CALLS): the binding's, none over S3. */
  services: number;
}

type CacheMethod = "match" | "put" | "delete";

/** `work` may read the count of limited calls so far (`sofar()`), to set apart calls it makes on another's behalf. */
export async function countSubrequests<T>(work: (sofar: () => number) => Promise<T>): Promise<Counted<T>> {
  const storeOrigins = [new URL(inject("faultProxy").endpoint).origin, new URL(inject("storeBindings").S3_ENDPOINT).origin];
  const counted = { storage: 0, cache: { match: 0, put: 0, delete: 0 } };
  const bindingCallsBefore = bindingFaults.callCount();
  const bindingCalls = () => bindingFaults.callCount() - bindingCallsBefore;
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
    const cacheCalls = () => counted.cache.match + counted.cache.put + counted.cache.delete;
    const limitedSofar = () => cacheCalls() + (throughBinding ? 0 : counted.storage);
    const result = await work(limitedSofar);
    const storage = counted.storage + bindingCalls();
    return { result, storage, cache: { ...counted.cache }, total: storage + cacheCalls(), limited: limitedSofar(), services: throughBinding ? bindingCalls() : 0 };
  } finally {
    globalThis.fetch = originalFetch;
    for (const method of methods) delete (cache as unknown as Record<string, unknown>)[method];
  }
}

/**
 * Holds counted work to the runtime's limits, whichever way to storage: the calls `limited` to
 * SUBREQUEST_LIMIT (`limit`), and the binding's calls to the services limit.
 */
export function expectWithinLimits(counted: Counted<unknown>, limit: number, message?: string): void {
  expect(counted.limited, message).toBeLessThanOrEqual(limit);
  expect(counted.services, message).toBeLessThanOrEqual(SERVICE_CALLS);
}
