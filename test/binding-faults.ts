import { env } from "cloudflare:test";
import type { FaultMode } from "./fault-mode";

/**
 * The R2 binding's counterpart of the fault proxy (test/node/fault-proxy.ts): a wrapper around this
 * isolate's `STORE` binding that records every call and makes the ones a rule matches fail as R2's
 * binding fails — a rejected promise whose message ends in R2's error code, a lost connection, a call
 * that never settles, an answer cut short. Calls no rule matches go on to Miniflare's R2 bucket
 * unchanged. Only for fault injection and counting; the Worker is given the wrapper as `STORE`.
 *
 * A call is named as the proxy names an S3 request, so the same test reads both: `head` is HEAD,
 * `get` and `list` are GET, `put` is PUT, `delete` of one key is DELETE and of many is POST (as
 * S3's DeleteObjects); its path is `/` and the key (the prefix, for `list`; the first key, for a
 * delete of many).
 */

export interface BindingFaultRule {
  mode: FaultMode;
  /** A substring of the call's path. */
  path: string;
  /** How many matching calls fail (1 unless given). */
  count?: number;
  method?: string;
  delayMs?: number;
}

export interface BindingCall {
  method: string;
  path: string;
  fault: FaultMode | null;
}

interface ActiveRule extends Required<Omit<BindingFaultRule, "method" | "delayMs">> {
  method?: string;
  delayMs: number;
}

/** Runs about a call: to watch it, or hold it back (never to answer it). */
export type BindingInterceptor = (call: { method: string; path: string }, forward: () => Promise<unknown>) => Promise<unknown>;

const rules: ActiveRule[] = [];
const calls: BindingCall[] = [];
const interceptors: BindingInterceptor[] = [];

/** What R2's binding throws for each failure the proxy makes over S3 (its message ends in R2's error code). */
function bindingError(operation: string, mode: FaultMode): Error {
  switch (mode) {
    case "error500":
      return new Error(`${operation}: We encountered an internal error. Please try again. (10001)`);
    case "slowdown503":
      return new Error(`${operation}: Reduce your request rate. (10043)`);
    case "throttle429":
    case "conflict409":
      return new Error(`${operation}: Reduce your concurrent request rate for the same object. (10058)`);
    default:
      return new Error("Network connection lost.");
  }
}

function methodOf(name: string, args: readonly unknown[]): string {
  if (name === "head") return "HEAD";
  if (name === "put") return "PUT";
  if (name === "delete") return Array.isArray(args[0]) ? "POST" : "DELETE";
  return "GET";
}

function pathOf(name: string, args: readonly unknown[]): string {
  const [first] = args;
  if (name === "list") return `/${(first as R2ListOptions | undefined)?.prefix ?? ""}`;
  if (Array.isArray(first)) return `/${String(first[0] ?? "")}`;
  return `/${String(first)}`;
}

function matchingRule(method: string, path: string): ActiveRule | null {
  const rule = rules.find((r) => r.count > 0 && path.includes(r.path) && (r.method === undefined || r.method === method));
  if (!rule) return null;
  rule.count -= 1;
  return rule;
}

/** The stream's first half (of `size` bytes), then an error: an answer cut short. */
function cutShort(body: ReadableStream<Uint8Array>, size: number): ReadableStream<Uint8Array> {
  let left = Math.floor(size / 2);
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done || left <= 0) {
        await reader.cancel().catch(() => undefined);
        controller.error(new Error("Network connection lost."));
        return;
      }
      const part = value.subarray(0, left);
      left -= part.byteLength;
      controller.enqueue(part);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** The object as the binding answered it, with its body cut short. */
function withCutBody(object: R2ObjectBody): R2ObjectBody {
  const body = cutShort(object.body, object.range && "length" in object.range && object.range.length !== undefined ? object.range.length : object.size);
  return new Proxy(object, {
    get(target, name) {
      if (name === "body") return body;
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Reads a streamed value of a `put` to its end, as the binding would send it. */
async function drainValue(name: string, args: readonly unknown[]): Promise<void> {
  const value = name === "put" ? args[1] : null;
  if (value instanceof ReadableStream) await value.pipeTo(new WritableStream());
}

async function faulted(name: string, operation: string, rule: ActiveRule, forward: () => Promise<unknown>, args: unknown[]): Promise<unknown> {
  // As the proxy: any fault may come after a delay (a slow answer, then the failure).
  if (rule.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
  switch (rule.mode) {
    case "hang":
      // R2 takes the value (as a store over the network would), then never answers.
      await drainValue(name, args);
      return new Promise<never>(() => undefined);
    case "delay":
      return forward();
    case "resetAfter": {
      const answer = await forward();
      if (answer && typeof answer === "object" && "body" in answer) await (answer as R2ObjectBody).body.cancel();
      throw bindingError(operation, rule.mode);
    }
    case "cutResponse": {
      const answer = await forward();
      return answer && typeof answer === "object" && "body" in answer ? withCutBody(answer as R2ObjectBody) : answer;
    }
    case "cutRequest": {
      // Part of the value is read from the Worker, then the connection is lost: nothing is stored.
      const value = name === "put" ? args[1] : null;
      if (value instanceof ReadableStream) {
        const reader = (value as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        await reader.cancel();
      }
      throw bindingError(operation, rule.mode);
    }
    default:
      throw bindingError(operation, rule.mode);
  }
}

/** `bucket`, with every call recorded and the calls a rule matches failing as it says. */
export function faultyBucket(bucket: R2Bucket): R2Bucket {
  return new Proxy(bucket, {
    get(target, name) {
      const value = Reflect.get(target, name, target) as unknown;
      if (typeof value !== "function" || typeof name !== "string") return value;
      return (...args: unknown[]): Promise<unknown> => {
        const method = methodOf(name, args);
        const path = pathOf(name, args);
        const rule = matchingRule(method, path);
        calls.push({ method, path, fault: rule?.mode ?? null });
        const forward = () => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args));
        const run = rule ? () => faulted(name, name, rule, forward, args) : forward;
        return interceptors.reduce<() => Promise<unknown>>((next, intercept) => () => intercept({ method, path }, next), run)();
      };
    },
  });
}

/** This isolate's STORE binding behind the faults (the project worker-r2 only). */
export const faultyStore: R2Bucket | undefined = env.STORE ? faultyBucket(env.STORE) : undefined;

export const bindingFaults = {
  fault(rule: BindingFaultRule): void {
    rules.push({ mode: rule.mode, path: rule.path, count: rule.count ?? 1, method: rule.method, delayMs: rule.delayMs ?? 0 });
  },

  clear(path: string): void {
    for (let i = rules.length - 1; i >= 0; i--) if (rules[i]?.path.includes(path)) rules.splice(i, 1);
  },

  /** The calls made through the wrapper whose path contains `path`. */
  requests(path: string): BindingCall[] {
    return calls.filter((call) => call.path.includes(path)).map((call) => ({ ...call }));
  },

  /** Adds `interceptor` about every later call; answers the function that removes it. */
  intercept(interceptor: BindingInterceptor): () => void {
    interceptors.push(interceptor);
    return () => {
      const at = interceptors.indexOf(interceptor);
      if (at >= 0) interceptors.splice(at, 1);
    };
  },

  /** How many calls went through the wrapper so far. */
  callCount(): number {
    return calls.length;
  },
};
