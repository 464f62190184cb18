// One connection speaking the binary protocol (memjs and others). Requests are carried out in
// order; a run of gets already received (GETQ/GETKQ … NOOP, as clients pipeline a multi-get) is
// one multi-key read: one batch request per `batchSize()` keys.

import type { Hit, Reads, StoreMode } from "./backend.js";
import { errorResponse, flagsExtras, HEADER_BYTES, OP, QUIET_OF, readHeader, readRequest, type Request, response, STATUS } from "./binary-codec.js";
import { failureOf } from "./failure.js";
import { keyOf } from "./text-parser.js";
import { Session } from "./session.js";
import { statGroup } from "./stats.js";

const GETS: ReadonlySet<number> = new Set([OP.get, OP.getq, OP.getk, OP.getkq]);
const STORES: ReadonlyMap<number, StoreMode> = new Map<number, StoreMode>([
  [OP.set, "set"],
  [OP.add, "add"],
  [OP.replace, "replace"],
  [OP.append, "append"],
  [OP.prepend, "prepend"],
]);
const NO_EXPIRY_CREATE = 0xffff_ffff;

class InvalidRequest extends Error {}

function keyFrom(request: Request): string {
  if (request.key.byteLength === 0) throw new InvalidRequest("Invalid arguments");
  const parsed = keyOf(request.key.toString("latin1"));
  if ("error" in parsed) throw new InvalidRequest(parsed.error.replace(/^CLIENT_ERROR /, ""));
  return parsed.key;
}

export class BinarySession extends Session {
  private swallow = 0;

  /** The complete requests buffered now (too-large ones answered and skipped). */
  private take(): (Request | Buffer[])[] {
    const ready: (Request | Buffer[])[] = [];
    for (;;) {
      if (this.swallow > 0) {
        const skipped = Math.min(this.swallow, this.buffer.byteLength);
        this.consume(skipped);
        this.swallow -= skipped;
        if (this.swallow > 0) return ready;
      }
      if (this.buffer.byteLength < HEADER_BYTES) return ready;
      const header = readHeader(this.buffer);
      if ("error" in header) {
        // Not a request: nothing after it can be framed. memcached closes such a connection.
        this.closed = true;
        ready.push([]);
        return ready;
      }
      const valueLength = header.bodyLength - header.keyLength - header.extrasLength;
      if (valueLength > this.limits.maxValueBytes) {
        this.consume(HEADER_BYTES);
        this.swallow = header.bodyLength;
        const quiet = QUIET_OF.get(header.opcode);
        this.backend.refusedTooLarge();
        ready.push(errorResponse(quiet ?? header.opcode, header.opaque, STATUS.tooLarge));
        continue;
      }
      if (this.buffer.byteLength < HEADER_BYTES + header.bodyLength) return ready;
      const whole = Buffer.from(this.buffer.subarray(0, HEADER_BYTES + header.bodyLength));
      this.consume(HEADER_BYTES + header.bodyLength);
      ready.push(readRequest(header, whole));
    }
  }

  protected async run(): Promise<void> {
    while (!this.closed) {
      const ready = this.take();
      if (ready.length === 0) break;
      const out: Buffer[] = [];
      for (let i = 0; i < ready.length && !this.closed; ) {
        const item = ready[i] as Request | Buffer[];
        if (Array.isArray(item)) {
          out.push(...item);
          i += 1;
          continue;
        }
        // A run of gets: one multi-key read.
        let end = i;
        while (end < ready.length && !Array.isArray(ready[end]) && GETS.has((ready[end] as Request).opcode)) end += 1;
        if (end > i) {
          out.push(...(await this.gets(ready.slice(i, end) as Request[])));
          i = end;
          continue;
        }
        if (item.opcode === OP.quit || item.opcode === OP.quitq) {
          if (item.opcode === OP.quit) out.push(...response({ opcode: OP.quit, opaque: item.opaque }));
          this.closed = true;
          break;
        }
        if (out.length > 0) this.output.write(out.splice(0));
        out.push(...(await this.one(item)));
        i += 1;
      }
      if (out.length > 0) this.output.write(out);
      if (this.closed) this.output.end();
    }
  }

