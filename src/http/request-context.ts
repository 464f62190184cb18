import type { SubrequestBudget } from "../platform/budget";
import type { Config } from "../platform/config";
import { deploymentOf } from "../platform/deployment";
import { parseMaxStale, type MaxStale } from "../items/grace";
import { itemRef, Items, type ItemRef } from "../items/items";
import { Leases } from "../items/leases";
import { LocationCache } from "../cache/location-cache";
import { Generations } from "../cache/generation";
import { TagStates, type TagState } from "../cache/tag-state";
import type { RequestMetrics } from "../platform/metrics";
import { openStorage, requestBudget } from "../storage/open";
import type { Storage } from "../storage/storage";

/** `Cache-Control: no-cache` on the request: storage's answer is wanted, not the location's. Pure. */
export function wantsFresh(cacheControl: string | undefined): boolean {
  return cacheControl !== undefined && /\bno-cache\b/i.test(cacheControl);
}

/**
 * Everything a request works with, made once per request in one place (the app's middleware) and
 * each part only when first used: a hit never builds a storage client's budget or the verbs.
 * What outlives a request (the parsed config, the signing client, the deployment's name, the
 * known generations) is made once per isolate by the modules that own it.
 */
export class RequestContext {
  /** The deployment's name in every location-cache URL (deployment.ts). */
  readonly deployment: string;
  /** `Cache-Control: no-cache`: reads ask storage, never this location's copy alone. */
  readonly fresh: boolean;
  private storageOnce: Storage | undefined;
  private cacheOnce: LocationCache | undefined;
  private generationsOnce: Generations | undefined;
  private itemsOnce: Items | undefined;
  private tagStatesOnce: TagStates | undefined;
  private tagStatesOfOnce: ((namespace: string, tags: readonly string[]) => Promise<TagState[]>) | undefined;
  private maxStaleOnce: { value: MaxStale } | undefined;
  private leasesOnce: Leases | undefined;
  /** The request's subrequests: every storage and Cache API call is counted in it, up to SUBREQUEST_LIMIT. */
  readonly budget: SubrequestBudget;

  constructor(
    readonly config: Config,
    readonly metrics: RequestMetrics,
    private readonly executionCtx: Pick<ExecutionContext, "waitUntil">,
    private readonly cacheControl: string | undefined,
    /** The location's cache: `caches.default` in production. */
    private readonly rawCache: Cache = caches.default,
  ) {
    this.deployment = deploymentOf(config);
    this.budget = requestBudget(config);
    this.fresh = wantsFresh(cacheControl);
  }

  /**
   * `Cache-Control: max-stale[=N]` on the request: reads may be given a stale value (grace.ts).
   * Read only by the routes that read items, so a malformed one is a 400 there and nowhere else.
   */
  get maxStale(): MaxStale {
    this.maxStaleOnce ??= { value: parseMaxStale(this.cacheControl) };
    return this.maxStaleOnce.value;
  }

  /** Work that must not delay the answer (refills, lazy deletes), kept alive after it. */
  readonly waitUntil = (promise: Promise<unknown>): void => this.executionCtx.waitUntil(promise);

  /** The request's storage, holding its budget (2 × STORAGE_TIMEOUT_MS from its first call). */
  get storage(): Storage {
    this.storageOnce ??= openStorage(this.config, this.budget, this.metrics);
    return this.storageOnce;
  }

  get cache(): LocationCache {
    this.cacheOnce ??= new LocationCache(this.rawCache, this.metrics, this.budget);
    return this.cacheOnce;
  }

  get generations(): Generations {
    this.generationsOnce ??= new Generations(this.storage, this.deployment, this.config.prefix, this.rawCache, this.config.edgeTtl, this.waitUntil, this.metrics);
    return this.generationsOnce;
  }

  /** The states of tags (tag-state.ts): confirmed like the generation, shared by the request's reads. */
  get tagStates(): TagStates {
    this.tagStatesOnce ??= new TagStates(this.storage, this.deployment, this.config.prefix, this.rawCache, this.config.edgeTtl, this.waitUntil, this.metrics);
    return this.tagStatesOnce;
  }

  /** The states of an item's tags as this request confirms them (`no-cache`: from storage); made at first use, as the rest. */
  get tagStatesOf(): (namespace: string, tags: readonly string[]) => Promise<TagState[]> {
    this.tagStatesOfOnce ??= (namespace, tags) => this.tagStates.states(namespace, tags, this.fresh);
    return this.tagStatesOfOnce;
  }

  get items(): Items {
    this.itemsOnce ??= new Items(this.storage, this.cache, this.waitUntil, this.tagStatesOf, this.metrics);
    return this.itemsOnce;
  }

  get leases(): Leases {
    this.leasesOnce ??= new Leases(this.storage);
    return this.leasesOnce;
  }

  /** Where an item of `namespace` lives at `generation`: its object key and its location-cache URL. */
  ref(namespace: string, generation: number, key: string): ItemRef {
    return itemRef(this.config.prefix, this.deployment, namespace, generation, key);
  }
}
