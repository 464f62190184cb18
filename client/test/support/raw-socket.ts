// A raw TCP connection for protocol edge cases: send bytes, then read until an answer is complete.

import net from "node:net";

export class RawConnection {
  private received = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      this.waiter?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on("error", () => undefined);
  }

  static open(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  send(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  }

  /** Waits until `complete(received)` gives how many bytes form the answer; returns them and keeps the rest. */
  async read(complete: (received: Buffer) => number | null, what = "an answer"): Promise<Buffer> {
    for (;;) {
      const length = complete(this.received);
      if (length !== null) {
        const answer = this.received.subarray(0, length);
        this.received = this.received.subarray(length);
        return answer;
      }
      if (this.closed) throw new Error(`the connection closed before ${what}; got ${JSON.stringify(this.received.toString("latin1"))}`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }

  /** Reads text up to and including a line matching `last` (by default: any line). */
  async lines(last: RegExp = /.*/): Promise<string> {
    const text = await this.read((received) => {
      const s = received.toString("latin1");
      let at = 0;
      for (;;) {
        const end = s.indexOf("\r\n", at);
        if (end === -1) return null;
        if (last.test(s.slice(at, end))) return end + 2;
        at = end + 2;
      }
    }, `a line matching ${last}`);
    return text.toString("latin1");
  }

  /** Sends a command and reads up to the line matching `last`. */
  async ask(command: string | Buffer, last?: RegExp): Promise<string> {
    this.send(command);
    return this.lines(last);
  }

  /** Resolves once the server has closed the connection. */
  async closedByServer(): Promise<void> {
    await this.read(() => (this.closed ? this.received.byteLength : null), "the close").catch(() => undefined);
    if (!this.closed) throw new Error("the connection is still open");
  }

  close(): void {
    this.socket.destroy();
  }
}
