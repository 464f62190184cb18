import type { S3Settings } from "../../platform/config";
import { ApiError } from "../../http/errors";
import { encodeExpiry, TOMBSTONE_HEADER, type ItemMeta } from "../../items/item";
import type { PhaseRecorder } from "../../platform/metrics";
import { conditionalPutOutcome, conditionHeaders, ifMatchValue, STANDARD_DIALECT, type StoreDialect } from "./dialect";
import { storageAnswerError } from "../failures";
import { dialectFor, dialectKnown } from "./known-dialect";
import { resolveAmbiguousWrite, uploadEtag } from "./landed";
import { copySource } from "../object-key";
import { checkMetadata, itemMetadata, NONCE_BYTES, quoteEtag, readHead, type StoredHead, type StoredObject } from "../object-format";
import { concat, emptyStream, exactLength, skipBytes } from "../streams";
import { frameValue } from "../framing";
import { type CHANGED_BETWEEN_CALLS, emptyValueOf, readOneVersion } from "../empty-read";
import { PLANNED_CALLS, SubrequestBudget } from "../../platform/budget";
import { Transport } from "./transport";
import { deleteRequestXml, errorCode, isXmlSafe, parseCopyResult, parseDeleteResult, parseListResult } from "./xml";
import { MAX_KEYS_PER_CALL, type DeleteEntry, type DeleteFailure, type DeleteManyResult, type ListOptions, type ListPage, type Storage, type ValueSource, type WriteCondition, type WriteResult } from "../storage";

/**
 * Storage over the S3 API (aws4fetch): the only code that speaks S3, with the other files of this
 * folder under it. The rest of the Worker knows it only as a `Storage` (../storage.ts).
 */

/**
 * Stores that answered a DeleteObjects in this isolate, by settings object (configFor() parses the
 * bindings once per isolate): true once one worked, false once one was refused.
 */
const deletesMany = new WeakMap<S3Settings, boolean>();

/**
 * One instance serves one request: its transport holds the request's storage budget, so that no
 * request waits on storage more than twice `STORAGE_TIMEOUT_MS` in all.
 */
export class S3Storage implements Storage {
  private readonly transport: Transport;

  constructor(
    settings: S3Settings,
    timeoutMs: number,
    /** Told how long each call waited for storage's answer (the request's Server-Timing). */
    recorder?: PhaseRecorder,
    /** The request's subrequests: every call to storage is counted in it (src/platform/budget.ts). */
    readonly budget: SubrequestBudget = SubrequestBudget.unbounded(),
  ) {
    this.transport = new Transport(settings, timeoutMs, recorder, budget);
  }

  /** Whether a write conditional on a version may need a probe of the store's dialect first (its calls, planned). */
  dialectUnknown(): boolean {
    return !dialectKnown(this.transport);
  }

  /** How this store reads conditional headers: S3_DIALECT, or learned at the first write that depends on it. */
  private dialect(): Promise<StoreDialect> {
    return dialectFor(this.transport);
  }

  /** Whether `deleteMany` may need one DELETE per object: until a DeleteObjects has worked here. */
  mayDeleteOneByOne(): boolean {
    return deletesMany.get(this.transport.settings) !== true;
  }

  /** HEAD: the item's facts without its value, or null when there is no object. */
  async head(key: string): Promise<StoredHead | null> {
    const response = await this.transport.callObject("HEAD", key, { method: "HEAD" }, { idempotent: true });
    if (response.status === 404) return null;
    if (!response.ok) return this.transport.fail("HEAD", response);
    return readHead(response.headers, Number(response.headers.get("content-length") ?? "0"));
  }

  /** GET: the value as a stream (the nonce skipped by a Range request), or null when absent. */
  async get(key: string): Promise<StoredObject | null> {
    return readOneVersion(() => this.getOnce(key));
  }

