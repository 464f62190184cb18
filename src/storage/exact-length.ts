/**
 * Passes a body through only if it has exactly `expected` bytes; otherwise the stream errors.
 *
 * Measured in workerd: when a store (or anything between) cuts a response body short and closes
 * the connection, `fetch`'s body simply ends early — reading it gives the short value with no
 * error, even though Content-Length promised more. Served as is, that would be a wrong 200. With
 * this stream the read fails instead, the client's response is aborted, and the location cache's
 * copy (a tee of the same body) is never stored.
 */
export function exactLength(expected: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > expected) {
        controller.error(new Error(`storage sent more than the ${expected} bytes it announced`));
        return;
      }
      controller.enqueue(chunk);
    },
    flush(controller) {
      if (seen !== expected) controller.error(new Error(`storage sent ${seen} of ${expected} bytes`));
    },
  });
}
