// One connection speaking the text protocol (classic and meta commands): lines and data blocks
// read from the byte stream, commands carried out one after another in order (pipelining), answers
// written in the same order.

import type { Hit } from "./backend.js";
import { failureLine, failureOf } from "./failure.js";
import { executeMeta } from "./meta-commands.js";
import { metadumpLine, metadumpScope } from "./metadump.js";
import { type MetaRequest, parseMeta } from "./meta-parser.js";
import { Session } from "./session.js";
import { MAX_FLAGS, parseUnsigned } from "./semantics.js";
import { DUMP_CLASS, SLAB_CLASSES, statGroup } from "./stats.js";
import { mayRunLong, parseTextCommand, SHORT_LINE_BYTES, type TextCommand, tokenize } from "./text-parser.js";

const CRLF = Buffer.from("\r\n");
/** The most memcached answers to one `stats cachedump`. */
const CACHEDUMP_BYTES = 2 * 1024 * 1024;
/** Lines of a metadump held before they are written out. */
const METADUMP_PAGE_LINES = 1000;
const line = (text: string): Buffer => Buffer.from(`${text}\r\n`, "latin1");

/** What the session waits for: a command line, a data block for a command, or bytes to skip. */
type Waiting =
  | { kind: "line" }
  | { kind: "data"; command: Extract<TextCommand, { kind: "store" }> | { kind: "meta"; request: MetaRequest }; bytes: number }
  | { kind: "swallow"; bytes: number };

/** What to do next: answer now, answer once the Worker has, or end the connection after `answer`. */
type Step = { kind: "now"; answer: Buffer[] } | { kind: "later"; work: () => Promise<Buffer[]> } | { kind: "close"; answer: Buffer[] };

/** Ends the connection without another word (`quit`, and what memcached will not read). */
const HANG_UP: Step = { kind: "close", answer: [] };

export class TextSession extends Session {
  private waiting: Waiting = { kind: "line" };

