import { AwsClient } from "aws4fetch";
import type { S3Settings } from "../config";
import type { PhaseRecorder } from "../observability";
import { ApiError } from "../errors";
import { decodeExpiry, encodeExpiry, EXPIRES_HEADER, MAX_USER_METADATA_BYTES, TOMBSTONE_HEADER, userMetadataBytes, type ItemMeta } from "../item";
import { conditionalPutOutcome, dialectFromProbe, ifMatchValue, STANDARD_DIALECT, type ProbeAnswers, type StoreDialect } from "./dialect";
import { isRetryableStatus, s3ErrorCode, storageAnswerError, storageTimeoutError, storageUnavailableError } from "./failures";
import { exactLength } from "./exact-length";
import { ambiguousWriteOutcome, uploadEtag } from "./landed";
import { encodeKeyPath, encodeQuery, objectUrl } from "./object-key";
import { deleteRequestXml, isXmlSafe, parseDeleteResult, parseListResult, type DeleteEntry, type DeleteFailure, type ListPage } from "./xml";

export type { DeleteEntry, DeleteFailure, ListedObject, ListPage } from "./xml";

/** Most keys one ListObjectsV2 or DeleteObjects call handles (S3's own limit). */
export const MAX_KEYS_PER_CALL = 1000;

/**
 * Every stored object starts with 16 random bytes before the value. S3 ETags are the MD5 of the
 * bytes, so without them writing the same value twice would give the same ETag, and a
 * compare-and-swap or an add over an expired item could be won twice (ABA). With them, every write
 * has its own ETag. Reads skip them with a Range request.
 */
export const NONCE_BYTES = 16;

export interface StoredHead {
  /** The object's ETag as the store gives it (quoted): the item's ETag. */
  etag: string;
  /** Bytes of the value (without the nonce). */
  size: number;
  meta: ItemMeta;
  /** An emptied, expired object left by a conditional delete. */
  tombstone: boolean;
}

export interface StoredObject extends StoredHead {
  body: ReadableStream<Uint8Array>;
}

/** A value to write: bytes already in memory (replayable) or a stream of known length (sent once). */
export type ValueSource = Uint8Array | { stream: ReadableStream<Uint8Array>; length: number };

export type WriteCondition =
  | { kind: "none" }
  | { kind: "absent" } // If-None-Match: *
  | { kind: "match"; etag: string }; // If-Match: "<etag>"

/**
 * A refused write. `conflict`: a race (409 ConditionalRequestConflict); `lost`: storage failed
 * (5xx) and the write is known not to be stored (landed.ts). Both may be sent again.
 */
export type WriteResult = { ok: true; etag: string } | { ok: false; reason: "precondition_failed" | "conflict" | "lost" };

// One signing client per set of credentials and isolate: aws4fetch caches derived keys in it.
// Keyed by the settings object itself: configFor() parses the bindings once per isolate, so a
// request finds its client without building a key from the credentials.
const clients = new WeakMap<S3Settings, AwsClient>();

function clientFor(settings: S3Settings): AwsClient {
  let client = clients.get(settings);
  if (!client) {
    // retries: 0 — aws4fetch would otherwise retry 5xx ten times with backoff; retries are ours.
    client = new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      service: "s3",
      region: settings.region,
      retries: 0,
    });
    clients.set(settings, client);
  }
  return client;
}

// The store's dialect, learned once per isolate and store (see dialect.ts); a failed probe is forgotten.
const dialects = new Map<string, Promise<StoreDialect>>();

interface CallOptions {
  /** Idempotent calls are tried once more on a network error or a 5xx/429. */
  idempotent: boolean;
  /** For a streamed upload, the timeout starts when the last byte has been handed to storage. */
  uploadDone?: Promise<unknown>;
}

/**
 * The only code that speaks S3. One instance serves one request: it holds the request's storage
 * budget, so that no request waits on storage more than twice `STORAGE_TIMEOUT_MS` in all.
 */
export class Storage {
  private readonly client: AwsClient;
  private readonly deadline: number;

  constructor(
    private readonly settings: S3Settings,
    private readonly timeoutMs: number,
    /** Told how long each call waited for storage's answer (the request's Server-Timing). */
    private readonly recorder?: PhaseRecorder,
  ) {
    this.client = clientFor(settings);
    this.deadline = Date.now() + 2 * timeoutMs;
  }

