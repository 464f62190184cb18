import { AwsClient } from "aws4fetch";
import { waitBeforeRetry } from "../../platform/backoff";
import { SubrequestBudget } from "../../platform/budget";
import type { S3Settings } from "../../platform/config";
import { ApiError } from "../../http/errors";
import type { PhaseRecorder } from "../../platform/metrics";
import { IDEMPOTENT_ATTEMPTS, isRetryableStatus, RETRY_BACKOFF, storageAnswerError, storageTimeoutError, storageUnavailableError } from "../failures";
import { encodeQuery, objectUrl } from "../object-key";
import { errorCode } from "./xml";

// One signing client per set of settings and isolate: aws4fetch caches derived keys in it.
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

export interface CallOptions {
  /** Idempotent calls are tried once more on a network error or a 5xx/429. */
  idempotent: boolean;
  /** For a streamed upload, the timeout starts when the last byte has been handed to storage. */
  uploadDone?: Promise<unknown>;
}

/**
 * Signed calls to the store, bounded in time. One instance serves one request: it holds the
 * request's time on storage, so that no request waits on storage more than twice
 * `STORAGE_TIMEOUT_MS` in all.
 */
export class Transport {
  private readonly client: AwsClient;
  private readonly deadline: number;

  constructor(
    readonly settings: S3Settings,
    private readonly timeoutMs: number,
    /** Told how long each call waited for an answer (the request's Server-Timing). */
    readonly recorder?: PhaseRecorder,
    /** The request's subrequests: a call is counted before it is made; a retry only when spare. */
    readonly budget: SubrequestBudget = SubrequestBudget.unbounded(),
  ) {
    this.client = clientFor(settings);
    this.deadline = Date.now() + 2 * timeoutMs;
  }

  /** The bucket's own URL with a query, for bucket-wide calls (list, delete many). */
  bucketUrl(params: Record<string, string>): string {
    return `${this.settings.endpoint}/${encodeURIComponent(this.settings.bucket)}?${encodeQuery(params)}`;
  }

  /** One signed call about the object `key` (see `call`). */
  callObject(operation: string, key: string, init: RequestInit, options: CallOptions): Promise<Response> {
    return this.call(operation, objectUrl(this.settings.endpoint, this.settings.bucket, key), init, options);
  }

  /** One signed call, bounded in time; network failures and timeouts become 503/504. */
  async call(operation: string, url: string, init: RequestInit, options: CallOptions): Promise<Response> {
    const attempts = options.idempotent ? IDEMPOTENT_ATTEMPTS : 1;
    this.budget.take("storage");
    for (let attempt = 1; ; attempt++) {
      const timeLeft = Math.min(this.timeoutMs, this.deadline - Date.now());
      if (timeLeft <= 0) throw storageTimeoutError(operation, this.timeoutMs);
      const controller = new AbortController();
      let timedOut = false;
      let timer: number | null = null;
      const arm = () => {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeLeft);
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
        if (attempt < attempts && this.budget.tryTakeRetry("storage")) {
          await waitBeforeRetry(attempt, RETRY_BACKOFF);
          continue;
        }
        throw storageUnavailableError(operation);
      }
      // Headers are in: from here the body streams at the client's pace, so the timer stops.
      clearTimeout(timer);
      // A retry is made only out of retries planned for it or spare subrequests: never one that other planned work needs.
      if (attempt < attempts && isRetryableStatus(response.status) && this.deadline - Date.now() > 0 && this.budget.tryTakeRetry("storage")) {
        await response.body?.cancel();
        await waitBeforeRetry(attempt, RETRY_BACKOFF);
        continue;
      }
      return response;
    }
  }

  /** Reads an unexpected answer's S3 error code, logs it and throws the matching `502`. */
  async fail(operation: string, response: Response): Promise<never> {
    const code = await this.errorCodeOf(response);
    console.warn(JSON.stringify({ level: "warn", storage: operation, status: response.status, code }));
    throw storageAnswerError(operation, response.status, code);
  }

  /** The S3 error code in an answer's body (read whole: error bodies are small). */
  async errorCodeOf(response: Response): Promise<string | undefined> {
    return errorCode(await response.text().catch(() => ""));
  }
}
