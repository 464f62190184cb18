// Carries out one parsed command line with a client, writing to the given streams.

import { createReadStream } from "node:fs";
import { access, constants, stat } from "node:fs/promises";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { bytesToBase64 } from "../base64.js";
import { type CloudCached, MAX_LIST_LIMIT, type WriteResult } from "../client.js";
import { CloudCachedError } from "../errors.js";
import type { Action, ValueSource } from "./args.js";
import { capabilitiesTable } from "./capabilities-table.js";
import { EXIT, exitCodeFor, InputError } from "./exit-codes.js";
import { statsTable } from "./stats-table.js";

export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  stdin: Readable;
}

interface Output {
  /** A result line: the human text, or the JSON value under --json. */
  result(human: string, json: unknown): void;
  /** A "no" (not found / not stored), on stderr for humans, on stdout under --json. */
  no(human: string, json: unknown): number;
}

function output(io: Io, json: boolean): Output {
  return {
    result(human, value) {
      io.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
    },
    no(human, value) {
      if (json) io.stdout.write(`${JSON.stringify(value)}\n`);
      else io.stderr.write(`${human}\n`);
      return EXIT.no;
    },
  };
}

async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
  const total = chunks.reduce((sum, c) => sum + c.byteLength, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/** Node's error for a file (ENOENT, a syscall's name) as the CLI's own message. */
function fileProblem(path: string, err: unknown): InputError {
  const code = err instanceof Error && "code" in err ? String(err.code) : "";
  const why: Record<string, string> = {
    ENOENT: "no such file",
    ENOTDIR: "no such file (a part of the path is not a folder)",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EISDIR: "it is a folder, not a file",
  };
  return new InputError(`--file ${path}: ${why[code] ?? `cannot read it (${code || String(err)})`}`);
}

/** The size of a regular file that can be read, checked before anything is sent. */
async function readableFile(path: string): Promise<{ size: number }> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error("folder"), { code: "EISDIR" });
    await access(path, constants.R_OK);
    return { size: info.size };
  } catch (err) {
    throw fileProblem(path, err);
  }
}

/** The value to write: an argument (text), stdin (bytes, read whole) or a file (streamed with its size). */
async function valueFrom(source: ValueSource, io: Io): Promise<{ value: string | Uint8Array | ReadableStream<Uint8Array>; size?: number }> {
  switch (source.kind) {
    case "arg":
      return { value: source.text };
    case "stdin":
      return { value: await readAll(io.stdin) };
    case "file": {
      const { size } = await readableFile(source.path);
      return { value: Readable.toWeb(createReadStream(source.path)) as ReadableStream<Uint8Array>, size };
    }
  }
}

function expiry(expiresAt: number | null): string {
  return expiresAt === null ? "never expires" : `expires ${new Date(expiresAt * 1000).toISOString()}`;
}

function written(result: WriteResult): Record<string, unknown> {
  return { stored: true, etag: result.etag, expiresAt: result.expiresAt };
}