  private async gets(requests: Request[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    const keys: (string | InvalidRequest)[] = requests.map((request) => {
      try {
        return keyFrom(request);
      } catch (err) {
        return err as InvalidRequest;
      }
    });
    let reads: Reads;
    try {
      reads = await this.backend.getMany(keys.filter((key): key is string => typeof key === "string"));
    } catch (err) {
      this.stats.add("backend_errors");
      const failure = failureOf(err);
      for (const request of requests) out.push(...errorResponse(QUIET_OF.get(request.opcode) ?? request.opcode, request.opaque, STATUS.internal, failure.message));
      return out;
    }
    requests.forEach((request, index) => {
      const key = keys[index] as string | InvalidRequest;
      const opcode = QUIET_OF.get(request.opcode) ?? request.opcode;
      const quiet = opcode !== request.opcode;
      if (key instanceof InvalidRequest) {
        out.push(...errorResponse(opcode, request.opaque, STATUS.invalid, key.message));
        return;
      }
      if (reads.failed.has(key)) {
        // Only this key failed: its own error, every other key its own answer.
        out.push(...errorResponse(opcode, request.opaque, STATUS.internal, failureOf(reads.failed.get(key)).message));
        return;
      }
      const hit = reads.found.get(key);
      if (hit === undefined) {
        if (!quiet) out.push(...errorResponse(request.opcode, request.opaque, STATUS.notFound));
        return;
      }
      out.push(...this.hitResponse(request.opcode, request.opaque, hit, request.opcode === OP.getk || request.opcode === OP.getkq ? request.key : undefined));
    });
    return out;
  }

  private hitResponse(opcode: number, opaque: number, hit: Hit, key?: Buffer, withValue = true): Buffer[] {
    return response({ opcode, opaque, cas: hit.cas, extras: flagsExtras(hit.flags), ...(key ? { key } : {}), ...(withValue ? { value: hit.value } : {}) });
  }

  /** One request's answer (nothing for a quiet one that succeeded). */
  private async one(request: Request): Promise<Buffer[]> {
    const base = QUIET_OF.get(request.opcode) ?? request.opcode;
    const quiet = base !== request.opcode;
    const ok = (parts: Omit<Parameters<typeof response>[0], "opcode" | "opaque"> = {}): Buffer[] =>
      quiet ? [] : response({ opcode: request.opcode, opaque: request.opaque, ...parts });
    const fail = (status: number, text?: string): Buffer[] => errorResponse(request.opcode, request.opaque, status, text);
    try {
      const mode = STORES.get(base);
      if (mode !== undefined) {
        const key = keyFrom(request);
        const hasExtras = mode !== "append" && mode !== "prepend";
        if (request.extras.byteLength !== (hasExtras ? 8 : 0)) return fail(STATUS.invalid);
        const flags = hasExtras ? request.extras.readUInt32BE(0) : 0;
        const exptime = hasExtras ? request.extras.readUInt32BE(4) : 0;
        const withCas = request.cas !== 0n && (mode === "set" || mode === "replace");
        const result = await this.backend.store(withCas ? "cas" : mode, key, request.value, flags, exptime, request.cas);
        switch (result.status) {
          case "STORED":
            return ok({ cas: result.cas });
          case "NOT_STORED":
            return mode === "add" ? fail(STATUS.exists) : fail(mode === "replace" ? STATUS.notFound : STATUS.notStored);
          case "EXISTS":
            return fail(STATUS.exists);
          case "NOT_FOUND":
            return fail(STATUS.notFound);
        }
      }
      switch (base) {
        case OP.delete: {
          const result = await this.backend.remove(keyFrom(request), request.cas);
          return result === "DELETED" ? ok() : fail(result === "EXISTS" ? STATUS.exists : STATUS.notFound);
        }
        case OP.increment:
        case OP.decrement: {
          const key = keyFrom(request);
          if (request.extras.byteLength !== 20) return fail(STATUS.invalid);
          const by = request.extras.readBigUInt64BE(0);
          const initial = request.extras.readBigUInt64BE(8);
          const exptime = request.extras.readUInt32BE(16);
          const result = await this.backend.delta(key, base === OP.increment, by, {
            ...(exptime === NO_EXPIRY_CREATE ? {} : { initial: { value: initial, exptime, flags: 0 } }),
            ...(request.cas === 0n ? {} : { cas: request.cas }),
          });
          if (result.status !== "OK") {
            return fail(result.status === "NOT_FOUND" ? STATUS.notFound : result.status === "EXISTS" ? STATUS.exists : STATUS.nonNumeric);
          }
          const value = Buffer.alloc(8);
          value.writeBigUInt64BE(result.value);
          return ok({ cas: result.cas, value });
        }
        case OP.touch:
        case OP.gat:
        case OP.gatk: {
          const key = keyFrom(request);
          if (request.extras.byteLength !== 4) return fail(STATUS.invalid);
          const found = await this.backend.getAndTouch([key], request.extras.readUInt32BE(0));
          const hit = found.get(key);
          if (hit === undefined) return quiet && base !== OP.touch ? [] : fail(STATUS.notFound);
          return this.hitResponse(request.opcode, request.opaque, hit, base === OP.gatk ? request.key : undefined, base !== OP.touch);
        }
        case OP.flush: {
          if (request.extras.byteLength === 4 && request.extras.readUInt32BE(0) !== 0) {
            return fail(STATUS.invalid, "flush with a delay is not supported: the namespace is flushed at once or not at all");
          }
          await this.backend.flush();
          return ok();
        }
        case OP.noop:
          return ok();
        case OP.version:
          return ok({ value: Buffer.from(this.version, "latin1") });
        case OP.verbosity:
          return ok();
        case OP.stat:
          return this.statResponses(request);
        default:
          return fail(STATUS.unknownCommand);
      }
    } catch (err) {
      if (err instanceof InvalidRequest) return fail(STATUS.invalid, err.message);
      this.stats.add("backend_errors");
      const failure = failureOf(err);
      if (failure.kind === "too_large") {
        this.backend.refusedTooLarge();
        return fail(STATUS.tooLarge);
      }
      return fail(failure.kind === "client" ? STATUS.invalid : STATUS.internal, failure.message);
    }
  }

  private statResponses(request: Request): Buffer[] {
    const group = request.key.toString("latin1");
    const end = response({ opcode: OP.stat, opaque: request.opaque });
    if (group === "reset") {
      this.stats.reset();
      return end;
    }
    // A group the gateway does not know answers no pairs, only the end.
    const pairs = group === "" ? this.stats.report(this.version) : (statGroup(group, this.stats.settings) ?? []);
    return [...pairs.flatMap(([name, value]) => response({ opcode: OP.stat, opaque: request.opaque, key: Buffer.from(name), value: Buffer.from(value) })), ...end];
  }
}
