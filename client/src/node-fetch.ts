// `cloudcached/node`: a `fetch` for the typed client over node:http(s), for Node apps (the CLI, the
// memcached gateway, a Node backend). Node's global fetch (undici) costs about a millisecond of CPU
// per request; this costs a fraction of it: keep-alive connections in a bounded pool, reused
// most-recent first, and answers that build no web Response or Headers. A body read whole
// (`arrayBuffer`, `text`) is collected from the socket's chunks with no web stream in between; a
// body read as `body` is a web stream over the live answer, so large values stream both ways and
// are never held whole.

import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import type { FetchLike, ResponseLike } from "./transport.js";

export interface NodeFetchOptions {
  /** Most connections open at once per origin (default 64); more requests wait for a free one. */
  maxSockets?: number | undefined;
  /**
   * Most bytes a body read whole (`arrayBuffer`, `text`) may hold when its answer declares no
   * `Content-Length` (default `DEFAULT_MAX_UNDECLARED_BODY`, 256 MiB); one that declares a length
   * is read up to that length. A body read as a stream (`body`, `getStream`) has no such limit.
   */
  maxUndeclaredBodyBytes?: number | undefined;
}

/** A `fetch` for `new CloudCached({ fetch })`, with its pool of connections. */
export interface NodeFetch extends FetchLike {
  /** Closes every connection of the pool; later requests are refused. Call it at shutdown. */
  close(): void;
}

export const DEFAULT_MAX_SOCKETS = 64;

/** An idle pooled connection is closed after this long. */
export const IDLE_MS = 4_000;

/**
 * A body read whole from an answer that declares no length holds at most this many bytes: more
 * than the largest answer CloudCached sends without streaming (a batch of 100 values of 1 MiB, as
 * base64 JSON, is about 140 MB), and far less than an endless body would fill memory with.
 */
export const DEFAULT_MAX_UNDECLARED_BODY = 256 * 1024 * 1024;

/**
 * Whether a request failed the way a stale pooled connection fails: a reset or broken pipe on a
 * reused connection before any answer. The server may have closed the idle connection as the
 * request went out (Node's documented race, it never saw it), or handled the request and dropped
 * the connection before answering: the client cannot tell which. Pure.
 */
export function isStaleConnection(error: unknown, reusedSocket: boolean, answered: boolean): boolean {
  if (!reusedSocket || answered) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE";
}

/** Methods that change nothing on the server, so a request with one may be sent twice. */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/**
 * Whether a request that failed on a stale-looking connection is sent once more on a new one:
 * only a read (GET, HEAD). A write may have been applied before the connection dropped, and
 * applied twice it would count an `incr` twice or answer a successful `add` "not stored". Pure.
 */
export function mayResend(method: string, error: unknown, reusedSocket: boolean, answered: boolean): boolean {
  return SAFE_METHODS.has(method.toUpperCase()) && isStaleConnection(error, reusedSocket, answered);
}

/** A cancelled body with at most this much left unread is drained, so its connection is kept; a longer one is cut. */
export const DRAIN_LIMIT = 64 * 1024;

type Received = http.IncomingHttpHeaders;

/** The body as it is sent: whole (with its length), streamed, or none. */
type Outgoing = { whole: string | Uint8Array } | { stream: ReadableStream<Uint8Array>; length: number | null } | null;

function outgoing(body: RequestInit["body"]): Outgoing {
  if (body === undefined || body === null) return null;
  if (typeof body === "string" || body instanceof Uint8Array) return { whole: body };
  if (body instanceof ReadableStream) return { stream: body as ReadableStream<Uint8Array>, length: null };
  if (body instanceof Blob) return { stream: body.stream(), length: body.size };
  throw new TypeError("nodeFetch sends a string, bytes, a Blob or a ReadableStream of bytes");
}

