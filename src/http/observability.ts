import type { Context, MiddlewareHandler } from "hono";
import type { ErrorCode } from "./errors";
import { type AppEnv, setResponseHeader } from "./http";
import { RequestMetrics, type RequestSummary, type ServedCounts, type ServedKind } from "../platform/metrics";
import { afterThisTurn } from "../platform/after-this-turn";
import { analyticsBinding, dataPointOf, writePoint } from "../stats/analytics";
import { instanceCounters, type PendingCount } from "../stats/instance-counters";
import { tallyOf } from "../stats/outcome";

/** What Server-Timing and the log line read of a request's summary (leases and served kinds only when any). */
type Summary = Omit<RequestSummary, "leases" | "served" | "reads" | "readStorageCalls" | "changes"> & Partial<Pick<RequestSummary, "leases" | "served" | "reads">>;

/** Server-Timing's name and description of each way a read may be answered beyond HIT and MISS. */
const SERVED_TIMING: Record<ServedKind, string> = {
  staleGrace: 'stale-grace;desc="stale by grace"',
  staleError: 'stale-error;desc="stale-if-error"',
  refresh: 'refresh;desc="location copy past freshness, refreshed in the background"',
};

/**
 * The `Server-Timing` header (RFC: `name;dur=ms`), phases that did not happen left out, a mark
 * (no duration) for each way a read was answered beyond HIT and MISS, and the leases asked for. Pure.
 */
export function serverTiming(summary: Summary): string {
  const parts: string[] = [];
  if (summary.cacheCalls > 0) parts.push(`cache;desc="location cache";dur=${summary.cache}`);
  if (summary.storageCalls > 0) parts.push(`storage;desc="S3";dur=${summary.storage}`);
  for (const [kind, timing] of Object.entries(SERVED_TIMING) as [ServedKind, string][]) {
    if ((summary.served?.[kind] ?? 0) > 0) parts.push(timing);
  }
  const leases = leaseOutcomes(summary);
  if (leases) parts.push(`lease;desc="${leases}";dur=${summary.leases?.ms ?? 0}`);
  parts.push(`total;dur=${summary.total}`);
  return parts.join(", ");
}

/** The log line's `served` field: only the kinds that happened, or undefined (left out). Pure. */
function servedField(served: ServedCounts | undefined): Partial<ServedCounts> | undefined {
  if (!served) return undefined;
  const happened = Object.entries(served).filter(([, count]) => count > 0);
  return happened.length > 0 ? (Object.fromEntries(happened) as Partial<ServedCounts>) : undefined;
}

/** The leases a request asked for, in words: "won", "busy", or for a batch "won 1, busy 3"; null for none. Pure. */
export function leaseOutcomes(summary: Summary): string | null {
  const won = summary.leases?.won ?? 0;
  const busy = summary.leases?.busy ?? 0;
  if (won + busy === 0) return null;
  if (won + busy === 1) return won === 1 ? "won" : "busy";
  return `won ${won}, busy ${busy}`;
}

/** A request id: Cloudflare's own ray id when there is one (it ties our log to Cloudflare's), else random. */
export function requestIdFor(cfRay: string | undefined): string {
  if (cfRay && /^[0-9a-zA-Z-]{1,64}$/.test(cfRay)) return cfRay;
  return crypto.randomUUID();
}

/** The log line of one request: what an operator needs, never a token, a key or a value. Pure. */
export function logLine(fields: {
  requestId: string;
  method: string;
  route: string;
  namespace: string | undefined;
  status: number;
  cache: string | null;
  summary: Summary;
  errorCode?: string | undefined;
}): string {
  const { summary } = fields;
  const asked = (summary.leases?.won ?? 0) + (summary.leases?.busy ?? 0) > 0;
  // One object, no spreads: JSON.stringify leaves out the fields that are undefined.
  return JSON.stringify({
    level: fields.status >= 500 ? "error" : "info",
    requestId: fields.requestId,
    method: fields.method,
    route: fields.route,
    namespace: fields.namespace || undefined,
    status: fields.status,
    cache: fields.cache || undefined,
    served: servedField(summary.served),
    error: fields.errorCode || undefined,
    ms: { total: summary.total, cache: summary.cache, storage: summary.storage },
    calls: { cache: summary.cacheCalls, storage: summary.storageCalls },
    leases: asked ? { won: summary.leases?.won, busy: summary.leases?.busy } : undefined,
  });
}

