import type { TestProject } from "vitest/node";
import { startFaultProxy } from "./fault-proxy";

/**
 * Starts the fault proxy in front of whatever store the suite runs against (global-setup.ts runs
 * first and provides it), so the fault tests work on the embedded store and on Ceph RGW alike.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const store = project.getProvidedContext().storeBindings;
  const endpoint = new URL(store.S3_ENDPOINT);
  const proxy = await startFaultProxy(endpoint.origin);
  project.provide("faultProxy", { control: proxy.origin, endpoint: `${proxy.origin}${endpoint.pathname.replace(/\/+$/, "")}` });
  return () => proxy.stop();
}
