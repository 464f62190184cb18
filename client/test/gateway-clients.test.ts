// Stock memcached clients, unchanged, against the gateway and against a real memcached, with the
// same assertions: pymemcache (text), the `memcached` npm client (text), libmemcached's memccp and
// memccat (Debian's names for memcp and memcat). memjs (binary) is in gateway-binary.test.ts.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import Memcached from "memcached";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEBIAN_PYTHON, installCommand } from "../../scripts/debian-tools.mjs";
import { requireProgram, TARGETS, type Target } from "./support/memcached-servers.js";
import { RawConnection } from "./support/raw-socket.js";

const run = promisify(execFile);
const PYMEMCACHE_SCRIPT = join(import.meta.dirname, "support/pymemcache-script.py");

/** Debian's python3 with python3-pymemcache (the pyenv one on PATH may lack it). */
async function pythonWithPymemcache(): Promise<string> {
  const python = requireProgram([DEBIAN_PYTHON], "python3");
  try {
    await run(python, ["-c", "import pymemcache"]);
  } catch {
    throw new Error(`pymemcache is not installed for ${python}; install it with: ${installCommand("memcached")}`);
  }
  return python;
}

function promised<T>(call: (done: (err: unknown, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result))));
}

describe.each(TARGETS)("stock clients: $name", ({ start }) => {
  let target: Target;
  beforeAll(async () => {
    target = await start();
  });
  afterAll(async () => {
    await target?.stop();
  });

  it("pymemcache", async () => {
    const python = await pythonWithPymemcache();
    const { stdout } = await run(python, [PYMEMCACHE_SCRIPT, target.host, String(target.port), `py-${Date.now()}`], { timeout: 120_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    const many: Record<string, string> = {};
    for (let i = 0; i < 130; i += 3) many[`m${i}`] = String(i);
    expect(out).toEqual({
      set: true,
      get: "hello",
      get_absent: null,
      add_existing: false,
      replace: true,
      append: true,
      prepend: true,
      after_append: "<bye!",
      cas_ok: true,
      cas_stale: false,
      after_cas: "swapped",
      get_many: Object.fromEntries(Object.entries(many).sort(([a], [b]) => (a < b ? -1 : 1))),
      incr_absent: null,
      incr: 42,
      decr_floor: 0,
      incr_wrap: 2,
      flags: ["f", 4294967295],
      touch: true,
      touch_absent: false,
      delete: true,
      delete_absent: false,
      incr_text: "b'cannot increment or decrement non-numeric value'",
      version: true,
      stats: ["cmd_get", "cmd_set", "curr_connections", "get_hits", "get_misses"],
      noreply: "nr",
      flush_all: true,
      after_flush: null,
    });
  });

  it("the memcached npm client", async () => {
    const client = new Memcached(`${target.host}:${target.port}`, { retries: 0, timeout: 10_000, idle: 1000, maxKeySize: 250 });
    try {
      const k = (name: string): string => `npm-${target.name}-${name}`;
      expect(await promised<boolean>((done) => client.set(k("a"), "hello", 0, done))).toBe(true);
      expect(await promised<unknown>((done) => client.get(k("a"), done))).toBe("hello");
      expect(await promised<unknown>((done) => client.get(k("absent"), done))).toBeUndefined();
      expect(await promised<boolean>((done) => client.set(k("json"), { n: 1, s: "x" }, 0, done))).toBe(true);
      expect(await promised<unknown>((done) => client.get(k("json"), done))).toEqual({ n: 1, s: "x" });
      expect(await promised<boolean>((done) => client.append(k("a"), " world", done))).toBe(true);
      expect(await promised<Record<string, unknown>>((done) => client.getMulti([k("a"), k("json"), k("absent")], done))).toEqual({
        [k("a")]: "hello world",
        [k("json")]: { n: 1, s: "x" },
      });
      const gets = await promised<{ cas: string; [key: string]: unknown }>((done) => client.gets(k("a"), done));
      expect(await promised<boolean>((done) => client.cas(k("a"), "swapped", gets.cas, 0, done))).toBe(true);
      expect(await promised<boolean>((done) => client.cas(k("a"), "stale", gets.cas, 0, done))).toBe(false);
      await expect(promised<boolean>((done) => client.add(k("a"), "x", 0, done))).rejects.toThrow("Item is not stored");
      expect(await promised<boolean>((done) => client.set(k("n"), 10, 0, done))).toBe(true);
      expect(await promised<number | boolean>((done) => client.incr(k("n"), 5, done))).toBe(15);
      expect(await promised<number | boolean>((done) => client.decr(k("n"), 20, done))).toBe(0);
      await promised<undefined>((done) => client.touch(k("a"), 100, (err: unknown) => done(err, undefined)));
      expect(await promised<boolean>((done) => client.del(k("a"), done))).toBe(true);
      expect(await promised<unknown>((done) => client.get(k("a"), done))).toBeUndefined();
    } finally {
      client.end();
    }
  });

  it("libmemcached's memcdump lists the keys (through stats cachedump)", async () => {
    const memcdump = requireProgram(["/usr/bin/memcdump", "/usr/bin/memdump", "memcdump", "memdump"], "libmemcached's memdump (memcdump)");
    const conn = await RawConnection.open(target.host, target.port);
    const k = `dump-${target.name}-${Date.now()}`;
    try {
      expect(await conn.ask(`set ${k} 0 0 2\r\nhi\r\n`)).toBe("STORED\r\n");
    } finally {
      conn.close();
    }
    const { stdout } = await run(memcdump, [`--servers=${target.host}:${target.port}`], { timeout: 60_000 });
    expect(stdout.split("\n")).toContain(k);
  });

  it("libmemcached's memcp and memcat", async () => {
    const memcp = requireProgram(["/usr/bin/memccp", "/usr/bin/memcp", "memccp", "memcp"], "libmemcached's memcp (memccp)");
    const memcat = requireProgram(["/usr/bin/memccat", "/usr/bin/memcat", "memccat", "memcat"], "libmemcached's memcat (memccat)");
    const dir = await mkdtemp(join(tmpdir(), "gateway-memcp-"));
    try {
      const file = join(dir, `memcp-${target.name}-${Date.now()}.bin`);
      const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
      await writeFile(file, bytes);
      const servers = `--servers=${target.host}:${target.port}`;
      await run(memcp, [servers, "--flag=77", "--expire=0", file], { timeout: 60_000 });
      const { stdout } = await run(memcat, [servers, "--flag", basename(file)], { timeout: 60_000, encoding: "buffer" });
      // memcat --flag prints the flags on a line of its own, then the value and a line end
      expect(stdout.subarray(0, 3).toString()).toBe("77\n");
      expect(stdout.subarray(3)).toEqual(Buffer.concat([bytes, Buffer.from("\n")]));
      const missing = await run(memcat, [servers, `${basename(file)}-absent`], { timeout: 60_000 }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
      expect(missing).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
