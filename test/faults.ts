import { inject } from "vitest";
import { bindingFaults, faultyStore } from "./binding-faults";
import type { FaultMode } from "./fault-mode";
import { withBindings } from "./helpers";
import { throughBinding } from "./store";

export type { FaultMode };

/** The fault proxy between the Worker and the store (test/node/fault-proxy.ts), from inside workerd. */
export const proxy = {
  settings: () => inject("faultProxy"),

  /** Makes the next `count` requests whose path contains `path` (and of `method`, if given) fail as `mode`. */
  async fault(rule: { mode: FaultMode; path: string; count?: number; method?: string; delayMs?: number }): Promise<void> {
    const response = await fetch(`${inject("faultProxy").control}/__fault`, { method: "POST", body: JSON.stringify(rule) });
    if (!response.ok) throw new Error(`fault proxy refused the rule: ${await response.text()}`);
    await response.body?.cancel();
  },

  async clear(path: string): Promise<void> {
    const response = await fetch(`${inject("faultProxy").control}/__clear`, { method: "POST", body: JSON.stringify({ path }) });
    await response.body?.cancel();
  },

  /** The storage requests the proxy saw whose path contains `path`. */
  async requests(path: string): Promise<{ method: string; path: string; fault: FaultMode | null }[]> {
    const response = await fetch(`${inject("faultProxy").control}/__requests?path=${encodeURIComponent(path)}`);
    return (await response.json()) as { method: string; path: string; fault: FaultMode | null }[];
  },
};

export interface FaultRule {
  mode: FaultMode;
  /** A substring of the storage path (`/`, the bucket over S3, then the object key). */
  path: string;
  count?: number;
  method?: string;
  delayMs?: number;
}

/**
 * Storage failures injected whichever way the suite reaches storage: over the S3 API, the fault
 * proxy in front of the store; through the R2 binding, a wrapper around `STORE` in this isolate
 * (test/binding-faults.ts). The one place a test's faults are given their mechanism.
 */
export const faults = {
  async fault(rule: FaultRule): Promise<void> {
    if (throughBinding) bindingFaults.fault(rule);
    else await proxy.fault(rule);
  },

  async clear(path: string): Promise<void> {
    if (throughBinding) bindingFaults.clear(path);
    else await proxy.clear(path);
  },

  /** The storage calls made through the faults whose path contains `path`, named as HTTP requests. */
  async requests(path: string): Promise<{ method: string; path: string; fault: FaultMode | null }[]> {
    return throughBinding ? bindingFaults.requests(path) : proxy.requests(path);
  },

  /** The bindings that send the Worker's storage calls through the faults. */
  store(): Partial<Env> {
    return throughBinding ? { STORE: faultyStore } : { S3_ENDPOINT: inject("faultProxy").endpoint };
  },
};

export interface StorageCall {
  method: string;
  /** `/`, the bucket over S3, then the object key (decoded). */
  path: string;
}

/**
 * Runs `around` about every later storage call of this isolate's Worker, whichever way it reaches
 * storage (over S3, this isolate's `fetch`; through the binding, the wrapper the Worker is given):
 * to watch calls or hold one back, never to answer one. Answers the function that undoes it.
 */
export function aroundStorageCalls(around: (call: StorageCall, forward: () => Promise<unknown>) => Promise<unknown>): () => void {
  if (throughBinding) return bindingFaults.intercept(around);
  const next = globalThis.fetch;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const call = { method: request.method, path: decodeURIComponent(new URL(request.url).pathname) };
    return around(call, () => next(request)) as Promise<Response>;
  }) as typeof fetch;
  return () => {
    globalThis.fetch = next;
  };
}

/** The Worker with its storage calls sent through the faults, and a short storage timeout. */
export function viaFaults(path: string, init: RequestInit = {}, overrides: Partial<Record<keyof Env, unknown>> = {}): Promise<Response> {
  return withBindings({ ...faults.store(), STORAGE_TIMEOUT_MS: "400", ...overrides }, path, init);
}

/**
 * Makes the store refuse DeleteObjects, as some stores do, by wrapping this isolate's `fetch`
 * (calls go on through whatever wrapped it before); the caller restores `globalThis.fetch`.
 */
export function refuseDeleteObjects(status = 501, code = "NotImplemented"): { refused: number } {
  const seen = { refused: 0 };
  const next = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.method === "POST" && new URL(request.url).searchParams.has("delete")) {
      seen.refused += 1;
      return new Response(`<?xml version="1.0"?><Error><Code>${code}</Code></Error>`, { status, headers: { "content-type": "application/xml" } });
    }
    return next(request);
  }) as typeof fetch;
  return seen;
}
