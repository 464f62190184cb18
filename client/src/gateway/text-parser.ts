// memcached's text protocol: one command line (without its line end) parsed into what to do, or
// into memcached's own error answer. Pure. A line is a latin1 string: one character per byte, so a
// key's bytes are kept exactly and checked as UTF-8 here.

import { keyError, MAX_FLAGS, parseSigned32, parseUnsigned, U64_MAX } from "./semantics.js";

export type StorageVerb = "set" | "add" | "replace" | "append" | "prepend" | "cas";

export type TextCommand =
  | { kind: "get"; keys: string[]; withCas: boolean }
  | { kind: "gat"; keys: string[]; withCas: boolean; exptime: number }
  | { kind: "store"; verb: StorageVerb; key: string; flags: number; exptime: number; bytes: number; cas: bigint; noreply: boolean }
  | { kind: "delete"; key: string; noreply: boolean }
  | { kind: "delta"; key: string; incr: boolean; by: bigint; noreply: boolean }
  | { kind: "touch"; key: string; exptime: number; noreply: boolean }
  | { kind: "flush"; noreply: boolean }
  | { kind: "version" }
  | { kind: "verbosity"; noreply: boolean }
  | { kind: "stats"; argument: string | null }
  /** `lru_crawler metadump <classes>`: the keys' metadata, in memcached's format (metadump.ts). */
  | { kind: "metadump"; classes: string }
  | { kind: "quit" }
  | { kind: "meta"; code: string; tokens: string[] }
  /** A value over the size limit: its data skipped; for a `set`, the key's old value deleted too. */
  | { kind: "tooLarge"; key: string; noreply: boolean; swallow: number; dropOld: boolean }
  /** An answer without any work: `line` (unless `noreply`), then `swallow` bytes of data to skip. */
  | { kind: "answer"; line: string; noreply: boolean; swallow: number }
  /** A line that looks like an HTTP request: the connection is closed at once, unanswered. */
  | { kind: "hangup" };

const BAD_FORMAT = "CLIENT_ERROR bad command line format";
/** The longest data block memcached's command line allows (INT_MAX − 2: the block's line end must fit an int). */
export const MAX_DATA_LENGTH = 0x7fff_ffff - 2;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** memcached waits this long for a line's end; past it, only a multi-get may go on. */
export const SHORT_LINE_BYTES = 2048;

/**
 * Whether a command line with no line end yet after `SHORT_LINE_BYTES` may go on being read:
 * only a `get`/`gets` (after at most 100 spaces), as memcached allows; it closes any other. Pure.
 */
export function mayRunLong(head: Uint8Array): boolean {
  let at = 0;
  while (at < head.byteLength && head[at] === 0x20) at += 1;
  if (at > 100) return false;
  const start = Buffer.from(head.buffer, head.byteOffset + at, Math.min(5, head.byteLength - at)).toString("latin1");
  return start.startsWith("get ") || start === "gets ";
}

/** memcached splits a command on spaces only (a run of them counts once). */
export function tokenize(line: string): string[] {
  return line.split(" ").filter((token) => token !== "");
}

/** A key token (latin1 bytes) as the UTF-8 string the API uses, or the error line. */
export function keyOf(token: string): { key: string } | { error: string } {
  const bytes = Buffer.from(token, "latin1");
  let key: string;
  try {
    key = utf8.decode(bytes);
  } catch {
    return { error: "CLIENT_ERROR invalid key: not UTF-8" };
  }
  const problem = keyError(key, bytes.byteLength);
  if (problem === null) return { key };
  return { error: problem === "bad command line format" ? BAD_FORMAT : `CLIENT_ERROR ${problem}` };
}

function answer(line: string, noreply = false, swallow = 0): TextCommand {
  return { kind: "answer", line, noreply, swallow };
}

function keysOf(tokens: string[]): { keys: string[] } | { error: string } {
  const keys: string[] = [];
  for (const token of tokens) {
    const parsed = keyOf(token);
    if ("error" in parsed) return parsed;
    keys.push(parsed.key);
  }
  return { keys };
}

/** memcached's count of arguments for a command: exactly `count`, or one more (a `noreply`, or any token, which is ignored). */
function argumentsFit(args: readonly string[], count: number): boolean {
  return args.length === count || args.length === count + 1;
}

/**
 * Parses one command line. `maxValueBytes` is the largest value the gateway accepts: a storage
 * command over it answers "object too large" and its data block is skipped, as memcached does.
 */
