import { inject } from "vitest";
import { CloudCached, type CloudCachedOptions, type FetchLike } from "../../src/index.js";

export const workerUrl = (): string => inject("workerUrl");
export const adminToken = (): string => inject("adminToken");

let counter = 0;
/** A namespace no other test uses. */
export function uniqueNamespace(label = "c"): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${process.pid}-${counter}`.slice(0, 64);
}

/** A client for a fresh namespace, as the admin, against the Worker the run started. */
export function adminClient(options: Partial<CloudCachedOptions> = {}): CloudCached {
  return new CloudCached({ url: workerUrl(), token: adminToken(), namespace: uniqueNamespace(), ...options });
}

/** A fetch that records each request's method and path, then sends it on unchanged. */
export function recordingFetch(): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchLike = (input, init) => {
    calls.push(`${init.method ?? "GET"} ${new URL(input).pathname}`);
    return globalThis.fetch(input, init);
  };
  return { fetch, calls };
}
