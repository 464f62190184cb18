/**
 * How a store reads the conditional headers this Worker sends. S3-compatible stores differ here in
 * ways that break atomicity silently, so the Worker does not assume: it learns the dialect once per
 * isolate and store, with a probe on a scratch object (see `Storage.probeDialect`).
 *
 * Measured (docs/resilience.md):
 * - AWS S3, R2, MinIO and Miniflare's local R2 endpoint take a quoted ETag in `If-Match`, as RFC 9110
 *   writes it. Ceph RGW 16 (and DigitalOcean Spaces, which runs on it) match `If-Match` on a PUT only
 *   against the BARE ETag: a quoted one always answers 412, even when it names the current version.
 * - Ceph RGW 16 ignores `x-amz-copy-source-if-match` (and every other copy-source condition) when an
 *   object is copied onto itself, and keeps its ETag: a conditional metadata rewrite is not atomic
 *   there, so it must be done as a conditional PUT of the value instead.
 */
export interface StoreDialect {
  /** How `If-Match` must carry an ETag on a PUT. */
  ifMatch: "quoted" | "bare";
  /** Whether CopyObject onto itself honours `x-amz-copy-source-if-match`. */
  copyIfMatch: boolean;
}

/** What the RFC and AWS S3 do: the dialect assumed until a probe says otherwise. */
export const STANDARD_DIALECT: StoreDialect = { ifMatch: "quoted", copyIfMatch: true };

/** The `If-Match` value for a quoted ETag, in the store's dialect. Pure. */
export function ifMatchValue(etag: string, dialect: StoreDialect): string {
  if (etag === "*") return etag;
  const bare = etag.replace(/^W\//, "").replace(/^"|"$/g, "");
  return dialect.ifMatch === "bare" ? bare : `"${bare}"`;
}

/** What the probe saw; each status is that of one request on the scratch object. */
export interface ProbeAnswers {
  /** PUT with `If-Match: "<its current ETag>"`. */
  quotedIfMatch: number;
  /** PUT with `If-Match: <its current ETag>` (bare), only sent when the quoted one failed. */
  bareIfMatch?: number;
  /** CopyObject onto itself with `x-amz-copy-source-if-match` naming an ETag it does not have. */
  wrongCopyIfMatch: number;
}

/** The dialect the probe's answers show. Pure. */
export function dialectFromProbe(answers: ProbeAnswers): StoreDialect {
  const ok = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;
  // A store that refuses both forms does not do conditional PUTs at all: the RFC form is kept, and
  // every compare-and-swap will fail safely (412) rather than succeed wrongly.
  const ifMatch = !ok(answers.quotedIfMatch) && ok(answers.bareIfMatch) ? "bare" : "quoted";
  // A copy that succeeded against a wrong ETag proves the condition is ignored.
  const copyIfMatch = !ok(answers.wrongCopyIfMatch);
  return { ifMatch, copyIfMatch };
}

/**
 * What a refused conditional PUT means. 412 is the standard answer; AWS answers `404 NoSuchKey` to
 * an `If-Match` on a missing key, where RGW and R2 answer 412; 409 ConditionalRequestConflict (AWS,
 * two conditional writes racing) is worth another try. Anything else is not a precondition. Pure.
 */
export function conditionalPutOutcome(status: number, code: string | undefined, hasIfMatch: boolean): "precondition_failed" | "conflict" | null {
  if (status === 412) return "precondition_failed";
  if (status === 404 && hasIfMatch && (code === undefined || code === "NoSuchKey")) return "precondition_failed";
  if (status === 409 && (code === "ConditionalRequestConflict" || code === "OperationAborted")) return "conflict";
  return null;
}
