import { ApiError } from "../http/errors";

/** Largest magnitude a counter may hold: values stay exact as JSON numbers (±(2^53−1)). */
export const COUNTER_LIMIT = Number.MAX_SAFE_INTEGER;

const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** Significant digits that can still be within ±(2^53−1) (a 16-digit number); more are out of range. */
const MAX_SIGNIFICANT_DIGITS = 16;

const notANumber = () => new ApiError("not_a_number", "the item's value is not an integer");

/**
 * Reads a counter's stored bytes, chunk by chunk, as API.md writes the rule: `-?[0-9]+` byte for
 * byte (no byte-order mark, no spaces, no `+`), within ±(2^53−1). The bytes are checked as they come,
 * never decoded as text (a decoder would drop a byte-order mark), and never held whole: only the
 * significant digits are kept. Leading zeros are digits like any other (`007` is 7, `-0` is 0).
 */
export class CounterParser {
  private negative = false;
  private bytes = 0;
  private digits = 0;
  private significant = "";

  /** Takes the next bytes; throws `409 not_a_number` at the first byte the rule refuses. */
  push(chunk: Uint8Array): void {
    for (const byte of chunk) {
      const position = this.bytes++;
      if (position === 0 && byte === MINUS) {
        this.negative = true;
        continue;
      }
      if (byte < ZERO || byte > NINE) throw notANumber();
      this.digits += 1;
      if (this.significant === "" && byte === ZERO) continue;
      if (this.significant.length <= MAX_SIGNIFICANT_DIGITS) this.significant += String.fromCharCode(byte);
    }
  }

  /** The value, once every byte was pushed: `409 not_a_number` or `409 out_of_range` if it has none. */
  finish(): number {
    if (this.digits === 0) throw notANumber();
    if (this.significant.length > MAX_SIGNIFICANT_DIGITS) throw outOfRange();
    const magnitude = this.significant === "" ? 0 : Number(this.significant);
    if (!Number.isSafeInteger(magnitude)) throw outOfRange();
    return this.negative && magnitude !== 0 ? -magnitude : magnitude;
  }
}

function outOfRange(): ApiError {
  return new ApiError("out_of_range", `the item's value is outside ±${COUNTER_LIMIT}`);
}

/** A counter's value from all of its bytes at once. Pure. */
export function parseCounter(bytes: Uint8Array): number {
  const parser = new CounterParser();
  parser.push(bytes);
  return parser.finish();
}

/** Reads a counter's value from its stored body, stopping (and cancelling the rest) at the first refused byte. */
export async function readCounter(body: ReadableStream<Uint8Array>): Promise<number> {
  const parser = new CounterParser();
  const reader = body.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) parser.push(next.value);
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  } finally {
    reader.releaseLock();
  }
  return parser.finish();
}
