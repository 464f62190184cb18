import { NONCE_BYTES } from "./object-format";
import type { ValueSource } from "./storage";

/** A value framed for storage: a fresh nonce, then the value (object-format.ts). */
export interface FramedValue {
  /** The object's first bytes: random, so that this write has an ETag of its own. */
  nonce: Uint8Array;
  /** The whole object: bytes in memory, or a stream of known length (never buffered). */
  body: Uint8Array | ReadableStream<Uint8Array>;
  /** For a streamed value: settles once its last byte has been handed on. */
  uploadDone?: Promise<unknown>;
}

/** Frames a value behind a fresh nonce, both ways to storage alike. */
export function frameValue(value: ValueSource): FramedValue {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  if (value instanceof Uint8Array) {
    const bytes = new Uint8Array(NONCE_BYTES + value.byteLength);
    bytes.set(nonce, 0);
    bytes.set(value, NONCE_BYTES);
    return { nonce, body: bytes };
  }
  // A FixedLengthStream gives storage the length it needs, without buffering the value.
  const framed = new FixedLengthStream(NONCE_BYTES + value.length);
  const uploadDone = (async () => {
    const writer = framed.writable.getWriter();
    await writer.write(nonce);
    writer.releaseLock();
    // Piped natively: no chunk of a streamed value passes through JavaScript (memory stays flat).
    await value.stream.pipeTo(framed.writable);
  })();
  uploadDone.catch(() => undefined);
  return { nonce, body: framed.readable, uploadDone };
}
