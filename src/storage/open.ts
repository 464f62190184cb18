import { SERVICE_CALLS, SubrequestBudget, type Metered } from "../platform/budget";
import type { Config } from "../platform/config";
import type { PhaseRecorder } from "../platform/metrics";
import { R2Storage } from "./r2/r2-storage";
import { S3Storage } from "./s3/s3-storage";
import type { Storage } from "./storage";

/**
 * The one place that knows the two ways to storage: the configuration (parsed once per isolate)
 * says which, and everything else gets a `Storage`.
 */

/** A request's (or a sweep run's) storage, counting its calls in `budget`. */
export function openStorage(config: Config, budget: SubrequestBudget, recorder?: PhaseRecorder): Storage {
  const { store } = config;
  return store.kind === "r2" ? new R2Storage(store.bucket, config.storageTimeoutMs, recorder, budget) : new S3Storage(store.s3, config.storageTimeoutMs, recorder, budget);
}

/** Which of a request's calls count against SUBREQUEST_LIMIT with this configuration (budget.ts). Pure. */
export function meteredCalls(config: Config): Metered {
  return config.store.kind === "r2" ? "cache" : "all";
}

/** A request's budget: through the binding, storage calls are held to the services limit instead. */
export function requestBudget(config: Config): SubrequestBudget {
  return new SubrequestBudget(config.subrequestLimit, config.store.kind === "r2" ? SERVICE_CALLS : undefined);
}