/**
 * The app's first middleware: gives the request an id and a metrics collector; on the way out sets
 * `X-Request-Id` and `Server-Timing` and writes one JSON log line.
 */
export function observability(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const metrics = new RequestMetrics(requestIdFor(c.req.header("cf-ray")));
    c.set("metrics", metrics);
    await next();
    setResponseHeader(c, "x-request-id", metrics.requestId);
    const summary = metrics.summary();
    setResponseHeader(c, "server-timing", serverTiming(summary));
    // Counting and the log line read the finished answer once it has left: nothing of theirs delays it.
    let facts: RequestFacts | undefined;
    const factsOf = () => (facts ??= requestFacts(c));
    const account = (counted: RequestSummary, nowMs: number) =>
      instanceCounters.countLater(() => {
        const { namespace } = factsOf();
        if (namespace === undefined) return undefined;
        return { namespace, tally: tallyOf({ ...factsOf(), reads: counted.reads, leases: counted.leases, changes: counted.changes, storageCalls: counted.storageCalls, readStorageCalls: counted.readStorageCalls, cacheCalls: counted.cacheCalls, ms: counted.total }) };
      }, nowMs);
    const write = (counted: RequestSummary, pending: PendingCount) => {
      const request = pending.settle();
      const { method, route, namespace, status, errorCode } = factsOf();
      console.log(logLine({ requestId: metrics.requestId, method, route, namespace, status, cache: c.res.headers.get("x-cache"), summary: counted, errorCode }));
      const analytics = request === undefined ? undefined : analyticsBinding(c.env);
      if (analytics !== undefined && request !== undefined) writePoint(analytics, dataPointOf(request.namespace, request.tally));
    };
    // An answer whose body still works (a batch's gets) is counted and logged as that work ends,
    // with all its reads, while its invocation still runs (the body is being sent); any other is
    // counted and logged once the answer has left (a stats request before that counts it first).
    const ongoing = metrics.ongoing;
    if (ongoing) {
      const done = () => {
        const counted = metrics.summary();
        write(counted, account(counted, Date.now()));
      };
      void ongoing.then(done, done);
    } else {
      const pending = account(summary, Date.now());
      afterAnswer(c, () => write(summary, pending));
    }
  };
}

/** What the log line and the stats say of a finished request. */
interface RequestFacts {
  method: string;
  route: string;
  namespace: string | undefined;
  status: number;
  errorCode: ErrorCode | undefined;
  /** The value's bytes it moved. */
  bytes: number;
}

/** Reads a finished request's facts from it and its answer. */
function requestFacts(c: Context<AppEnv>): RequestFacts {
  const { method, path, routePath } = c.req;
  // The answer's bytes on a read, the request's on a write: only that header is read.
  const bytes = bytesOf(method === "GET" || method === "HEAD" ? c.res.headers.get("content-length") : c.req.header("content-length"));
  return { method, route: routePath, namespace: NAMESPACE_IN_PATH.exec(path)?.[1], status: c.res.status, errorCode: c.get("errorCode"), bytes };
}

/** A Content-Length as bytes counted; 0 when absent or not a length. Pure. */
export function bytesOf(contentLength: string | null | undefined): number {
  const length = Number(contentLength ?? 0);
  return Number.isFinite(length) && length > 0 ? length : 0;
}

const NAMESPACE_IN_PATH = /^\/v1\/([a-z0-9][a-z0-9_-]{0,63})\//;

/**
 * Runs `write` once the answer has left (the request is kept alive for it): writing a log line
 * costs the runtime about as much as the rest of a hit's own work, and the client need not wait
 * for it. Without an execution context (a request made in-process) it runs at once.
 */
function afterAnswer(c: Context<AppEnv>, write: () => void): void {
  let executionCtx: Context<AppEnv>["executionCtx"];
  try {
    executionCtx = c.executionCtx;
  } catch {
    write();
    return;
  }
  executionCtx.waitUntil(afterThisTurn().then(write));
}