export function parseTextCommand(line: string, maxValueBytes: number): TextCommand {
  const tokens = tokenize(line);
  const [name, ...args] = tokens;
  const noreply = args[args.length - 1] === "noreply";
  switch (name) {
    case "get":
    case "gets": {
      if (args.length === 0) return answer("ERROR");
      const parsed = keysOf(args);
      return "error" in parsed ? answer(parsed.error) : { kind: "get", keys: parsed.keys, withCas: name === "gets" };
    }
    case "gat":
    case "gats": {
      if (args.length < 1) return answer("ERROR");
      const exptime = parseSigned32(args[0] as string);
      if (exptime === null) return answer("CLIENT_ERROR invalid exptime argument");
      const parsed = keysOf(args.slice(1));
      return "error" in parsed ? answer(parsed.error) : { kind: "gat", keys: parsed.keys, withCas: name === "gats", exptime };
    }
    case "set":
    case "add":
    case "replace":
    case "append":
    case "prepend":
    case "cas": {
      if (!argumentsFit(args, name === "cas" ? 5 : 4)) return answer("ERROR");
      const flags = parseUnsigned(args[1] as string, BigInt(MAX_FLAGS));
      const exptime = parseSigned32(args[2] as string);
      const bytes = parseSigned32(args[3] as string);
      const cas = name === "cas" ? parseUnsigned(args[4] as string, U64_MAX) : 0n;
      if (flags === null || exptime === null || bytes === null || bytes < 0 || bytes > MAX_DATA_LENGTH || cas === null) return answer(BAD_FORMAT, noreply);
      const key = keyOf(args[0] as string);
      if ("error" in key) return answer(key.error, noreply);
      // memcached also drops the key's old value on a refused set, so no stale value outlives it.
      if (bytes > maxValueBytes) return { kind: "tooLarge", key: key.key, noreply, swallow: bytes + 2, dropOld: name === "set" };
      return { kind: "store", verb: name, key: key.key, flags: Number(flags), exptime, bytes, cas, noreply };
    }
    case "delete": {
      if (args.length < 1 || args.length > 3) return answer("ERROR");
      const zero = args[1] === "0";
      const valid = args.length === 1 || (args.length === 2 && (zero || noreply)) || (args.length === 3 && zero && noreply);
      if (!valid) return answer("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]", noreply);
      const key = keyOf(args[0] as string);
      return "error" in key ? answer(key.error, noreply) : { kind: "delete", key: key.key, noreply };
    }
    case "incr":
    case "decr": {
      if (!argumentsFit(args, 2)) return answer("ERROR");
      const key = keyOf(args[0] as string);
      if ("error" in key) return answer(key.error, noreply);
      const by = parseUnsigned(args[1] as string, U64_MAX);
      if (by === null) return answer("CLIENT_ERROR invalid numeric delta argument", noreply);
      return { kind: "delta", key: key.key, incr: name === "incr", by, noreply };
    }
    case "touch": {
      if (!argumentsFit(args, 2)) return answer("ERROR");
      const key = keyOf(args[0] as string);
      if ("error" in key) return answer(key.error, noreply);
      const exptime = parseSigned32(args[1] as string);
      if (exptime === null) return answer("CLIENT_ERROR invalid exptime argument", noreply);
      return { kind: "touch", key: key.key, exptime, noreply };
    }
    case "flush_all": {
      if (args.length > 2) return answer("ERROR");
      if (args.length > (noreply ? 1 : 0)) {
        const delay = parseSigned32(args[0] as string);
        if (delay === null) return answer(BAD_FORMAT, noreply);
        // memcached flushes at once for a delay of 0 or less.
        if (delay > 0) return answer("CLIENT_ERROR flush_all with a delay is not supported: the namespace is flushed at once or not at all", noreply);
      }
      return { kind: "flush", noreply };
    }
    case "version":
      return { kind: "version" };
    case "verbosity":
      if (!argumentsFit(args, 1)) return answer("ERROR");
      return { kind: "verbosity", noreply };
    case "stats":
      return { kind: "stats", argument: args.length === 0 ? null : args.join(" ") };
    case "lru_crawler":
      // Of the crawler's subcommands only metadump means something without slabs; the rest are unknown.
      return args[0] === "metadump" && args.length === 2 ? { kind: "metadump", classes: args[1] as string } : answer("ERROR");
    case "quit":
      return { kind: "quit" };
    case "mg":
    case "ms":
    case "md":
    case "ma":
    case "mn":
      return { kind: "meta", code: name, tokens: args };
    default:
      // memcached hangs up on what looks like an HTTP request line, so that a web page cannot make a
      // browser send it commands (a form post to a local port).
      if (tokens[tokens.length - 1]?.startsWith("HTTP/")) return { kind: "hangup" };
      return answer("ERROR");
  }
}