  /** How this store reads conditional headers: probed at the first write that depends on it. */
  private dialect(): Promise<StoreDialect> {
    const id = `${this.settings.endpoint}\n${this.settings.bucket}`;
    let known = dialects.get(id);
    if (!known) {
      known = this.probeDialect();
      dialects.set(id, known);
      known.catch(() => dialects.delete(id));
    }
    return known;
  }

  /**
   * Writes a scratch object and asks the store how it treats `If-Match` on a PUT and
   * `x-amz-copy-source-if-match` on a copy onto itself, then deletes it. Four requests, once.
   */
  private async probeDialect(): Promise<StoreDialect> {
    const key = `${this.settings.prefix}.dialect-probe/${crypto.randomUUID()}`;
    const send = async (headers: Record<string, string>, body?: Uint8Array): Promise<Response> => {
      const response = await this.call("PUT", this.url(key), { method: "PUT", headers, ...(body ? { body } : {}) }, { idempotent: false });
      await response.text().catch(() => "");
      return response;
    };
    const scratch = () => crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    try {
      const created = await send({ "if-none-match": "*" }, scratch());
      const etag = created.headers.get("etag");
      if (!created.ok || !etag) return this.fail("PUT", created);
      const answers: ProbeAnswers = { quotedIfMatch: 0, wrongCopyIfMatch: 0 };
      const quoted = await send({ "if-match": ifMatchValue(etag, STANDARD_DIALECT) }, scratch());
      answers.quotedIfMatch = quoted.status;
      let current = quoted.headers.get("etag") ?? etag;
      if (!quoted.ok) {
        const bare = await send({ "if-match": ifMatchValue(etag, { ...STANDARD_DIALECT, ifMatch: "bare" }) }, scratch());
        answers.bareIfMatch = bare.status;
        current = bare.headers.get("etag") ?? current;
      }
      const wrong = `"${current.replace(/"/g, "").split("").reverse().join("")}0"`;
      const copy = await send({
        "x-amz-copy-source": `/${encodeURIComponent(this.settings.bucket)}/${encodeKeyPath(key)}`,
        "x-amz-copy-source-if-match": wrong,
        "x-amz-metadata-directive": "REPLACE",
        "content-type": "application/octet-stream",
      });
      answers.wrongCopyIfMatch = copy.status;
      const dialect = dialectFromProbe(answers);
      console.log(JSON.stringify({ level: "info", storage: "dialect", ...dialect }));
      return dialect;
    } finally {
      // Awaited: a promise left running after the response may be cancelled, leaving the scratch object.
      await this.delete(key).catch(() => undefined);
    }
  }

  private url(key: string, query = ""): string {
    return objectUrl(this.settings.endpoint, this.settings.bucket, key) + query;
  }

