/** Stream helpers of the storage code: bodies checked for length, trimmed, peeked at, joined. */

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

/** A body that is empty. */
export function emptyStream(): ReadableStream<Uint8Array> {
  return new Response(new Uint8Array(0)).body as ReadableStream<Uint8Array>;
}

/** Drops the first `count` bytes of a stream (a store that ignored a Range request sent them). */
export function skipBytes(count: number): TransformStream<Uint8Array, Uint8Array> {
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

/** The first `count` bytes of a body (fewer if it is shorter); the rest is not read. */
export async function firstBytes(body: ReadableStream<Uint8Array> | null, count: number): Promise<Uint8Array> {
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

/** `a` then `b`, in one new array. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(a.byteLength + b.byteLength);
  bytes.set(a, 0);
  bytes.set(b, a.byteLength);
  return bytes;
}
