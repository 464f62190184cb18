// What a connection's session is, whichever protocol it speaks: the bytes received and not yet
// used, one run at a time carrying out the complete commands among them, and where answers go.
// A session that is busy with a command (waiting on the Worker) and already holds more than
// `HIGH_WATER_BYTES` unread asks its connection to stop reading, as memcached stops reading a client
// it is not keeping up with: what a client pipelines then waits in the kernel and in the client, not
// in the gateway, and a slow Worker costs each connection a bounded amount of memory.

import type { Backend } from "./backend.js";
import { InputBuffer } from "./input-buffer.js";
import type { Stats } from "./stats.js";

export interface Limits {
  /** The longest command line (a multi-get's keys included). */
  maxLineBytes: number;
  /** The largest value accepted. */
  maxValueBytes: number;
}

/** The session's side of its socket. */
export interface Connection {
  write(chunks: Buffer[]): void;
  /** Ends the connection once what was written is sent. */
  end(): void;
  /** Whether the session wants more bytes now: false stops reading the socket until it is true again. */
  reading(wanted: boolean): void;
}

/** Unread bytes a busy session holds before it stops reading (memcached reads 16 KiB at a time). */
export const HIGH_WATER_BYTES = 64 * 1024;

export abstract class Session {
  private readonly input = new InputBuffer();
  private running = false;
  private wanted = true;
  protected closed = false;

  constructor(
    protected readonly backend: Backend,
    protected readonly stats: Stats,
    protected readonly limits: Limits,
    protected readonly version: string,
    protected readonly output: Connection,
  ) {}

  /** Bytes from the connection: kept, and carried out unless a run is already at them. */
  feed(data: Buffer): void {
    if (this.closed) return;
    this.input.append(data);
    // Bytes that come while a command waits are only kept (and may stop the reading); others start a run.
    if (this.running) this.updateReading();
    else void this.drive();
  }

  /** Stops reading: nothing more is carried out. */
  close(): void {
    this.closed = true;
    this.input.clear();
  }

  /** The unread bytes, as a view valid until the next `feed` (copy what must outlive it). */
  protected get buffer(): Buffer {
    return this.input.view();
  }

  /** Drops `bytes` read from the front of the buffer. */
  protected consume(bytes: number): void {
    this.input.consume(bytes);
    this.updateReading();
  }

  private async drive(): Promise<void> {
    this.running = true;
    try {
      await this.run();
    } finally {
      this.running = false;
      this.updateReading();
    }
  }

  private updateReading(): void {
    const wanted = !this.closed && !(this.running && this.input.byteLength >= HIGH_WATER_BYTES);
    if (wanted === this.wanted) return;
    this.wanted = wanted;
    this.output.reading(wanted);
  }

  /** Carries out the complete commands buffered, in order, answering each, until none is left. */
  protected abstract run(): Promise<void>;
}
