import { ApiError } from "../../http/errors";
import { TOMBSTONE_HEADER, type ItemMeta } from "../../items/item";
import { SubrequestBudget } from "../../platform/budget";
import type { PhaseRecorder } from "../../platform/metrics";
import { waitBeforeRetry } from "../../platform/backoff";
import { IDEMPOTENT_ATTEMPTS, RETRY_BACKOFF, storageAnswerError, storageTimeoutError, storageUnavailableError } from "../failures";
import { frameValue } from "../framing";
import { emptyValueOf, readOneVersion } from "../empty-read";
import { checkMetadata, itemMetadata, NONCE_BYTES, quoteEtag, type StoredHead, type StoredObject } from "../object-format";
import { MAX_KEYS_PER_CALL, type DeleteEntry, type DeleteManyResult, type ListOptions, type ListPage, type Storage, type ValueSource, type WriteCondition, type WriteResult } from "../storage";
import { firstBytes } from "../streams";
import { customMetadataOf, headOfR2Object, onlyIfHeaders } from "./r2-format";
import { bindingFailureOf, isRetryableBindingFailure, type BindingFailure } from "./r2-failures";

/** The binding's refusal of a range that starts at the object's end (its message names the range). */
function isUnsatisfiableRange(err: unknown): boolean {
  return err instanceof Error && /range/i.test(err.message);
}

/**
 * Storage through an R2 binding (`[[r2_buckets]] binding = "STORE"`): no signing, no URL, the same
 * object format as the S3 way (r2-format.ts). Where the binding lacks what the S3 way uses:
 * - no copy: a new expiry re-sends the value inside R2 (a GET and a conditional PUT, `replaceMeta`);
 * - no conditional delete: a version is deleted by a conditional overwrite with a tombstone (as on
 *   every store), and `delete`/`deleteMany` delete whatever version is there (as on stores without
 *   conditional DeleteObject: the sweep reads an object just before, docs/namespaces.md).
 * Its calls count against the limit on calls to Cloudflare services, not subrequests (budget.ts).
 */
