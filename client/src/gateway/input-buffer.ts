// The bytes a connection received and its session has not used yet: appended chunk by chunk and
// consumed from the front, each byte copied once (amortised), never the whole buffer per chunk.

/** Capacity kept by an emptied buffer; a larger one is let go, so an idle connection holds little. */
const KEEP_BYTES = 64 * 1024;
const MIN_BYTES = 16 * 1024;

export class InputBuffer {
  private store: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  get byteLength(): number {
    return this.end - this.start;
  }

  /** The bytes held, as a view that stays valid until the next append. */
  view(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  append(chunk: Uint8Array): void {
    const size = chunk.byteLength;
    if (this.end + size > this.store.byteLength) {
      const live = this.byteLength;
      if (live + size <= this.store.byteLength && live <= this.store.byteLength / 2) {
        this.store.copy(this.store, 0, this.start, this.end); // room at the front: move the live bytes there
      } else {
        const grown = Buffer.allocUnsafe(Math.max(MIN_BYTES, live + size, 2 * this.store.byteLength));
        this.store.copy(grown, 0, this.start, this.end);
        this.store = grown;
      }
      this.start = 0;
      this.end = live;
    }
    this.store.set(chunk, this.end);
    this.end += size;
  }

  /** Drops `bytes` from the front. */
  consume(bytes: number): void {
    this.start = Math.min(this.end, this.start + bytes);
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
      if (this.store.byteLength > KEEP_BYTES) this.store = Buffer.alloc(0);
    }
  }

  clear(): void {
    this.consume(this.byteLength);
  }
}