  /** One signed call, bounded in time; network failures and timeouts become 503/504. */
  private async call(operation: string, url: string, init: RequestInit, options: CallOptions): Promise<Response> {
    const attempts = options.idempotent ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      const budget = Math.min(this.timeoutMs, this.deadline - Date.now());
      if (budget <= 0) throw storageTimeoutError(operation, this.timeoutMs);
      const controller = new AbortController();
      let timedOut = false;
      let timer: number | null = null;
      const arm = () => {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, budget);
      };
      if (options.uploadDone) options.uploadDone.then(arm, arm);
      else arm();
      let response: Response;
      const started = Date.now();
      try {
        response = await this.client.fetch(url, { ...init, signal: controller.signal });
        this.recorder?.record("storage", Date.now() - started);
      } catch (err) {
        this.recorder?.record("storage", Date.now() - started);
        clearTimeout(timer);
        if (timedOut) throw storageTimeoutError(operation, this.timeoutMs);
        if (err instanceof ApiError) throw err;
        if (attempt < attempts) {
          await jitter(attempt);
          continue;
        }
        throw storageUnavailableError(operation);
      }
      // Headers are in: from here the body streams at the client's pace, so the timer stops.
      clearTimeout(timer);
      if (attempt < attempts && isRetryableStatus(response.status) && this.deadline - Date.now() > 0) {
        await response.body?.cancel();
        await jitter(attempt);
        continue;
      }
      return response;
    }
  }

  private async fail(operation: string, response: Response): Promise<never> {
    const text = await response.text().catch(() => "");
    const code = s3ErrorCode(text);
    console.warn(JSON.stringify({ level: "warn", storage: operation, status: response.status, code }));
    throw storageAnswerError(operation, response.status, code);
  }

  /** HEAD: the item's facts without its value, or null when there is no object. */
  async head(key: string): Promise<StoredHead | null> {
    const response = await this.call("HEAD", this.url(key), { method: "HEAD" }, { idempotent: true });
    if (response.status === 404) return null;
    if (!response.ok) return this.fail("HEAD", response);
    return readHead(response.headers, Number(response.headers.get("content-length") ?? "0"));
  }

  /** GET: the value as a stream (the nonce skipped by a Range request), or null when absent. */
  async get(key: string): Promise<StoredObject | null> {
    const response = await this.call("GET", this.url(key), { headers: { range: `bytes=${NONCE_BYTES}-` } }, { idempotent: true });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (response.status === 416) {
      // Nothing after the nonce: an empty value (or a foreign object shorter than a nonce).
      await response.body?.cancel();
      const head = await this.head(key);
      return head && { ...head, size: 0, body: emptyStream() };
    }
    if (response.status === 206) {
      const total = /\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1];
      const size = total === undefined ? Number(response.headers.get("content-length") ?? "0") + NONCE_BYTES : Number(total);
      const head = readHead(response.headers, size);
      // A body cut short must fail, not end early (see exact-length.ts).
      return { ...head, body: (response.body ?? emptyStream()).pipeThrough(exactLength(head.size)) };
    }
    if (response.status === 200) {
      // A store that ignores Range sends the whole object: skip the nonce here instead.
      const size = Number(response.headers.get("content-length") ?? "0");
      const head = readHead(response.headers, size);
      return { ...head, body: (response.body ?? emptyStream()).pipeThrough(skipBytes(NONCE_BYTES)).pipeThrough(exactLength(head.size)) };
    }
    return this.fail("GET", response);
  }

  /**
   * PUT with the item's metadata, optionally conditional. A 2xx means storage has it. With
   * `holdBodyUntil`, the request goes out at once but its body only once that promise settles:
   * storage cannot store the object before then (used to read the previous state first).
   */
  async put(
    key: string,
    value: ValueSource,
    meta: ItemMeta,
    condition: WriteCondition,
    options: { extraHeaders?: Record<string, string>; holdBodyUntil?: Promise<unknown> } = {},
  ): Promise<WriteResult> {
    const dialect = condition.kind === "match" ? await this.dialect() : STANDARD_DIALECT;
    const headers: Record<string, string> = {
      "content-type": meta.contentType,
      ...encodeExpiry(meta.expiresAt),
      ...options.extraHeaders,
      ...conditionHeaders(condition, dialect),
    };
    checkMetadata(headers);
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    let body: BodyInit;
    let uploadDone: Promise<unknown> | undefined;
    if (value instanceof Uint8Array && !options.holdBodyUntil) {
      const bytes = new Uint8Array(NONCE_BYTES + value.byteLength);
      bytes.set(nonce, 0);
      bytes.set(value, NONCE_BYTES);
      body = bytes;
    } else {
      // A FixedLengthStream gives storage the Content-Length it needs, without buffering the value.
      const length = value instanceof Uint8Array ? value.byteLength : value.length;
      const framed = new FixedLengthStream(NONCE_BYTES + length);
      const gate = (options.holdBodyUntil ?? Promise.resolve()).catch(() => undefined);
      uploadDone = gate.then(async () => {
        const writer = framed.writable.getWriter();
        await writer.write(nonce);
        if (value instanceof Uint8Array) {
          if (value.byteLength > 0) await writer.write(value);
          await writer.close();
        } else {
          writer.releaseLock();
          // Piped natively: no chunk of a streamed value passes through JavaScript (memory stays flat).
          await value.stream.pipeTo(framed.writable);
        }
      });
      uploadDone.catch(() => undefined);
      body = framed.readable;
    }
    // What tells this write apart if it landed (landed.ts): the ETag of the bytes in memory; for a
    // streamed value, its nonce — hashing the stream on its way out would pass every chunk through
    // JavaScript (measured: 159 MiB of growth for 256 MiB streamed, against under 2 MiB piped).
    const ourEtag = async (): Promise<string | Uint8Array> => (value instanceof Uint8Array ? uploadEtag(concat(nonce, value)) : nonce);
    let response: Response;
    try {
      response = await this.call("PUT", this.url(key), { method: "PUT", headers, body }, { idempotent: false, ...(uploadDone ? { uploadDone } : {}) });
    } catch (err) {
      // The connection dropped or the answer was late: the write may be stored all the same.
      if (err instanceof ApiError && (err.code === "storage_unavailable" || err.code === "storage_timeout")) {
        const outcome = await this.resolve(key, await ourEtag()).catch(() => null);
        if (outcome?.landed) return { ok: true, etag: outcome.etag };
      }
      throw err;
    }
    if (response.status >= 500) {
      const code = s3ErrorCode(await response.text().catch(() => ""));
      const outcome = await this.resolve(key, await ourEtag()).catch(() => null);
      console.warn(JSON.stringify({ level: "warn", storage: "PUT", status: response.status, code, resolved: outcome ? (outcome.landed ? "landed" : "lost") : "unknown" }));
      if (outcome?.landed) return { ok: true, etag: outcome.etag };
      // Not stored: sending it again cannot write twice (Ceph RGW answers racing conditional PUTs so).
      if (outcome && value instanceof Uint8Array) return { ok: false, reason: "lost" };
      throw storageAnswerError("PUT", response.status, code);
    }
    if (response.status === 412 || response.status === 409 || (response.status === 404 && condition.kind === "match")) {
      // 412, or AWS's 404 for If-Match on a missing key; 409 ConditionalRequestConflict: try again.
      const code = s3ErrorCode(await response.text().catch(() => ""));
      const outcome = conditionalPutOutcome(response.status, code, condition.kind === "match");
      if (outcome) return { ok: false, reason: outcome };
      throw storageAnswerError("PUT", response.status, code);
    }
    if (!response.ok) return this.fail("PUT", response);
    await response.body?.cancel();
    const etag = response.headers.get("etag");
    if (!etag) throw new ApiError("storage_error", "storage accepted the PUT but gave no ETag");
    return { ok: true, etag: quoteEtag(etag) };
  }

  /**
   * Whether the object now is the write whose ETag (or, for a streamed value, whose nonce) is
   * `ours` (see landed.ts); throws when storage cannot tell.
   */
  private async resolve(key: string, ours: string | Uint8Array): Promise<{ landed: true; etag: string } | { landed: false }> {
    if (ours instanceof Uint8Array) return this.resolveByNonce(key, ours);
    const head = await this.head(key);
    return ambiguousWriteOutcome(ours, head?.etag ?? null) === "landed" ? { landed: true, etag: ours } : { landed: false };
  }

  /**
   * A streamed write landed when the object now starts with its nonce: 16 random bytes no other
   * write has. A partial upload cannot land (its length is fixed), so no hash of the value is needed.
   */
  private async resolveByNonce(key: string, nonce: Uint8Array): Promise<{ landed: true; etag: string } | { landed: false }> {
    const response = await this.call("GET", this.url(key), { headers: { range: `bytes=0-${NONCE_BYTES - 1}` } }, { idempotent: true });
    if (response.status === 404 || response.status === 416) {
      await response.body?.cancel();
      return { landed: false };
    }
    if (response.status !== 206 && response.status !== 200) return this.fail("GET", response);
    const stored = await firstBytes(response.body, NONCE_BYTES);
    const etag = response.headers.get("etag");
    const same = stored.byteLength === NONCE_BYTES && stored.every((byte, i) => byte === nonce[i]);
    return same && etag ? { landed: true, etag: quoteEtag(etag) } : { landed: false };
  }

  /**
   * Rewrites an object's metadata in place (CopyObject onto itself), only if it is still the
   * version `etag`: the value is not sent again.
   */
  async replaceMeta(key: string, etag: string, meta: ItemMeta): Promise<WriteResult> {
    if (!(await this.dialect()).copyIfMatch) return this.rewrite(key, etag, meta);
    const headers: Record<string, string> = {
      "x-amz-copy-source": `/${encodeURIComponent(this.settings.bucket)}/${encodeKeyPath(key)}`,
      "x-amz-copy-source-if-match": etag,
      "x-amz-metadata-directive": "REPLACE",
      "content-type": meta.contentType,
      ...encodeExpiry(meta.expiresAt),
    };
    checkMetadata(headers);
    const response = await this.call("COPY", this.url(key), { method: "PUT", headers }, { idempotent: false });
    const text = await response.text();
    // A missing source is 404 on most stores; a failed copy-source condition is 412.
    if (response.status === 412 || response.status === 404) return { ok: false, reason: "precondition_failed" };
    if (!response.ok) {
      const code = s3ErrorCode(text);
      if (response.status === 409 && code === "ConditionalRequestConflict") return { ok: false, reason: "conflict" };
      throw storageAnswerError("COPY", response.status, code);
    }
    // CopyObject can answer 200 with an error in its body.
    if (/<Error>/.test(text)) throw storageAnswerError("COPY", 200, s3ErrorCode(text));
    const copied = /<ETag>([^<]+)<\/ETag>/.exec(text)?.[1];
    return { ok: true, etag: copied ? quoteEtag(decodeXmlText(copied)) : etag };
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
    const response = await this.call("PUT", this.url(key), { method: "PUT", headers, body: new Uint8Array(0) }, { idempotent: false });
    if (response.status === 412 || response.status === 404) {
      await response.body?.cancel();
      return { ok: false, reason: "precondition_failed" };
    }
    if (response.status === 409) {
      const code = s3ErrorCode(await response.text());
      if (code === "ConditionalRequestConflict" || code === "OperationAborted") return { ok: false, reason: "conflict" };
      throw storageAnswerError("PUT", 409, code);
    }
    if (!response.ok) return this.fail("PUT", response);
    await response.body?.cancel();
    return { ok: true, etag: quoteEtag(response.headers.get("etag") ?? "") };
  }

  /**
   * DELETE, whether or not the object exists. With `ifMatch`, stores with conditional deletes
   * (AWS S3, Ceph) delete only that version and answer false when it changed; others ignore it.
   */
  async delete(key: string, ifMatch?: string): Promise<boolean> {
    const init: RequestInit = ifMatch ? { method: "DELETE", headers: { "if-match": ifMatchValue(ifMatch, await this.dialect()) } } : { method: "DELETE" };
    const response = await this.call("DELETE", this.url(key), init, { idempotent: true });
    if (response.status === 412) {
      await response.body?.cancel();
      return false;
    }
    if (response.status !== 404 && !response.ok) return this.fail("DELETE", response);
    await response.body?.cancel();
    return true;
  }

  /**
   * ListObjectsV2: up to `maxKeys` objects under `prefix`, in key order, after `startAfter`.
   * (`start-after`, not continuation tokens: it is portable, and a cursor can be built from a key.)
   */
  async list(options: { prefix: string; startAfter?: string; maxKeys: number }): Promise<ListPage> {
    const params: Record<string, string> = {
      "list-type": "2",
      prefix: options.prefix,
      "max-keys": String(Math.max(1, Math.min(MAX_KEYS_PER_CALL, Math.floor(options.maxKeys)))),
    };
    if (options.startAfter) params["start-after"] = options.startAfter;
    const url = `${this.settings.endpoint}/${encodeURIComponent(this.settings.bucket)}?${encodeQuery(params)}`;
    const response = await this.call("LIST", url, { method: "GET" }, { idempotent: true });
    if (!response.ok) return this.fail("LIST", response);
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
   * gets one DELETE per key instead.
   */
  async deleteMany(entries: readonly DeleteEntry[]): Promise<{ failures: DeleteFailure[]; calls: number }> {
    if (entries.length === 0) return { failures: [], calls: 0 };
    let calls = 0;
    if (entries.length > MAX_KEYS_PER_CALL) throw new Error(`deleteMany: at most ${MAX_KEYS_PER_CALL} keys`);
    if (entries.every((entry) => isXmlSafe(entry.key))) {
      const body = new TextEncoder().encode(deleteRequestXml(entries));
      const md5 = await crypto.subtle.digest("MD5", body);
      const headers = { "content-type": "application/xml", "content-md5": btoa(String.fromCharCode(...new Uint8Array(md5))) };
      const url = `${this.settings.endpoint}/${encodeURIComponent(this.settings.bucket)}?delete=`;
      calls += 1;
      const response = await this.call("DELETE_MANY", url, { method: "POST", headers, body }, { idempotent: true });
      const text = await response.text().catch(() => "");
      if (response.ok) {
        try {
          return { failures: parseDeleteResult(text), calls };
        } catch {
          // 200 with something else: fall through to single deletes.
        }
      } else if (response.status === 403 || (response.status >= 500 && response.status !== 501)) {
        throw storageAnswerError("DELETE_MANY", response.status, s3ErrorCode(text));
      } else {
        // 400 MalformedXML / 501 NotImplemented and the like: this store wants single deletes.
        console.warn(JSON.stringify({ level: "warn", storage: "DELETE_MANY", status: response.status, code: s3ErrorCode(text), fallback: "DELETE" }));
      }
    }
    const failures: DeleteFailure[] = [];
    for (const entry of entries) {
      calls += 1;
      try {
        if (!(await this.delete(entry.key, entry.etag))) failures.push({ key: entry.key, code: "PreconditionFailed" });
      } catch (err) {
        failures.push({ key: entry.key, code: err instanceof ApiError ? err.code : "InternalError" });
      }
    }
    return { failures, calls };
  }

  /** Asks storage anything: any authenticated answer about a (likely absent) object proves it is up. */
  async ping(key: string): Promise<void> {
    const response = await this.call("HEAD", this.url(key), { method: "HEAD" }, { idempotent: false });
    if (response.status !== 404 && !response.ok) return this.fail("HEAD", response);
  }
}

