// One connection speaking the text protocol (classic and meta commands): lines and data blocks
// read from the byte stream, commands carried out one after another in order (pipelining), answers
// written in the same order.

import type { Hit } from "./backend.js";
import { failureLine, failureOf } from "./failure.js";
import { executeMeta } from "./meta-commands.js";
import { type MetaRequest, parseMeta } from "./meta-parser.js";
import { Session } from "./session.js";
import { parseTextCommand, type TextCommand } from "./text-parser.js";

const CRLF = Buffer.from("\r\n");
const line = (text: string): Buffer => Buffer.from(`${text}\r\n`, "latin1");

/** What the session waits for: a command line, a data block for a command, or bytes to skip. */
type Waiting =
  | { kind: "line" }
  | { kind: "data"; command: Extract<TextCommand, { kind: "store" }> | { kind: "meta"; request: MetaRequest }; bytes: number }
  | { kind: "swallow"; bytes: number };

export class TextSession extends Session {
  private waiting: Waiting = { kind: "line" };

  protected async run(): Promise<void> {
    this.running = true;
    const pending: Buffer[] = [];
    const flush = (): void => {
      if (pending.length > 0) this.output.write(pending.splice(0));
    };
    try {
      while (!this.closed) {
        const step = this.next();
        if (step === null) break;
        if (step === "quit") {
          flush();
          this.closed = true;
          this.output.end();
          return;
        }
        if (step.kind === "now") {
          pending.push(...step.answer);
          continue;
        }
        flush(); // earlier answers go out before this one waits on the Worker
        pending.push(...(await step.work()));
      }
      flush();
    } finally {
      this.running = false;
    }
    // Bytes that arrived while the last command ran.
    if (!this.closed && this.buffer.byteLength > 0 && this.hasWork()) void this.run();
  }

  private hasWork(): boolean {
    switch (this.waiting.kind) {
      case "line":
        return this.buffer.includes(0x0a) || this.buffer.byteLength > this.limits.maxLineBytes;
      case "data":
        return this.buffer.byteLength >= this.waiting.bytes + 2;
      case "swallow":
        return true;
    }
  }

  /** The next thing to do with what is buffered, or null to wait for more bytes. */
  private next(): { kind: "now"; answer: Buffer[] } | { kind: "later"; work: () => Promise<Buffer[]> } | "quit" | null {
    const waiting = this.waiting;
    if (waiting.kind === "swallow") {
      const skipped = Math.min(waiting.bytes, this.buffer.byteLength);
      this.buffer = this.buffer.subarray(skipped);
      this.waiting = waiting.bytes === skipped ? { kind: "line" } : { kind: "swallow", bytes: waiting.bytes - skipped };
      return this.waiting.kind === "swallow" ? null : { kind: "now", answer: [] };
    }
    if (waiting.kind === "data") {
      if (this.buffer.byteLength < waiting.bytes + 2) return null;
      const value = Buffer.from(this.buffer.subarray(0, waiting.bytes));
      const ending = this.buffer.subarray(waiting.bytes, waiting.bytes + 2);
      this.buffer = this.buffer.subarray(waiting.bytes + 2);
      this.waiting = { kind: "line" };
      const command = waiting.command;
      if (ending[0] !== 0x0d || ending[1] !== 0x0a) {
        const quiet = command.kind === "store" && command.noreply;
        return { kind: "now", answer: quiet ? [] : [line("CLIENT_ERROR bad data chunk")] };
      }
      return { kind: "later", work: () => this.guarded(() => this.storeWith(command, value)) };
    }
    const end = this.buffer.indexOf(0x0a);
    if (end === -1 || end > this.limits.maxLineBytes) {
      if (this.buffer.byteLength <= this.limits.maxLineBytes && end === -1) return null;
      this.closed = true;
      this.output.write([line("CLIENT_ERROR line too long")]);
      this.output.end();
      return null;
    }
    const text = this.buffer.toString("latin1", 0, end > 0 && this.buffer[end - 1] === 0x0d ? end - 1 : end);
    this.buffer = this.buffer.subarray(end + 1);
    return this.command(parseTextCommand(text, this.limits.maxValueBytes));
  }

