// What a connection's session is, whichever protocol it speaks: the bytes received and not yet
// used, one run at a time carrying out the complete commands among them, and where answers go.

import type { Backend } from "./backend.js";
import type { Stats } from "./stats.js";

export interface Limits {
  /** The longest command line (a multi-get's keys included). */
  maxLineBytes: number;
  /** The largest value accepted. */
  maxValueBytes: number;
}

export interface Output {
  write(chunks: Buffer[]): void;
  /** Ends the connection once what was written is sent. */
  end(): void;
}

export abstract class Session {
  protected buffer: Buffer = Buffer.alloc(0);
  protected running = false;
  protected closed = false;

  constructor(
    protected readonly backend: Backend,
    protected readonly stats: Stats,
    protected readonly limits: Limits,
    protected readonly version: string,
    protected readonly output: Output,
  ) {}

  /** Bytes from the connection: kept, and carried out unless a run is already at them. */
  feed(data: Buffer): void {
    if (this.closed) return;
    this.buffer = this.buffer.byteLength === 0 ? data : Buffer.concat([this.buffer, data]);
    if (!this.running) void this.run();
  }

  /** Stops reading: nothing more is carried out. */
  close(): void {
    this.closed = true;
    this.buffer = Buffer.alloc(0);
  }

  /** Carries out the complete commands buffered, in order, answering each, until none is left. */
  protected abstract run(): Promise<void>;
}
