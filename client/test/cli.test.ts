// The `cloudcached` bin (client/dist/cli.js, as the package builds it) against the real Worker.
import { PassThrough, Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine } from "../src/cli/args.js";
import { execute, type Io } from "../src/cli/run.js";
import { adminClient } from "./support/helpers.js";
import { cli } from "./support/cli.js";
import { errorBody, type FaultServer, startFaultServer } from "./support/fault-server.js";
import { adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";

function env(ns = uniqueNamespace("cli")): Record<string, string> {
  return { CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: adminToken(), CLOUDCACHED_NAMESPACE: ns };
}

describe("cloudcached CLI", () => {
  it("--help prints usage and the exit codes, exit 0", async () => {
    const result = await cli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: cloudcached");
    expect(result.stdout).toContain("Exit codes:");
  });

  it("usage errors exit 2: no command, unknown command, unknown option, missing key, no URL", async () => {
    for (const args of [[], ["frobnicate"], ["get", "k", "--bogus"], ["get"], ["incr", "k", "-3"], ["token"]]) {
      const result = await cli(args, env());
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/^cloudcached: /);
    }
    const noUrl = await cli(["get", "k"]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("CLOUDCACHED_URL");
  });

  it("an unknown option or a missing value gets the CLI's own message, not the argument parser's", async () => {
    const unknown = await cli(["get", "k", "--bogus"], env());
    expect(unknown).toMatchObject({ code: 2, stderr: "cloudcached: unknown option '--bogus' (see --help)\n" });
    const missing = await cli(["get", "k", "--url"], env());
    expect(missing).toMatchObject({ code: 2, stderr: "cloudcached: --url needs a value\n" });
    const gateway = await cli(["gateway", "--bogus"], env());
    expect(gateway).toMatchObject({ code: 2, stderr: "cloudcached gateway: unknown option '--bogus' (see cloudcached gateway --help)\n" });
  });

  it("set then get prints exactly the value; get of an absent key exits 1", async () => {
    const e = env();
    const set = await cli(["set", "greeting", "hello world"], e);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^stored \(expires /);
    const get = await cli(["get", "greeting"], e);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe("hello world");
    const absent = await cli(["get", "nope"], e);
    expect(absent.code).toBe(1);
    expect(absent.stdout).toBe("");
    expect(absent.stderr).toContain("not found");
  });

  it("--url/--token/--ns flags work without the environment, and --ns isolates", async () => {
    const ns = uniqueNamespace("cli");
    const flags = ["--url", workerUrl(), "--token", adminToken(), "--ns", ns];
    expect((await cli([...flags, "set", "k", "v"])).code).toBe(0);
    expect((await cli([...flags, "get", "k"])).stdout).toBe("v");
    expect((await cli(["--url", workerUrl(), "--token", adminToken(), "--ns", `${ns}-other`, "get", "k"])).code).toBe(1);
  });

  it("add exits 1 when the key exists, replace exits 1 when absent", async () => {
    const e = env();
    expect((await cli(["add", "k", "one"], e)).code).toBe(0);
    const again = await cli(["add", "k", "two"], e);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("not stored");
    expect((await cli(["replace", "absent", "x"], e)).code).toBe(1);
    expect((await cli(["replace", "k", "three"], e)).code).toBe(0);
    expect((await cli(["get", "k"], e)).stdout).toBe("three");
  });

  it("--json: typed values, etag and expiry; null for an absent key", async () => {
    const e = env();
    const set = await cli(["set", "doc", '{"a":[1,2]}', "--type", "application/json", "--ttl", "0", "--json"], e);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ stored: true, expiresAt: null });
    expect(JSON.parse(set.stdout)).not.toHaveProperty("created");
    const get = await cli(["get", "doc", "--json"], e);
    const parsed = JSON.parse(get.stdout) as Record<string, unknown>;
    expect(parsed).toMatchObject({ key: "doc", value: { a: [1, 2] }, contentType: "application/json", expiresAt: null });
    expect(parsed.etag).toMatch(/^"/);
    const absent = await cli(["get", "nope", "--json"], e);
    expect(absent.code).toBe(1);
    expect(absent.stdout.trim()).toBe("null");
  });

  it("a value from stdin ('-') and from --file, bytes exactly", async () => {
    const e = env();
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    expect((await cli(["set", "bin", "-"], e, bytes)).code).toBe(0);
    const got = await cli(["get", "bin"], e);
    expect(Buffer.compare(got.stdoutBytes, bytes)).toBe(0);
    const asJson = JSON.parse((await cli(["get", "bin", "--json"], e)).stdout) as { value: string; encoding: string; contentType: string };
    expect(asJson).toMatchObject({ encoding: "base64", contentType: "application/octet-stream" });
    expect(Buffer.from(asJson.value, "base64").equals(bytes)).toBe(true);

    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "cc-cli-"));
    const file = join(dir, "value.txt");
    await writeFile(file, "from a file ✓");
    expect((await cli(["set", "f", "--file", file, "--type", "text/plain; charset=utf-8"], e)).code).toBe(0);
    expect((await cli(["get", "f"], e)).stdout).toBe("from a file ✓");
    expect((await cli(["set", "f", "--file", join(dir, "missing")], e)).code).toBe(2);
  });

  it("incr/decr print the new value; absent → exit 1; --initial creates; a non-number → exit 3", async () => {
    const e = env();
    expect((await cli(["incr", "n"], e)).code).toBe(1);
    const created = await cli(["incr", "n", "--initial", "10"], e);
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toBe("10");
    expect((await cli(["incr", "n", "5"], e)).stdout.trim()).toBe("15");
    expect((await cli(["decr", "n", "20"], e)).stdout.trim()).toBe("-5");
    expect(JSON.parse((await cli(["incr", "n", "--json"], e)).stdout)).toStrictEqual({ value: -4 });
    await cli(["set", "word", "abc"], e);
    const nan = await cli(["incr", "word"], e);
    expect(nan.code).toBe(3);
    expect(nan.stderr).toContain("not_a_number");
  });

  it("keys --limit N prints at most N keys; without it, every key, page after page", async () => {
    const e = env();
    const client = adminClient({ namespace: e.CLOUDCACHED_NAMESPACE });
    await client.setMany(Array.from({ length: 7 }, (_, i) => [`k${i}`, i] as const));
    const limited = await cli(["keys", "--limit", "3"], e);
    expect(limited.code).toBe(0);
    expect(limited.stdout.trim().split("\n")).toStrictEqual(["k0", "k1", "k2"]);
    expect((await cli(["keys", "k", "--limit", "5", "--json"], e)).stdout.trim().split("\n")).toHaveLength(5);
    expect((await cli(["keys", "--limit", "0"], e)).stdout).toBe("");
    expect((await cli(["keys", "--limit", "50"], e)).stdout.trim().split("\n")).toHaveLength(7);
    expect((await cli(["keys"], e)).stdout.trim().split("\n")).toHaveLength(7);
  });

  it("get ends a text value with a newline on a terminal, and prints the exact bytes into a pipe", async () => {
    const e = env();
    const client = adminClient({ namespace: e.CLOUDCACHED_NAMESPACE });
    await client.set("greeting", "hello");
    await client.set("bytes", new Uint8Array([104, 105]));
    const run = async (key: string, isTTY: boolean): Promise<string> => {
      const parts: Buffer[] = [];
      const stdout = Object.assign(
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            parts.push(chunk);
            done();
          },
        }),
        { isTTY },
      );
      const io: Io = { stdout, stderr: new PassThrough(), stdin: Readable.from([]) };
      const parsed = parseCommandLine(["get", key], e);
      if (parsed.kind !== "run") throw new Error(parsed.kind);
      expect(await execute(parsed.action, client, io, false)).toBe(0);
      return Buffer.concat(parts).toString("utf8");
    };
    expect(await run("greeting", true)).toBe("hello\n");
    expect(await run("greeting", false)).toBe("hello");
    expect(await run("bytes", true)).toBe("hi");
    expect((await cli(["get", "greeting"], e)).stdout).toBe("hello");
  });

  it("touch and delete", async () => {
    const e = env();
    expect((await cli(["touch", "absent", "10"], e)).code).toBe(1);
    await cli(["set", "k", "v", "--ttl", "30"], e);
    const touched = await cli(["touch", "k", "0", "--json"], e);
    expect(touched.code).toBe(0);
    expect(JSON.parse(touched.stdout)).toMatchObject({ expiresAt: null });
    const etag = (JSON.parse((await cli(["get", "k", "--json"], e)).stdout) as { etag: string }).etag;
    expect((await cli(["delete", "k", "--etag", '"not-it"'], e)).code).toBe(1);
    expect((await cli(["delete", "k", "--etag", etag], e)).code).toBe(0);
    expect((await cli(["get", "k"], e)).code).toBe(1);
    const del = await cli(["delete", "k"], e);
    expect(del.code).toBe(0);
    expect(del.stdout.trim()).toBe("deleted");
  });

  it("get of a large value into a pipe closed early (| head -c) exits 0", async () => {
    const e = env();
    const { adminClient } = await import("./support/helpers.js");
    await adminClient({ namespace: e.CLOUDCACHED_NAMESPACE }).set("big", new Uint8Array(4 * 1024 * 1024).fill(65));
    const { execFile } = await import("node:child_process");
    const { CLI } = await import("./support/cli.js");
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile("bash", ["-c", `set -o pipefail; "${process.execPath}" "${CLI}" get big | head -c 10`], { env: { ...e, PATH: process.env.PATH ?? "" } }, (err, stdout) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout }),
      );
    });
    expect(result).toStrictEqual({ code: 0, stdout: "AAAAAAAAAA" });
  });

  it("stats prints the namespace's counts as a table, the same numbers as GET /v1/{ns}/stats", async () => {
    const ns = uniqueNamespace("cli-stats");
    const e = env(ns);
    expect((await cli(["set", "k", "v"], e)).code).toBe(0);
    expect((await cli(["get", "k"], e)).code).toBe(0);
    expect((await cli(["get", "k"], e)).code).toBe(0);
    expect((await cli(["get", "absent"], e)).code).toBe(1);
    const json = await cli(["stats", "--json"], e);
    expect(json.code, json.stderr).toBe(0);
    const stats = JSON.parse(json.stdout) as { reads: number; writes: number; notFound: number; hits: number; misses: number; scope: string; window: string };
    expect(stats).toMatchObject({ reads: 3, writes: 1, notFound: 1, scope: "instance", window: "1h" });
    expect(stats.hits + stats.misses).toBe(2);
    const server = (await (await fetch(`${workerUrl()}/v1/${ns}/stats`, { headers: { authorization: `Bearer ${adminToken()}` } })).json()) as Record<string, unknown>;
    // The server's own answer counts the CLI's stats request too, never a read: the same reads and writes.
    expect(server).toMatchObject({ reads: stats.reads, hits: stats.hits, misses: stats.misses, writes: stats.writes });
    const table = await cli(["stats", "--window", "24h"], e);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^namespace\s+cli-stats/);
    expect(table.stdout).toMatch(/window\s+24h/);
    expect(table.stdout).toMatch(/reads\s+3\n/);
    expect(table.stdout).toMatch(/hit ratio\s+\d+\.\d %/);
    expect((await cli(["stats", "--window", "2h"], e)).code).toBe(2);
  });

  it("refused by the server → exit 3 with the code on stderr (human and --json)", async () => {
    const e = { ...env(), CLOUDCACHED_TOKEN: "wrong" };
    const human = await cli(["get", "k"], e);
    expect(human.code).toBe(3);
    expect(human.stderr).toMatch(/unauthorized, HTTP 401/);
    const json = await cli(["get", "k", "--json"], e);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: "unauthorized", status: 401 } });
  });

  describe("failures without a good answer", () => {
    let faulty: FaultServer;
    beforeAll(async () => {
      faulty = await startFaultServer([], { status: 502, body: errorBody("storage_error", "storage answered with an error") });
    });
    afterAll(() => faulty.close());

    it("a 5xx → exit 4", async () => {
      const result = await cli(["get", "k"], { CLOUDCACHED_URL: faulty.url });
      expect(result.code).toBe(4);
      expect(result.stderr).toContain("storage_error");
    });

    it("nothing listening → exit 5, naming the URL and the cause", async () => {
      const result = await cli(["get", "k", "--timeout", "2000"], { CLOUDCACHED_URL: "http://127.0.0.1:9" });
      expect(result.code).toBe(5);
      expect(result.stderr).toContain("network_error");
      expect(result.stderr).toContain("could not reach the server at http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9");
    });
  });
});
