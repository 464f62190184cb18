/**
 * Passes a body through only if it has exactly `expected` bytes; otherwise the stream errors.
 *
 * Measured in workerd: when a store (or anything between) cuts a response body short and closes
 * the connection, `fetch`'s body simply ends early — reading it gives the short value with no
 * error, even though Content-Length promised more. Served as is, that would be a wrong 200. With
 * this stream the read fails instead, the client's response is aborted, and the location cache's
 * copy (a tee of the same body) is never stored.
 *
 * A FixedLengthStream does exactly that, natively (no JavaScript per chunk), and its readable side
 * has a known length, so the response keeps its Content-Length instead of turning chunked.
 */
export function exactLength(expected: number): FixedLengthStream {
  return new FixedLengthStream(expected);
}