  protected async run(): Promise<void> {
    const pending: Buffer[] = [];
    const flush = (): void => {
      if (pending.length > 0) this.output.write(pending.splice(0));
    };
    while (!this.closed) {
      const step = this.next();
      if (step === null) break;
      if (step.kind === "close") {
        pending.push(...step.answer);
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
  }

  /** The next thing to do with what is buffered, or null to wait for more bytes. */
  private next(): Step | null {
    const waiting = this.waiting;
    if (waiting.kind === "swallow") {
      const skipped = Math.min(waiting.bytes, this.buffer.byteLength);
      this.consume(skipped);
      this.waiting = waiting.bytes === skipped ? { kind: "line" } : { kind: "swallow", bytes: waiting.bytes - skipped };
      return this.waiting.kind === "swallow" ? null : { kind: "now", answer: [] };
    }
    if (waiting.kind === "data") {
      if (this.buffer.byteLength < waiting.bytes + 2) return null;
      const value = Buffer.from(this.buffer.subarray(0, waiting.bytes));
      const ending = Buffer.from(this.buffer.subarray(waiting.bytes, waiting.bytes + 2));
      this.consume(waiting.bytes + 2);
      this.waiting = { kind: "line" };
      const command = waiting.command;
      if (ending[0] !== 0x0d || ending[1] !== 0x0a) {
        const quiet = command.kind === "store" && command.noreply;
        return { kind: "now", answer: quiet ? [] : [line("CLIENT_ERROR bad data chunk")] };
      }
      return { kind: "later", work: () => this.guarded(() => this.storeWith(command, value), command.kind === "store" && command.noreply) };
    }
    const buffer = this.buffer;
    const end = buffer.indexOf(0x0a);
    // memcached closes a line that has no end after 2,048 bytes unless it is a multi-get.
    if (end === -1 && buffer.byteLength > SHORT_LINE_BYTES && !mayRunLong(buffer.subarray(0, 128))) return HANG_UP;
    if (end === -1 || end > this.limits.maxLineBytes) {
      if (buffer.byteLength <= this.limits.maxLineBytes && end === -1) return null;
      return { kind: "close", answer: [line("CLIENT_ERROR line too long")] };
    }
    const text = buffer.toString("latin1", 0, end > 0 && buffer[end - 1] === 0x0d ? end - 1 : end);
    this.consume(end + 1);
    return this.command(parseTextCommand(text, this.limits.maxValueBytes));
  }

  private command(command: TextCommand): Step {
    switch (command.kind) {
      case "answer":
        if (command.swallow > 0) this.waiting = { kind: "swallow", bytes: command.swallow };
        return { kind: "now", answer: command.noreply ? [] : [line(command.line)] };
      case "store":
        this.waiting = { kind: "data", command, bytes: command.bytes };
        return { kind: "now", answer: [] };
      case "tooLarge": {
        this.waiting = { kind: "swallow", bytes: command.swallow };
        const answer = command.noreply ? [] : [line("SERVER_ERROR object too large for cache")];
        if (!command.dropOld) {
          this.backend.refusedTooLarge();
          return { kind: "now", answer };
        }
        return { kind: "later", work: () => this.guarded(() => this.backend.dropTooLarge(command.key).then(() => answer), command.noreply) };
      }
      case "meta": {
        const request = parseMeta(command.code, command.tokens);
        if ("error" in request) return { kind: "now", answer: [line(request.error)] };
        if (request.code === "ms") {
          if (request.dataLength > this.limits.maxValueBytes) {
            this.backend.refusedTooLarge();
            this.waiting = { kind: "swallow", bytes: request.dataLength + 2 };
            return { kind: "now", answer: [line("SERVER_ERROR object too large for cache")] };
          }
          this.waiting = { kind: "data", command: { kind: "meta", request }, bytes: request.dataLength };
          return { kind: "now", answer: [] };
        }
        if (request.code === "mn") return { kind: "now", answer: [line("MN")] };
        return { kind: "later", work: () => this.guarded(() => executeMeta(request, new Uint8Array(0), this.backend), false) };
      }
      case "version":
        return { kind: "now", answer: [line(`VERSION ${this.version}`)] };
      case "verbosity":
        return { kind: "now", answer: command.noreply ? [] : [line("OK")] };
      case "stats":
        return this.statsAnswer(command.argument);
      case "metadump": {
        const scope = metadumpScope(command.classes);
        if (scope.kind === "badClass") return { kind: "now", answer: [line("BADCLASS invalid class id")] };
        if (scope.kind === "none") return { kind: "now", answer: [line("END")] };
        return { kind: "later", work: () => this.guarded(() => this.metadump(), false) };
      }
      case "quit":
      case "hangup":
        return HANG_UP;
      default:
        return { kind: "later", work: () => this.guarded(() => this.execute(command), "noreply" in command && command.noreply) };
    }
  }

  /**
   * Runs a command against the Worker; a failure becomes memcached's error line, unless the command
   * was sent with `noreply`: memcached never answers one, so an answer would pair every later answer
   * of the connection with the wrong command.
   */
  private async guarded(work: () => Promise<Buffer[]>, noreply: boolean): Promise<Buffer[]> {
    try {
      return await work();
    } catch (err) {
      this.stats.add("backend_errors");
      const failure = failureOf(err);
      if (failure.kind === "too_large") this.backend.refusedTooLarge();
      return noreply ? [] : [line(failureLine(failure))];
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
        // memcached answers the hits and leaves out the rest: a key that could not be read is left out too.
        return items((await this.backend.getMany(command.keys)).found, command.keys, command.withCas);
      case "gat":
        return items(await this.backend.getAndTouch(command.keys, command.exptime), command.keys, command.withCas);
      case "delete": {
        const result = await this.backend.remove(command.key);
        return command.noreply ? [] : [line(result)];
      }
      case "delta": {
        const result = await this.backend.delta(command.key, command.incr, command.by);
        if (command.noreply) return [];
        if (result.status === "NON_NUMERIC") return [line("CLIENT_ERROR cannot increment or decrement non-numeric value")];
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

  private statsAnswer(argument: string | null): Step {
    const listed = (pairs: [string, string][]): Buffer[] => [...pairs.map(([name, value]) => line(`STAT ${name} ${value}`)), line("END")];
    if (argument === null) return { kind: "now", answer: listed(this.stats.report(this.version)) };
    if (argument === "reset") {
      this.stats.reset();
      return { kind: "now", answer: [line("RESET")] };
    }
    const [group, ...rest] = tokenize(argument);
    if (group === "cachedump") {
      if (rest.length < 2) return { kind: "now", answer: [line("CLIENT_ERROR bad command line")] };
      const slab = parseUnsigned(rest[0] as string, BigInt(MAX_FLAGS));
      const limit = parseUnsigned(rest[1] as string, BigInt(MAX_FLAGS));
      if (slab === null || limit === null) return { kind: "now", answer: [line("CLIENT_ERROR bad command line format")] };
      if (slab >= BigInt(SLAB_CLASSES)) return { kind: "now", answer: [line("CLIENT_ERROR Illegal slab id")] };
      if (slab !== BigInt(DUMP_CLASS)) return { kind: "now", answer: [line("END")] };
      return { kind: "later", work: () => this.guarded(() => this.cachedump(Number(limit)), false) };
    }
    const pairs = statGroup(argument, this.stats.settings);
    return { kind: "now", answer: pairs === null ? [line("ERROR")] : listed(pairs) };
  }

  /**
   * `stats cachedump 1 <limit>`: the namespace's keys from the Worker's listing, as memcached lists
   * a slab class's items (`limit` 0: all, up to memcached's 2 MiB of answer). The listing has no
   * expiry, so each item's is given as 0.
   */
  private async cachedump(limit: number): Promise<Buffer[]> {
    const out: Buffer[] = [];
    let bytes = 0;
    for await (const { key, size } of this.backend.listKeys()) {
      const entry = line(`ITEM ${Buffer.from(key, "utf8").toString("latin1")} [${size} b; 0 s]`);
      if (bytes + entry.byteLength > CACHEDUMP_BYTES) break;
      out.push(entry);
      bytes += entry.byteLength;
      if (out.length === limit) break;
    }
    out.push(line("END"));
    return out;
  }

  /**
   * `lru_crawler metadump`: every key of the namespace, one memcached metadump line each, written
   * page by page of the Worker's listing as it comes (memcached dumps every item, with no cap), then END.
   */
  private async metadump(): Promise<Buffer[]> {
    let page: Buffer[] = [];
    for await (const listed of this.backend.listKeys()) {
      page.push(Buffer.from(metadumpLine(listed), "latin1"));
      if (page.length >= METADUMP_PAGE_LINES) {
        this.output.write(page);
        page = [];
      }
    }
    page.push(line("END"));
    return page;
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