/** The request's headers as node:http takes them (the client passes a plain object of lower-case names). */
function headersOf(init: RequestInit): Record<string, string> {
  const given = init.headers;
  if (given === undefined) return {};
  if (!(given instanceof Headers) && !Array.isArray(given)) return { ...given };
  const out: Record<string, string> = {};
  new Headers(given).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function contentLength(received: Received): number | null {
  const raw = received["content-length"];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
}

function prematureClose(): Error {
  return new Error("the connection closed before the body ended");
}

/** A body read whole that went past its limit: the declared length, or the most read without one. */
export class BodyTooLongError extends Error {
  override readonly name = "BodyTooLongError";
  readonly code = "ERR_BODY_TOO_LONG";
}

function tooLong(declared: number | null, limit: number): BodyTooLongError {
  return new BodyTooLongError(
    declared === null
      ? `the answer declares no Content-Length and its body is longer than ${limit} bytes, the most read whole (read it as a stream)`
      : `the answer's body is longer than its Content-Length (${declared} bytes)`,
  );
}

/**
 * What the typed client reads of an answer, over node:http's answer (or any Readable of bytes)
 * without building a web Response: `source` null means no body (HEAD, 204, 304).
 */
export class NodeResponse implements ResponseLike {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  /** The error the body ended with (an abort, a broken connection), once it has. */
  private failure: unknown;
  private stream: ReadableStream<Uint8Array> | null | undefined;
  private used = false;

  /**
   * `maxUndeclared`: the most bytes `arrayBuffer` and `text` read when the answer declares no
   * `Content-Length`; with one, they read at most that many.
   */
  constructor(
    readonly status: number,
    private readonly received: Received,
    private readonly source: Readable | null,
    private readonly maxUndeclared: number = DEFAULT_MAX_UNDECLARED_BODY,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get(name: string): string | null {
        const value = received[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(", ") : value;
      },
    };
    // Kept from the start: an abort before the body is read must not be an unhandled 'error'.
    source?.on("error", (err: unknown) => {
      this.failure ??= err;
    });
  }

  /** The body as a web stream over the live answer: read as it arrives, never held whole. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream !== undefined) return this.stream;
    if (this.source === null) {
      this.stream = null;
    } else if (this.used) {
      this.stream = new ReadableStream<Uint8Array>({ start: (c) => c.error(new TypeError("the body has already been read")) });
    } else {
      this.used = true;
      this.stream = this.webStream(this.source);
    }
    return this.stream;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const { chunks, total } = await this.readWhole();
    // One copy, into a buffer of the caller's own: the chunks may share memory with others.
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out.buffer;
  }

  async text(): Promise<string> {
    const { chunks } = await this.readWhole();
    return chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
  }

  private readWhole(): Promise<{ chunks: Buffer[]; total: number }> {
    const source = this.source;
    if (source === null) return Promise.resolve({ chunks: [], total: 0 });
    if (this.used) return Promise.reject(new TypeError("the body has already been read"));
    this.used = true;
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      if (source.destroyed) return reject(prematureClose());
      const chunks: Buffer[] = [];
      let total = 0;
      const declared = contentLength(this.received);
      const limit = declared ?? this.maxUndeclared;
      source.on("data", (chunk: Buffer) => {
        total += chunk.byteLength;
        if (total > limit) {
          // Cut, not drained: the rest may never end. The connection is not reused.
          source.destroy(tooLong(declared, limit));
          return;
        }
        chunks.push(chunk);
      });
      source.once("end", () => resolve({ chunks, total }));
      source.once("error", reject);
      source.once("close", () => {
        if (!source.readableEnded) reject(this.failure ?? prematureClose());
      });
    });
  }

  /** A pull-driven web stream over `source`: the socket is paused while the reader is behind. */
  private webStream(source: Readable): ReadableStream<Uint8Array> {
    const expected = contentLength(this.received);
    let received = 0;
    let settled = false;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        const fail = (err: unknown): void => {
          if (settled) return;
          settled = true;
          controller.error(err);
        };
        if (this.failure !== undefined) return fail(this.failure);
        if (source.destroyed) return fail(prematureClose());
        source.on("data", (chunk: Buffer) => {
          if (settled) return;
          received += chunk.byteLength;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once("end", () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        source.once("error", fail);
        source.once("close", () => {
          if (!source.readableEnded) fail(this.failure ?? prematureClose());
        });
      },
      pull: () => {
        source.resume();
      },
      cancel: () => {
        settled = true;
        if (source.readableEnded || source.destroyed) return;
        // A short rest is read and dropped so the connection goes back to the pool; a long one is cut.
        if (expected !== null && expected - received <= DRAIN_LIMIT) source.resume();
        else source.destroy();
      },
    });
  }
}

/** Writes a streamed body with backpressure: the next chunk is read only once the socket took the last. */
async function pump(stream: ReadableStream<Uint8Array>, request: http.ClientRequest): Promise<void> {
  const reader = stream.getReader();
  let sent = false;
  // A request that ends early (aborted, the connection broken) cancels the source, as fetch does,
  // even while the source is slow to give its next chunk.
  request.once("close", () => {
    if (!sent) reader.cancel().catch(() => undefined);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (request.destroyed) return;
      if (done) {
        sent = true;
        request.end();
        return;
      }
      if (!request.write(value)) await drained(request);
    }
  } catch (err) {
    request.destroy(err instanceof Error ? err : new Error(String(err)));
    await reader.cancel(err).catch(() => undefined);
  }
}

/** Resolves when the socket can take more, or the request is gone. */
function drained(request: http.ClientRequest): Promise<void> {
  return new Promise((resume) => {
    const go = (): void => {
      request.off("drain", go);
      request.off("close", go);
      resume();
    };
    request.on("drain", go);
    request.on("close", go);
  });
}

/** node:http wants an IPv6 literal without the brackets a URL puts around it. */
function hostnameOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/** A `fetch` over node:http(s) with a bounded pool of keep-alive connections (at most `maxSockets` per origin). */
export function nodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
  if (!Number.isSafeInteger(maxSockets) || maxSockets < 1) throw new TypeError(`maxSockets must be a positive integer, got ${String(maxSockets)}`);
  const maxUndeclared = options.maxUndeclaredBodyBytes ?? DEFAULT_MAX_UNDECLARED_BODY;
  if (!Number.isSafeInteger(maxUndeclared) || maxUndeclared < 0) {
    throw new TypeError(`maxUndeclaredBodyBytes must be a non-negative integer, got ${String(maxUndeclared)}`);
  }
  // An idle connection is closed after IDLE_MS (sooner if the server's Keep-Alive hint says so), as
  // undici does: a server closing it first would make the next request on it fail.
  const settings = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" as const, timeout: IDLE_MS };
  const agents = { http: new http.Agent(settings), https: new https.Agent(settings) };
  let closed = false;

  const fetch: FetchLike = (input, init) =>
    new Promise<ResponseLike>((resolve, reject) => {
      if (closed) return reject(new Error("nodeFetch: closed"));
      const target = new URL(input);
      const secure = target.protocol === "https:";
      if (!secure && target.protocol !== "http:") return reject(new TypeError(`nodeFetch speaks http: and https:, not ${target.protocol}`));
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const method = (init.method ?? "GET").toUpperCase();
      const headers = headersOf(init);
      let body: Outgoing;
      try {
        body = outgoing(init.body);
      } catch (err) {
        return reject(err);
      }
      if (body !== null && headers["content-length"] === undefined) {
        if ("whole" in body) headers["content-length"] = String(typeof body.whole === "string" ? Buffer.byteLength(body.whole) : body.whole.byteLength);
        else if (body.length !== null) headers["content-length"] = String(body.length);
        // Else node:http sends the stream chunked.
      }
      let answer: http.IncomingMessage | undefined;
      let request: http.ClientRequest;
      const forget = (): void => signal?.removeEventListener("abort", onAbort);
      function onAbort(): void {
        // The reason exactly as given (a timeout's CloudCachedError, a caller's AbortError), as fetch rejects with it.
        const reason = signal?.reason as Error;
        // Before the answer: the request fails with the reason. During its body: the body does.
        if (answer) answer.destroy(reason);
        else request.destroy(reason);
        reject(reason);
      }
      /** Sends the request; `retry`: whether a stale pooled connection may cost a read one more attempt. */
      const send = (retry: boolean): void => {
        request = (secure ? https : http).request(
          {
            protocol: target.protocol,
            hostname: hostnameOf(target),
            port: target.port,
            path: target.pathname + target.search,
            method,
            headers,
            agent: secure ? agents.https : agents.http,
          },
          (message) => {
            answer = message;
            message.once("end", forget);
            message.once("close", forget);
            const status = message.statusCode ?? 502;
            if (method === "HEAD" || status === 204 || status === 304) {
              // Nothing to read: consumed at once, so the connection goes back to the pool.
              message.on("error", () => undefined);
              message.resume();
              resolve(new NodeResponse(status, message.headers, null, maxUndeclared));
            } else {
              resolve(new NodeResponse(status, message.headers, message, maxUndeclared));
            }
          },
        );
        const sent = request;
        sent.on("error", (err) => {
          // A streamed body cannot be sent twice; a whole one (or none) can.
          const replayable = body === null || "whole" in body;
          if (retry && replayable && !signal?.aborted && mayResend(method, err, sent.reusedSocket, answer !== undefined)) return send(false);
          forget();
          reject(err);
        });
        if (body === null) sent.end();
        else if ("whole" in body) sent.end(body.whole);
        else void pump(body.stream, sent);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      send(true);
    });

  return Object.assign(fetch, {
    close(): void {
      closed = true;
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}