function conditionHeaders(condition: WriteCondition, dialect: StoreDialect): Record<string, string> {
  switch (condition.kind) {
    case "none":
      return {};
    case "absent":
      return { "if-none-match": "*" };
    case "match":
      return { "if-match": ifMatchValue(condition.etag, dialect) };
  }
}

function checkMetadata(headers: Record<string, string>): void {
  if (userMetadataBytes(headers) > MAX_USER_METADATA_BYTES) {
    throw new ApiError("bad_request", "item metadata exceeds the 2 KB that S3 allows");
  }
}

function readHead(headers: Headers, objectSize: number): StoredHead {
  return {
    etag: quoteEtag(headers.get("etag") ?? ""),
    size: Math.max(0, objectSize - NONCE_BYTES),
    meta: {
      contentType: headers.get("content-type") ?? "application/octet-stream",
      expiresAt: decodeExpiry(headers.get(EXPIRES_HEADER)),
    },
    tombstone: headers.get(TOMBSTONE_HEADER) === "1",
  };
}

/** ETags are strong and quoted in the API, whatever quoting a store uses. */
export function quoteEtag(etag: string): string {
  const bare = etag.replace(/^W\//, "").replace(/^"|"$/g, "");
  return `"${bare}"`;
}

function decodeXmlText(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&apos;/g, "'");
}

/** The first `count` bytes of a body (fewer if it is shorter); the rest is not read. */
async function firstBytes(body: ReadableStream<Uint8Array> | null, count: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(count);
  let filled = 0;
  if (!body) return bytes.subarray(0, 0);
  const reader = body.getReader();
  try {
    while (filled < count) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, count - filled);
      bytes.set(value.subarray(0, take), filled);
      filled += take;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return bytes.subarray(0, filled);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(a.byteLength + b.byteLength);
  bytes.set(a, 0);
  bytes.set(b, a.byteLength);
  return bytes;
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new Response(new Uint8Array(0)).body as ReadableStream<Uint8Array>;
}

function skipBytes(count: number): TransformStream<Uint8Array, Uint8Array> {
  let left = count;
  return new TransformStream({
    transform(chunk, controller) {
      if (left >= chunk.byteLength) {
        left -= chunk.byteLength;
        return;
      }
      controller.enqueue(left > 0 ? chunk.subarray(left) : chunk);
      left = 0;
    },
  });
}

function jitter(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30 * attempt));
}