export class R2Storage implements Storage {
  private readonly deadline: number;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly timeoutMs: number,
    /** Told how long each call waited for storage's answer (the request's Server-Timing). */
    private readonly recorder?: PhaseRecorder,
    /** The request's calls: every binding call is counted in it (src/platform/budget.ts). */
    readonly budget: SubrequestBudget = SubrequestBudget.unbounded(),
  ) {
    this.deadline = Date.now() + 2 * timeoutMs;
  }

  /** One dialect: the binding's conditions are R2's own. */
  dialectUnknown(): boolean {
    return false;
  }

  /** One `delete` call takes up to 1,000 keys. */
  mayDeleteOneByOne(): boolean {
    return false;
  }

  async head(key: string): Promise<StoredHead | null> {
    const object = await this.call("HEAD", () => this.bucket.head(key));
    return object && headOfR2Object(object);
  }

  async get(key: string): Promise<StoredObject | null> {
    return readOneVersion(async () => {
      const read = await this.valueOf(key);
      if (!read) return null;
      // Nothing after the nonce: an empty value (or a tombstone), read by a HEAD as on the S3 way,
      // if the HEAD still describes one (empty-read.ts).
      if (read === "empty") return emptyValueOf(await this.head(key));
      return { ...headOfR2Object(read), body: read.body };
    });
  }

  async put(key: string, value: ValueSource, meta: ItemMeta, condition: WriteCondition): Promise<WriteResult> {
    return this.write(key, value, meta, {}, condition);
  }

  /** No copy on the binding: the value is read and written back behind a new nonce, only at version `etag`. */
  async replaceMeta(key: string, etag: string, meta: ItemMeta): Promise<WriteResult> {
    const current = await this.valueOf(key, etag);
    if (!current) return { ok: false, reason: "precondition_failed" };
    if (current === "empty") return this.put(key, new Uint8Array(0), meta, { kind: "match", etag });
    return this.put(key, { stream: current.body, length: Math.max(0, current.size - NONCE_BYTES) }, meta, { kind: "match", etag });
  }

  /**
   * The value after the nonce (a ranged read), only at version `etag` when given: null when absent
   * or another version, "empty" when nothing follows the nonce (the binding refuses that range).
   */
  private async valueOf(key: string, etag?: string): Promise<R2ObjectBody | "empty" | null> {
    const options: R2GetOptions = { range: { offset: NONCE_BYTES }, ...(etag ? { onlyIf: onlyIfHeaders({ kind: "match", etag }) } : {}) };
    const read = await this.call("GET", () => this.bucket.get(key, options).catch((err: unknown) => (isUnsatisfiableRange(err) ? ("empty" as const) : Promise.reject(err))));
    // With a failed condition the binding answers the object without its body.
    return read === null || read === "empty" || "body" in read ? read : null;
  }

  async tombstone(key: string, etag: string): Promise<WriteResult> {
    // As on the S3 way: 0 bytes (shorter than any value's object), expired, marked.
    return this.write(key, new Uint8Array(0), { contentType: "application/octet-stream", expiresAt: 1 }, { [TOMBSTONE_HEADER]: "1" }, { kind: "match", etag }, { framed: false });
  }

  /** The binding has no conditional delete: `ifMatch` is not honoured (the object is deleted). */
  async delete(key: string, _ifMatch?: string): Promise<boolean> {
    await this.call("DELETE", () => this.bucket.delete(key));
    return true;
  }

  async list(options: ListOptions): Promise<ListPage> {
    const limit = Math.max(1, Math.min(MAX_KEYS_PER_CALL, Math.floor(options.maxKeys)));
    const listed = await this.call("LIST", () => this.bucket.list({ prefix: options.prefix, limit, ...(options.startAfter ? { startAfter: options.startAfter } : {}) }));
    return {
      objects: listed.objects.map((object) => ({ key: object.key, size: object.size, lastModified: object.uploaded.getTime(), etag: quoteEtag(object.etag) })),
      truncated: listed.truncated,
    };
  }

  async deleteMany(entries: readonly DeleteEntry[]): Promise<DeleteManyResult> {
    if (entries.length === 0) return { failures: [], unsent: [], calls: 0 };
    if (entries.length > MAX_KEYS_PER_CALL) throw new Error(`deleteMany: at most ${MAX_KEYS_PER_CALL} keys`);
    await this.call("DELETE_MANY", () => this.bucket.delete(entries.map((entry) => entry.key)));
    return { failures: [], unsent: [], calls: 1 };
  }

  async ping(key: string): Promise<void> {
    await this.call("HEAD", () => this.bucket.head(key), { idempotent: false });
  }

  /**
   * A conditional write of a framed value (`framed: false`: the bytes as they are, for a tombstone).
   * The binding answers null when the condition fails. When the call fails, the object's first
   * bytes tell whether it landed all the same: they are this write's nonce only if it did.
   */
  private async write(
    key: string,
    value: ValueSource,
    meta: ItemMeta,
    extraMetadata: Record<string, string>,
    condition: WriteCondition,
    options: { framed: boolean } = { framed: true },
  ): Promise<WriteResult> {
    const metadataHeaders = { ...itemMetadata(meta), ...extraMetadata };
    checkMetadata(metadataHeaders);
    const onlyIf = onlyIfHeaders(condition);
    const framed = options.framed ? frameValue(value) : null;
    const body = framed ? framed.body : (value as Uint8Array);
    const putOptions: R2PutOptions = { httpMetadata: { contentType: meta.contentType }, customMetadata: customMetadataOf(metadataHeaders), ...(onlyIf ? { onlyIf } : {}) };
    this.budget.take("storage");
    let written: R2Object | null;
    try {
      written = await this.attempt("PUT", () => this.bucket.put(key, body, putOptions), framed?.uploadDone);
    } catch (err) {
      // As over S3: a conflict is sent again; otherwise the write may have landed all the same.
      const failure = err instanceof ApiError ? null : bindingFailureOf(err);
      if (failure?.kind === "conflict") return { ok: false, reason: "conflict" };
      if (!framed) throw failure ? bindingFailureError("PUT", failure) : err;
      const landed = await this.landed(key, framed.nonce).catch(() => null);
      if (landed) return { ok: true, etag: landed };
      // R2 answered with an error and the write is known not stored: a value in memory may be sent again.
      if (failure?.kind === "error" && landed === false && value instanceof Uint8Array) return { ok: false, reason: "lost" };
      throw failure ? bindingFailureError("PUT", failure) : err;
    }
    if (written === null) return { ok: false, reason: "precondition_failed" };
    return { ok: true, etag: quoteEtag(written.etag) };
  }

  /** The ETag of the object at `key` when it starts with `nonce` (this write landed); false when not. */
  private async landed(key: string, nonce: Uint8Array): Promise<string | false> {
    const object = await this.call("GET", () => this.bucket.get(key, { range: { offset: 0, length: NONCE_BYTES } }));
    if (!object) return false;
    const stored = await firstBytes(object.body, NONCE_BYTES);
    return stored.byteLength === NONCE_BYTES && stored.every((byte, i) => byte === nonce[i]) ? quoteEtag(object.etag) : false;
  }

  /**
   * One binding call: counted, timed, bounded by STORAGE_TIMEOUT_MS (and the request's 2× in all),
   * tried once more after a transient failure when idempotent (as over S3, out of retries the budget
   * allows); a failure is the API's 502/503/504, never the binding's message.
   */
  private async call<T>(operation: string, work: () => Promise<T>, options: { idempotent: boolean } = { idempotent: true }): Promise<T> {
    const attempts = options.idempotent ? IDEMPOTENT_ATTEMPTS : 1;
    this.budget.take("storage");
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(operation, work);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        const failure = bindingFailureOf(err);
        if (attempt < attempts && isRetryableBindingFailure(failure) && this.deadline - Date.now() > 0 && this.budget.tryTakeRetry("storage")) {
          await waitBeforeRetry(attempt, RETRY_BACKOFF);
          continue;
        }
        throw bindingFailureError(operation, failure);
      }
    }
  }

  /** One try of a call, already counted: timed and bounded; throws the binding's own error, or the 504. */
  private async attempt<T>(operation: string, work: () => Promise<T>, uploadDone?: Promise<unknown>): Promise<T> {
    const timeLeft = Math.min(this.timeoutMs, this.deadline - Date.now());
    if (timeLeft <= 0) throw storageTimeoutError(operation, this.timeoutMs);
    let timer: number | null = null;
    const timeout = new Promise<never>((_, reject) => {
      const arm = () => {
        timer = setTimeout(() => reject(storageTimeoutError(operation, this.timeoutMs)), timeLeft);
      };
      if (uploadDone) uploadDone.then(arm, arm);
      else arm();
    });
    timeout.catch(() => undefined);
    const started = Date.now();
    try {
      return await Promise.race([work(), timeout]);
    } catch (err) {
      if (!(err instanceof ApiError)) console.warn(JSON.stringify({ level: "warn", storage: operation, binding: "R2", error: err instanceof Error ? err.message.slice(0, 200) : "unknown" }));
      throw err;
    } finally {
      clearTimeout(timer);
      this.recorder?.record("storage", Date.now() - started);
    }
  }
}

/** The API's error for a binding call that failed for good. */
function bindingFailureError(operation: string, failure: BindingFailure): ApiError {
  return failure.kind === "unreachable" ? storageUnavailableError(operation) : storageAnswerError(operation, failure.kind === "error" ? failure.status : 429, `R2 ${failure.code}`);
}