export async function execute(action: Action, client: CloudCached, io: Io, json: boolean): Promise<number> {
  const out = output(io, json);
  switch (action.command) {
    case "get": {
      if (json) {
        const item = await client.gets(action.key);
        if (item === null) return out.no("", null);
        const value = item.value instanceof Uint8Array ? bytesToBase64(item.value) : item.value;
        const encoding = item.value instanceof Uint8Array ? "base64" : undefined;
        out.result("", { key: action.key, value, ...(encoding ? { encoding } : {}), contentType: item.contentType, etag: item.etag, expiresAt: item.expiresAt });
        return EXIT.ok;
      }
      const item = await client.getStream(action.key);
      if (item === null) return out.no(`not found: ${action.key}`, null);
      let last = -1;
      const tracked = item.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (chunk.byteLength > 0) last = chunk[chunk.byteLength - 1] ?? -1;
            controller.enqueue(chunk);
          },
        }),
      );
      await pipeline(Readable.fromWeb(tracked as import("node:stream/web").ReadableStream<Uint8Array>), io.stdout, { end: false });
      // On a terminal, end a text value's last line; piped, the bytes are exactly the value's.
      if (io.stdout.isTTY && last !== -1 && last !== 0x0a && !item.contentType.startsWith("application/octet-stream")) io.stdout.write("\n");
      return EXIT.ok;
    }
    case "set":
    case "add":
    case "replace": {
      const { value, size } = await valueFrom(action.value, io);
      const options = {
        ...(action.ttl === undefined ? {} : { ttl: action.ttl }),
        ...(action.contentType === undefined ? {} : { contentType: action.contentType }),
        ...(size === undefined ? {} : { size }),
        ...(action.tags.length === 0 ? {} : { tags: action.tags }),
        ...(action.meta === undefined ? {} : { meta: action.meta }),
      };
      const result =
        action.command === "set"
          ? await client.set(action.key, value, options)
          : action.command === "add"
            ? await client.add(action.key, value, options)
            : await client.replace(action.key, value, options);
      if (result === null) {
        const why = action.command === "add" ? "the key exists" : "the key is absent";
        return out.no(`not stored: ${why}`, { stored: false });
      }
      out.result(`stored (${expiry(result.expiresAt)})`, written(result));
      return EXIT.ok;
    }
    case "delete": {
      const deleted = await client.delete(action.key, action.etag === undefined ? {} : { etag: action.etag });
      if (!deleted) return out.no("not deleted: the item is not at that ETag", { deleted: false });
      out.result("deleted", { deleted: true });
      return EXIT.ok;
    }
    case "incr":
    case "decr": {
      const options = {
        ...(action.initial === undefined ? {} : { initial: action.initial }),
        ...(action.ttl === undefined ? {} : { ttl: action.ttl }),
      };
      const value = action.command === "incr" ? await client.incr(action.key, action.by, options) : await client.decr(action.key, action.by, options);
      if (value === null) return out.no(`not found: ${action.key} (give --initial to create it)`, { value: null });
      out.result(String(value), { value });
      return EXIT.ok;
    }
    case "touch": {
      const touched = await client.touch(action.key, action.ttl);
      if (touched === null) return out.no(`not found: ${action.key}`, null);
      out.result(`touched (${expiry(touched.expiresAt)})`, touched);
      return EXIT.ok;
    }
    case "keys": {
      // --limit N prints at most N keys (as `head -n N`); pages are no larger than needed for them.
      const limit = action.limit;
      if (limit === 0) return EXIT.ok;
      const options = {
        ...(action.prefix === undefined ? {} : { prefix: action.prefix }),
        ...(limit === undefined ? {} : { limit: Math.min(limit, MAX_LIST_LIMIT) }),
      };
      let printed = 0;
      for await (const info of client.keys(options)) {
        out.result(info.key, info);
        printed += 1;
        if (limit !== undefined && printed >= limit) break;
      }
      return EXIT.ok;
    }
    case "flush":
      await client.flush();
      out.result("flushed", { flushed: true });
      return EXIT.ok;
    case "tag":
      await (action.op === "expire" ? client.expireTag(action.tag) : client.deleteTag(action.tag));
      out.result(action.op === "expire" ? "expired" : "deleted", { tag: action.tag, [action.op === "expire" ? "expired" : "deleted"]: true });
      return EXIT.ok;
    case "stats": {
      const stats = await client.serverStats(action.window);
      out.result(statsTable(stats), stats);
      return EXIT.ok;
    }
    case "token": {
      const minted = await client.mintToken({
        namespaces: action.namespaces,
        scopes: action.scopes as ("read" | "write" | "flush")[],
        ...(action.prefix === undefined ? {} : { prefix: action.prefix }),
        ...(action.ttl === undefined ? {} : { ttl: action.ttl }),
      });
      out.result(minted.token, minted);
      return EXIT.ok;
    }
    case "whoami": {
      const capabilities = await client.capabilities();
      out.result(capabilitiesTable(capabilities), capabilities);
      return EXIT.ok;
    }
    case "namespaces": {
      // --limit N prints at most N namespaces (as `keys --limit`): no page is asked for beyond them.
      const limit = action.limit;
      if (limit === 0) return EXIT.ok;
      let printed = 0;
      for await (const namespace of client.namespaces()) {
        out.result(namespace, { namespace });
        printed += 1;
        if (limit !== undefined && printed >= limit) break;
      }
      return EXIT.ok;
    }
  }
}

/** Reports a failure on stderr and gives its exit code. */
export function report(err: unknown, io: Io, json: boolean): number {
  const code = exitCodeFor(err);
  if (err instanceof CloudCachedError) {
    io.stderr.write(
      json
        ? `${JSON.stringify({ error: { code: err.code, message: err.message, status: err.status } })}\n`
        : `cloudcached: ${err.message} (${err.code}${err.status ? `, HTTP ${err.status}` : ""})\n`,
    );
  } else {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(json ? `${JSON.stringify({ error: { code: "client", message } })}\n` : `cloudcached: ${message}\n`);
  }
  return code;
}
