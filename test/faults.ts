import { inject } from "vitest";
import type { FaultMode } from "./fault-mode";
import { withBindings } from "./helpers";

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

/** The Worker pointed at the store through the proxy, with a short storage timeout. */
export function viaProxy(path: string, init: RequestInit = {}, overrides: Partial<Record<keyof Env, string>> = {}): Promise<Response> {
  // A Request built here (not sent over HTTP) has no Content-Length header of its own.
  if (typeof init.body === "string" || init.body instanceof Uint8Array) {
    const headers = new Headers(init.headers);
    const length = typeof init.body === "string" ? new TextEncoder().encode(init.body).byteLength : init.body.byteLength;
    if (!headers.has("content-length")) headers.set("content-length", String(length));
    init = { ...init, headers };
  }
  return withBindings({ S3_ENDPOINT: inject("faultProxy").endpoint, STORAGE_TIMEOUT_MS: "400", ...overrides }, path, init);
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
