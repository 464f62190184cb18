// How a failure that never got a whole answer is told: which server, and why. Node's global fetch
// says only "fetch failed" and keeps the reason in `cause`; a browser says "Failed to fetch" (or
// its own words) for a refused cross-origin request as for a server that is down. Pure.

/** What browsers' fetch rejects with when the request never got an answer it may show: no cause given. */
const BROWSER_FETCH_FAILED = /^(Failed to fetch|NetworkError when attempting to fetch resource\.?|Load failed)$/;

function describeOne(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message !== "") return err.message;
  // An AggregateError (every address of a host refused) may have no message of its own.
  const inner = err instanceof AggregateError ? err.errors.map(describeOne).filter((m) => m !== "") : [];
  if (inner.length > 0) return [...new Set(inner)].join("; ");
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : err.name;
}

/** The error's message and its causes', outermost first, each said once ("fetch failed: connect ECONNREFUSED 127.0.0.1:1"). */
export function describeCause(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const part = describeOne(current);
    if (part !== "" && !parts.includes(part)) parts.push(part);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

/**
 * The message of a `network_error`: the server's URL (as given to the client) and the cause; for a
 * browser's bare fetch failure, the likely reasons, a page origin the Worker does not allow among them.
 * `stage`: the request failed before any answer, or the answer's body could not be read whole.
 */
export function networkFailureMessage(url: string, err: unknown, stage: "request" | "body"): string {
  const cause = describeCause(err);
  const what = stage === "request" ? `could not reach the server at ${url}` : `the answer from the server at ${url} could not be read`;
  const browser =
    err instanceof TypeError && err.cause === undefined && BROWSER_FETCH_FAILED.test(err.message)
      ? " (the server may be down, or, in a browser, this page's origin may be missing from the Worker's ALLOWED_ORIGINS: a refused cross-origin request fails the same way)"
      : "";
  return `${what}: ${cause}${browser}`;
}
