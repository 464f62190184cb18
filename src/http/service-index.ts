import { version } from "../../package.json";
import { indexLimits } from "../platform/budget";
import { meteredCalls } from "../storage/open";
import type { Config } from "../platform/config";

/** What `GET /` and `GET /v1` answer: what this service is and where its description lives. */
export interface ServiceIndex {
  name: string;
  description: string;
  version: string;
  links: { api: string; openapi: string; health: string };
  /**
   * What one request may do here: its subrequests (SUBREQUEST_LIMIT), the batch size that fits them,
   * and how many of a batch's gets may ask for a lease.
   */
  limits: { subrequestsPerRequest: number; batchKeys: number; batchLeaseKeys: number };
  docs: string;
}

/**
 * The index, from this deployment's settings (nothing secret: it is public, like /healthz).
 * Its argument is there for fields that depend on the deployment.
 */
export function buildIndex(config: Config): ServiceIndex {
  return {
    name: "CloudCached",
    description: "A memcached-style cache over HTTP: a Cloudflare Worker over an S3-compatible bucket.",
    version,
    links: { api: "/v1", openapi: "/v1/openapi.json", health: "/healthz" },
    limits: indexLimits(config.subrequestLimit, meteredCalls(config)),
    docs: "The operations, their parameters and errors: /v1/openapi.json (OpenAPI 3.1); the guide: docs/API.md in CloudCached's source.",
  };
}