  private async getOnce(key: string): Promise<StoredObject | null | typeof CHANGED_BETWEEN_CALLS> {
    const response = await this.transport.callObject("GET", key, { headers: { range: `bytes=${NONCE_BYTES}-` } }, { idempotent: true });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (response.status === 416) {
      // Nothing after the nonce: an empty value (or a foreign object shorter than a nonce), if the
      // HEAD still describes one (empty-read.ts).
      await response.body?.cancel();
      return emptyValueOf(await this.head(key));
    }
    if (response.status === 206) {
      const total = /\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1];
      const size = total === undefined ? Number(response.headers.get("content-length") ?? "0") + NONCE_BYTES : Number(total);
      const head = readHead(response.headers, size);
      // A body cut short must fail, not end early (see streams.ts).
      return { ...head, body: (response.body ?? emptyStream()).pipeThrough(exactLength(head.size)) };
    }
    if (response.status === 200) {
      // A store that ignores Range sends the whole object: skip the nonce here instead.
      const size = Number(response.headers.get("content-length") ?? "0");
      const head = readHead(response.headers, size);
      return { ...head, body: (response.body ?? emptyStream()).pipeThrough(skipBytes(NONCE_BYTES)).pipeThrough(exactLength(head.size)) };
    }
    return this.transport.fail("GET", response);
  }

  /** PUT with the item's metadata, optionally conditional. A 2xx means storage has it. */
  async put(
    key: string,
    value: ValueSource,
    meta: ItemMeta,
    condition: WriteCondition,
  ): Promise<WriteResult> {
    const dialect = condition.kind === "match" ? await this.dialect() : STANDARD_DIALECT;
    const headers: Record<string, string> = {
      "content-type": meta.contentType,
      ...itemMetadata(meta),
      ...conditionHeaders(condition, dialect),
    };
    checkMetadata(headers);
    const { nonce, body, uploadDone } = frameValue(value);
    // What tells this write apart if it landed (landed.ts): the ETag of the bytes in memory; for a
    // streamed value, its nonce — hashing the stream on its way out would pass every chunk through
    // JavaScript (measured: 159 MiB of growth for 256 MiB streamed, against under 2 MiB piped).
    const ourEtag = async (): Promise<string | Uint8Array> => (value instanceof Uint8Array ? uploadEtag(concat(nonce, value)) : nonce);
    let response: Response;
    try {
      response = await this.transport.callObject("PUT", key, { method: "PUT", headers, body }, { idempotent: false, ...(uploadDone ? { uploadDone } : {}) });
    } catch (err) {
      // The connection dropped or the answer was late: the write may be stored all the same.
      if (err instanceof ApiError && (err.code === "storage_unavailable" || err.code === "storage_timeout")) {
        const outcome = await resolveAmbiguousWrite(this.transport, key, await ourEtag()).catch(() => null);
        if (outcome?.landed) return { ok: true, etag: outcome.etag };
      }
      throw err;
    }
    if (response.status >= 500) {
      const code = await this.transport.errorCodeOf(response);
      const outcome = await resolveAmbiguousWrite(this.transport, key, await ourEtag()).catch(() => null);
      console.warn(JSON.stringify({ level: "warn", storage: "PUT", status: response.status, code, resolved: outcome ? (outcome.landed ? "landed" : "lost") : "unknown" }));
      if (outcome?.landed) return { ok: true, etag: outcome.etag };
      // Not stored: sending it again cannot write twice (Ceph RGW answers racing conditional PUTs so).
      if (outcome && value instanceof Uint8Array) return { ok: false, reason: "lost" };
      throw storageAnswerError("PUT", response.status, code);
    }
    if (response.status === 412 || response.status === 409 || response.status === 429 || (response.status === 404 && condition.kind === "match")) {
      // 412, or AWS's 404 for If-Match on a missing key; 409 ConditionalRequestConflict or 429 (one key written too often): try again.
      const code = await this.transport.errorCodeOf(response);
      const outcome = conditionalPutOutcome(response.status, code, condition.kind === "match");
      if (outcome) return { ok: false, reason: outcome };
      throw storageAnswerError("PUT", response.status, code);
    }
    if (!response.ok) return this.transport.fail("PUT", response);
    await response.body?.cancel();
    const etag = response.headers.get("etag");
    if (!etag) throw new ApiError("storage_error", "storage accepted the PUT but gave no ETag");
    return { ok: true, etag: quoteEtag(etag) };
  }

  /**
   * Rewrites an object's metadata in place (CopyObject onto itself), only if it is still the
   * version `etag`: the value is not sent again.
   */
  async replaceMeta(key: string, etag: string, meta: ItemMeta): Promise<WriteResult> {
    if (!(await this.dialect()).copyIfMatch) return this.rewrite(key, etag, meta);
    const headers: Record<string, string> = {
      "x-amz-copy-source": copySource(this.transport.settings.bucket, key),
      "x-amz-copy-source-if-match": etag,
      "x-amz-metadata-directive": "REPLACE",
      "content-type": meta.contentType,
      ...itemMetadata(meta),
    };
    checkMetadata(headers);
    const response = await this.transport.callObject("COPY", key, { method: "PUT", headers }, { idempotent: false });
    const text = await response.text();
    // A missing source is 404 on most stores; a failed copy-source condition is 412.
    if (response.status === 412 || response.status === 404) return { ok: false, reason: "precondition_failed" };
    if (!response.ok) {
      const code = errorCode(text);
      if (response.status === 409 && code === "ConditionalRequestConflict") return { ok: false, reason: "conflict" };
      throw storageAnswerError("COPY", response.status, code);
    }
    const copied = parseCopyResult(text);
    if (!copied.ok) throw storageAnswerError("COPY", 200, copied.code);
    return { ok: true, etag: copied.etag ? quoteEtag(copied.etag) : etag };
  }

  /**
   * A metadata rewrite for stores whose copy ignores its condition (Ceph RGW): the value is read
   * and streamed back in a PUT conditional on the same version, so the rewrite stays atomic.
   */
  private async rewrite(key: string, etag: string, meta: ItemMeta): Promise<WriteResult> {
    const current = await this.get(key);
    if (!current || current.etag !== etag) {
      await current?.body.cancel();
      return { ok: false, reason: "precondition_failed" };
    }
    // Through a JavaScript TransformStream: workerd cannot pipe one native transform stream (the
    // GET's exact-length body) straight into another (the PUT's FixedLengthStream).
    const relay = current.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>());
    return this.put(key, { stream: relay, length: current.size }, meta, { kind: "match", etag });
  }

  /**
   * Empties an object and marks it expired, only if it is still the version `etag`. This is how a
   * version is deleted without a race: a conditional DELETE is not honoured by every store (the
   * embedded one deletes regardless), a conditional PUT is.
   */
  async tombstone(key: string, etag: string): Promise<WriteResult> {
    // A tombstone is the only object shorter than a nonce (0 bytes), so a listing can tell it apart.
    // Tombstones share one ETag (the MD5 of nothing): harmless, every tombstone means "absent".
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      ...encodeExpiry(1),
      [TOMBSTONE_HEADER]: "1",
      ...conditionHeaders({ kind: "match", etag }, await this.dialect()),
    };
    const response = await this.transport.callObject("PUT", key, { method: "PUT", headers, body: new Uint8Array(0) }, { idempotent: false });
    if (response.status === 412 || response.status === 404) {
      await response.body?.cancel();
      return { ok: false, reason: "precondition_failed" };
    }
    if (response.status === 409) {
      const code = await this.transport.errorCodeOf(response);
      if (code === "ConditionalRequestConflict" || code === "OperationAborted") return { ok: false, reason: "conflict" };
      throw storageAnswerError("PUT", 409, code);
    }
    if (!response.ok) return this.transport.fail("PUT", response);
    await response.body?.cancel();
    return { ok: true, etag: quoteEtag(response.headers.get("etag") ?? "") };
  }

  /**
   * DELETE, whether or not the object exists. With `ifMatch`, a store with conditional deletes
   * (AWS S3) deletes only that version and answers false when it changed; others (Ceph RGW 16, the
   * embedded store: measured) ignore it and delete.
   */
  async delete(key: string, ifMatch?: string): Promise<boolean> {
    const init: RequestInit = ifMatch ? { method: "DELETE", headers: { "if-match": ifMatchValue(ifMatch, await this.dialect()) } } : { method: "DELETE" };
    const response = await this.transport.callObject("DELETE", key, init, { idempotent: true });
    if (response.status === 412) {
      await response.body?.cancel();
      return false;
    }
    if (response.status !== 404 && !response.ok) return this.transport.fail("DELETE", response);
    await response.body?.cancel();
    return true;
  }

  /**
   * ListObjectsV2: up to `maxKeys` objects under `prefix`, in key order, after `startAfter`.
   * (`start-after`, not continuation tokens: it is portable, and a cursor can be built from a key.)
   */
  async list(options: ListOptions): Promise<ListPage> {
    const params: Record<string, string> = {
      "list-type": "2",
      prefix: options.prefix,
      "max-keys": String(Math.max(1, Math.min(MAX_KEYS_PER_CALL, Math.floor(options.maxKeys)))),
    };
    if (options.startAfter) params["start-after"] = options.startAfter;
    const url = this.transport.bucketUrl(params);
    const response = await this.transport.call("LIST", url, { method: "GET" }, { idempotent: true });
    if (!response.ok) return this.transport.fail("LIST", response);
    const text = await response.text();
    try {
      return parseListResult(text);
    } catch {
      throw new ApiError("storage_error", "storage answered the LIST with something that is not a listing");
    }
  }

  /**
   * DeleteObjects (`POST ?delete`, with the Content-MD5 that AWS and MinIO require) for up to 1000
   * keys; an entry with an ETag is deleted only at that version where the store supports it.
   * Answers the keys that were not deleted, and the calls it took. A store without DeleteObjects (or refusing the request)
   * gets one DELETE per key instead, each made only out of spare subrequests (the caller planned
   * one call): the keys left unsent for want of them are answered apart, to be deleted another time.
   */
  async deleteMany(entries: readonly DeleteEntry[]): Promise<DeleteManyResult> {
    if (entries.length === 0) return { failures: [], unsent: [], calls: 0 };
    let calls = 0;
    if (entries.length > MAX_KEYS_PER_CALL) throw new Error(`deleteMany: at most ${MAX_KEYS_PER_CALL} keys`);
    if (entries.every((entry) => isXmlSafe(entry.key))) {
      const body = new TextEncoder().encode(deleteRequestXml(entries));
      const md5 = await crypto.subtle.digest("MD5", body);
      const headers = { "content-type": "application/xml", "content-md5": btoa(String.fromCharCode(...new Uint8Array(md5))) };
      const url = this.transport.bucketUrl({ delete: "" });
      calls += 1;
      const response = await this.transport.call("DELETE_MANY", url, { method: "POST", headers, body }, { idempotent: true });
      const text = await response.text().catch(() => "");
      if (response.ok) {
        try {
          const failures = parseDeleteResult(text);
          deletesMany.set(this.transport.settings, true);
          return { failures, unsent: [], calls };
        } catch {
          // 200 with something else: fall through to single deletes.
        }
      } else if (response.status === 403 || (response.status >= 500 && response.status !== 501)) {
        throw storageAnswerError("DELETE_MANY", response.status, errorCode(text));
      } else {
        // 400 MalformedXML / 501 NotImplemented and the like: this store wants single deletes.
        deletesMany.set(this.transport.settings, false);
        console.warn(JSON.stringify({ level: "warn", storage: "DELETE_MANY", status: response.status, code: errorCode(text), fallback: "DELETE" }));
      }
    }
    const failures: DeleteFailure[] = [];
    const unsent: string[] = [];
    for (const entry of entries) {
      // A delete at a version may first need the store's dialect (its lookup, or its probe).
      const cost = 1 + (entry.etag !== undefined && this.dialectUnknown() ? PLANNED_CALLS.dialectProbe : 0);
      const sent = await this.budget.ifSpare(cost, async () => {
        calls += 1;
        try {
          if (!(await this.delete(entry.key, entry.etag))) failures.push({ key: entry.key, code: "PreconditionFailed" });
        } catch (err) {
          failures.push({ key: entry.key, code: err instanceof ApiError ? err.code : "InternalError" });
        }
      });
      if (!sent) unsent.push(entry.key);
    }
    return { failures, unsent, calls };
  }

  /** Asks storage anything: any authenticated answer about a (likely absent) object proves it is up. */
  async ping(key: string): Promise<void> {
    const response = await this.transport.callObject("HEAD", key, { method: "HEAD" }, { idempotent: false });
    if (response.status !== 404 && !response.ok) return this.transport.fail("HEAD", response);
  }
}