  private command(command: TextCommand): ReturnType<TextSession["next"]> {
    switch (command.kind) {
      case "answer":
        if (command.swallow > 0) this.waiting = { kind: "swallow", bytes: command.swallow };
        return { kind: "now", answer: command.noreply ? [] : [line(command.line)] };
      case "store":
        this.waiting = { kind: "data", command, bytes: command.bytes };
        return { kind: "now", answer: [] };
      case "tooLarge":
        this.waiting = { kind: "swallow", bytes: command.swallow };
        return {
          kind: "later",
          work: () =>
            this.guarded(async () => {
              await this.backend.remove(command.key);
              return command.noreply ? [] : [line("SERVER_ERROR object too large for cache")];
            }),
        };
      case "meta": {
        const request = parseMeta(command.code, command.tokens);
        if ("error" in request) return { kind: "now", answer: [line(request.error)] };
        if (request.code === "ms") {
          if (request.dataLength > this.limits.maxValueBytes) {
            this.waiting = { kind: "swallow", bytes: request.dataLength + 2 };
            return { kind: "now", answer: [line("SERVER_ERROR object too large for cache")] };
          }
          this.waiting = { kind: "data", command: { kind: "meta", request }, bytes: request.dataLength };
          return { kind: "now", answer: [] };
        }
        if (request.code === "mn") return { kind: "now", answer: [line("MN")] };
        return { kind: "later", work: () => this.guarded(() => executeMeta(request, new Uint8Array(0), this.backend)) };
      }
      case "version":
        return { kind: "now", answer: [line(`VERSION ${this.version}`)] };
      case "verbosity":
        return { kind: "now", answer: command.noreply ? [] : [line("OK")] };
      case "stats":
        return { kind: "now", answer: this.statsAnswer(command.argument) };
      case "quit":
        return "quit";
      default:
        return { kind: "later", work: () => this.guarded(() => this.execute(command)) };
    }
  }

  /** Runs a command against the Worker; a failure becomes memcached's error line (always sent, as memcached's are). */
  private async guarded(work: () => Promise<Buffer[]>): Promise<Buffer[]> {
    try {
      return await work();
    } catch (err) {
      this.stats.add("backend_errors");
      return [line(failureLine(failureOf(err)))];
    }
  }

  private async storeWith(command: Extract<TextCommand, { kind: "store" }> | { kind: "meta"; request: MetaRequest }, value: Uint8Array): Promise<Buffer[]> {
    if (command.kind === "meta") return executeMeta(command.request, value, this.backend);
    const result = await this.backend.store(command.verb, command.key, value, command.flags, command.exptime, command.cas);
    return command.noreply ? [] : [line(result.status)];
  }

  private async execute(command: TextCommand): Promise<Buffer[]> {
    switch (command.kind) {
      case "get":
        return items(await this.backend.getMany(command.keys), command.keys, command.withCas);
      case "gat":
        return items(await this.backend.getAndTouch(command.keys, command.exptime), command.keys, command.withCas);
      case "delete": {
        const result = await this.backend.remove(command.key);
        return command.noreply ? [] : [line(result)];
      }
      case "delta": {
        const result = await this.backend.delta(command.key, command.incr, command.by);
        if (result.status === "NON_NUMERIC") return [line("CLIENT_ERROR cannot increment or decrement non-numeric value")];
        if (command.noreply) return [];
        return [line(result.status === "OK" ? result.value.toString() : "NOT_FOUND")];
      }
      case "touch": {
        const touched = await this.backend.touch(command.key, command.exptime);
        return command.noreply ? [] : [line(touched ? "TOUCHED" : "NOT_FOUND")];
      }
      case "flush":
        await this.backend.flush();
        return command.noreply ? [] : [line("OK")];
      default:
        return [line("ERROR")];
    }
  }

  private statsAnswer(argument: string | null): Buffer[] {
    if (argument === null) {
      return [...this.stats.report(this.version).map(([name, value]) => line(`STAT ${name} ${value}`)), line("END")];
    }
    if (argument === "reset") {
      this.stats.reset();
      return [line("RESET")];
    }
    if (["settings", "items", "slabs", "sizes", "conns"].includes(argument)) return [line("END")];
    return [line("ERROR")];
  }
}

/** `VALUE key flags bytes [cas]` + data for each hit, in the order asked (a key asked twice, twice), then END. */
function items(found: Map<string, Hit>, keys: readonly string[], withCas: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (const key of keys) {
    const hit = found.get(key);
    if (hit === undefined) continue;
    const header = `VALUE ${Buffer.from(key, "utf8").toString("latin1")} ${hit.flags} ${hit.value.byteLength}${withCas ? ` ${hit.cas}` : ""}`;
    out.push(line(header), Buffer.from(hit.value.buffer, hit.value.byteOffset, hit.value.byteLength), CRLF);
  }
  out.push(line("END"));
  return out;
}
