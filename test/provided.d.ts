// What test/global-setup.ts (Node) hands to the tests in the Workers runtime, via vitest's provide/inject.

/** Settings handed to the Worker under test (see vitest.config.ts). */
export interface StoreBindings {
  S3_ENDPOINT: string;
  S3_BUCKET: string;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_PREFIX: string;
  /** Which store the suite runs against, for the report. */
  STORE_KIND: string;
}

/** Endpoints that fail in known ways, for the tests of storage failures (502/503/504). */
export interface BrokenEndpoints {
  /** Accepts connections and never answers. */
  hanging: string;
  /** Nothing listens there. */
  closed: string;
}

/** The fault proxy in front of the test store (test/node/fault-proxy-setup.ts, test/faults.ts). */
export interface FaultProxySettings {
  /** The proxy's control API origin. */
  control: string;
  /** An S3_ENDPOINT that reaches the test store through the proxy. */
  endpoint: string;
}

declare module "vitest" {
  interface ProvidedContext {
    storeBindings: StoreBindings;
    brokenEndpoints: BrokenEndpoints;
    faultProxy: FaultProxySettings;
  }
}
