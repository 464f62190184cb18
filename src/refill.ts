/** Values up to this size are refilled from one in-memory copy: no stream is teed for them. */
export const BUFFERED_REFILL_BYTES = 64 * 1024;

export interface Refill {
  /** What the client gets. */
  body: ReadableStream<Uint8Array> | Uint8Array;
  /** Settles once the location cache has its copy (or the copy was dropped). */
  written: Promise<void>;
}

/**
 * A miss refills the location cache with a copy of the value. A small value (`size` ≤
 * BUFFERED_REFILL_BYTES) is read once into memory and both the client and the cache get those
 * bytes: a tee and its second stream cost more than the copy. A larger one is teed and streamed to
 * both, never held whole.
 */
export async function refill(
  body: ReadableStream<Uint8Array>,
  size: number,
  write: (copy: ReadableStream<Uint8Array> | Uint8Array) => Promise<void>,
): Promise<Refill> {
  if (size <= BUFFERED_REFILL_BYTES) {
    const bytes = new Uint8Array(await new Response(body).arrayBuffer());
    return { body: bytes, written: write(bytes) };
  }
  const [forClient, forCache] = body.tee();
  return { body: forClient, written: write(forCache) };
}
