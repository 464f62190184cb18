// cloudcached: a typed client for CloudCached's HTTP API (see docs/client.md).
export { CloudCached, quoteEtag, DEFAULT_PUT_TTL } from "./client.js";
export type {
  CacheStatus,
  CallOptions,
  CloudCachedOptions,
  CounterOptions,
  DeleteOptions,
  EntryOptions,
  GetManyOptions,
  Health,
  Item,
  ItemInfo,
  ItemMeta,
  KeyInfo,
  KeyPage,
  LeasedItem,
  LeaseReadOptions,
  ServerStats,
  StatsWindow,
  ListOptions,
  ManyEntry,
  ManyOptions,
  MintedToken,
  NamespaceListOptions,
  NamespacePage,
  PutOptions,
  ReadOptions,
  Scope,
  StreamedItem,
  TokenCapabilities,
  TokenRequest,
  Touched,
  WriteOptions,
  WriteResult,
} from "./client.js";
export type { BatchAnswer, BatchGetEntry, BatchRequest, BatchSetEntry } from "./batch.js";
export type { CachedValue, JsonValue, Storable } from "./codec.js";
export type { LeaseState } from "./get-or-set-plan.js";
export type { Factory, GetOrSetDefaults, GetOrSetOptions, GetOrSetStats, WaitUntil } from "./get-or-set.js";
export { CloudCachedError, PartialFailureError } from "./errors.js";
export type { ApiErrorCode, ErrorCode } from "./errors.js";
export type { FetchLike, ResponseLike } from "./transport.js";
