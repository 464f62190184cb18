// How a failure of the HTTP side is told to a memcached client. Pure.

import { CloudCachedError } from "../errors.js";

/** What went wrong, in memcached's three kinds of answer. */
export interface Failure {
  kind: "too_large" | "client" | "server";
  /** The text after `CLIENT_ERROR ` / `SERVER_ERROR `. */
  message: string;
}

/** A failure raised by the gateway itself (a conflict it gave up on, a bad argument). */
export class GatewayFailure extends Error {
  constructor(
    readonly kind: Failure["kind"],
    message: string,
  ) {
    super(message);
    this.name = "GatewayFailure";
  }
}

const oneLine = (text: string): string => text.replace(/[\r\n]+/g, " ").slice(0, 200);

export function failureOf(err: unknown): Failure {
  if (err instanceof GatewayFailure) return { kind: err.kind, message: oneLine(err.message) };
  if (err instanceof CloudCachedError) {
    if (err.status === 413 || err.code === "value_too_large") return { kind: "too_large", message: "object too large for cache" };
    if (err.status === 400) return { kind: "client", message: oneLine(err.message) };
    if (err.code === "timeout") return { kind: "server", message: `cloudcached did not answer in time (${oneLine(err.message)})` };
    if (err.code === "network_error") return { kind: "server", message: `cloudcached is unreachable (${oneLine(err.message)})` };
    return { kind: "server", message: `cloudcached ${err.status} ${err.code}: ${oneLine(err.message)}` };
  }
  return { kind: "server", message: `gateway error: ${oneLine(err instanceof Error ? err.message : String(err))}` };
}

/** The text protocol's line for a failure. */
export function failureLine(failure: Failure): string {
  if (failure.kind === "too_large") return "SERVER_ERROR object too large for cache";
  return `${failure.kind === "client" ? "CLIENT_ERROR" : "SERVER_ERROR"} ${failure.message}`;
}
