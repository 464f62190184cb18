// One request to the Worker: URL, token, timeout, retries. Only web-standard APIs (fetch,
// AbortController, setTimeout), so it runs in browsers, Node, Workers, Deno and Bun alike.

import { CloudCachedError, errorFromBody } from "./errors.js";
import { networkFailureMessage } from "./network-failure.js";
import { buildUrl, type Query, routeHint } from "./paths.js";
import { backoffMs, parseRetryAfter, RETRY_STATUSES, type RetryPolicy } from "./retry.js";

/** What the client reads of an answer: a `Response` is one; so is a lighter object with these members. */
export interface ResponseLike {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/** `init.headers` is always a plain object of lower-case names. */
export type FetchLike = (input: string, init: RequestInit) => Promise<ResponseLike>;

export interface TransportSettings {
  url: string;
  token: string | undefined;
  fetch: FetchLike;
  /** Per attempt; 0 means none. */
  timeoutMs: number;
  retry: RetryPolicy;
}

export interface Call {
  method: string;
  path: string;
  query?: Query;
  headers?: Record<string, string>;
  body?: string | Uint8Array | Blob | ReadableStream<Uint8Array>;
  /** Whether the call may be repeated after a network error, a timeout, a 503 or a 504. */
  retryable: boolean;
  signal?: AbortSignal;
}

/** An answer, with the timer of its attempt still running until `release()` (or `stopTimer()`). */
export interface Answer {
  response: ResponseLike;
  /** Stops the timer and forgets the caller's signal: the answer has been read. */
  release(): void;
  /** Stops only the timer (a streamed body may take as long as it needs; the caller's signal still aborts it). */
  stopTimer(): void;
  /** Reads the body whole, a timeout or a broken connection becoming a CloudCachedError. */
  bytes(): Promise<Uint8Array>;
  json<T>(): Promise<T>;
  /** Throws the CloudCachedError the (unsuccessful) answer stands for. */
  fail(): Promise<never>;
  /** Drops the body unread. */
  discard(): Promise<void>;
}

/** An attempt's AbortController, aborted by its timer or by the caller's own signal. */
class Attempt {
  readonly controller = new AbortController();
  timedOut = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly forward = (): void => this.controller.abort(this.outer?.reason);

  constructor(
    timeoutMs: number,
    private readonly outer: AbortSignal | undefined,
    url: string,
  ) {
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort(timeoutError(url, timeoutMs));
      }, timeoutMs);
    }
    if (outer) {
      if (outer.aborted) this.controller.abort(outer.reason);
      else outer.addEventListener("abort", this.forward, { once: true });
    }
  }

  stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  release(): void {
    this.stopTimer();
    this.outer?.removeEventListener("abort", this.forward);
  }
}

function timeoutError(url: string, timeoutMs: number, cause?: unknown): CloudCachedError {
  return new CloudCachedError(0, "timeout", `no answer from the server at ${url} within ${timeoutMs} ms`, { cause });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function isStream(body: Call["body"]): body is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
}

export class Transport {
  constructor(private readonly settings: TransportSettings) {}

  /** The failure an attempt ended with (sending it, or reading its answer's body), as the error the caller sees. */
  private failure(err: unknown, attempt: Attempt, signal: AbortSignal | undefined, stage: "request" | "body"): unknown {
    if (signal?.aborted) return signal.reason;
    if (attempt.timedOut) return timeoutError(this.settings.url, this.settings.timeoutMs, err);
    if (err instanceof CloudCachedError) return err;
    return new CloudCachedError(0, "network_error", networkFailureMessage(this.settings.url, err, stage), { cause: err });
  }

  async send(call: Call): Promise<Answer> {
    const { url, token, fetch, timeoutMs, retry } = this.settings;
    const attempts = call.retryable ? Math.max(0, retry.retries) + 1 : 1;
    // A plain object, not Headers: cheaper to build, and a custom fetch can use it as it is.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(call.headers ?? {})) headers[name.toLowerCase()] = value;
    if (token) headers.authorization = `Bearer ${token}`;
    const target = buildUrl(url, call.path, call.query);
    for (let number = 1; ; number += 1) {
      const attempt = new Attempt(timeoutMs, call.signal, url);
      const init: RequestInit & { duplex?: "half" } = { method: call.method, headers, signal: attempt.controller.signal };
      // A Uint8Array over any ArrayBufferLike is a valid body in every runtime; TS 5.9 types want ArrayBuffer.
      if (call.body !== undefined) init.body = call.body as BodyInit;
      if (isStream(call.body)) init.duplex = "half";
      let response: ResponseLike;
      try {
        response = await fetch(target, init);
      } catch (err) {
        attempt.release();
        const failure = this.failure(err, attempt, call.signal, "request");
        if (number < attempts && failure instanceof CloudCachedError) {
          await sleep(backoffMs(number, retry, Math.random()), call.signal);
          continue;
        }
        throw failure;
      }
      if (RETRY_STATUSES.has(response.status) && number < attempts) {
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
        await response.body?.cancel().catch(() => undefined);
        attempt.release();
        await sleep(backoffMs(number, retry, Math.random(), retryAfter), call.signal);
        continue;
      }
      return this.answer(response, attempt, call.signal);
    }
  }

  private answer(response: ResponseLike, attempt: Attempt, signal: AbortSignal | undefined): Answer {
    const read = async <T>(how: (r: ResponseLike) => Promise<T>): Promise<T> => {
      try {
        return await how(response);
      } catch (err) {
        throw this.failure(err, attempt, signal, "body");
      } finally {
        attempt.release();
      }
    };
    return {
      response,
      release: () => attempt.release(),
      stopTimer: () => attempt.stopTimer(),
      bytes: () => read(async (r) => new Uint8Array(await r.arrayBuffer())),
      json: async <T>() => {
        const text = await read((r) => r.text());
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new CloudCachedError(response.status, "internal", `the server's answer (HTTP ${response.status}) is not JSON`);
        }
      },
      fail: async () => {
        const error = errorFromBody(response.status, await read((r) => r.text()));
        // A URL ending in /v1 reaches the Worker, whose routes then answer no_such_route: say how to fix it.
        const hint = error.code === "no_such_route" ? routeHint(this.settings.url) : null;
        throw hint === null ? error : new CloudCachedError(error.status, error.code, `${error.message} (${hint})`);
      },
      discard: async () => {
        await response.body?.cancel().catch(() => undefined);
        attempt.release();
      },
    };
  }
}
