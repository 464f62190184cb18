import { inject } from "vitest";
import { CloudCached, type CloudCachedOptions } from "../../src/index.js";

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
