// The client under Bun and under Deno, each a child process running the client as esbuild bundles
// it (one ESM file, web APIs only) against the real Worker and embedded store of this run. The
// binaries, at exact versions, come from the per-user tools cache (`npm run test:runtimes` installs
// them first: scripts/tools.mjs, client/test/support/runtimes.ts). Deno runs with no permission but network access to the
// Worker's host:port and reading the two files, so nothing else (env, fs, other hosts) is needed.
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";
import { findRuntime, type Runtime, type RuntimeName } from "./support/runtimes.js";
import { ROOT } from "./support/stack.js";

const RUN_TIMEOUT_MS = 45_000;

interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs a binary with a bounded time and only the environment given; never rejects. */
function runChild(path: string, args: string[], env: Record<string, string>, cwd: string): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      path,
      args,
      { cwd, env, timeout: RUN_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const failed = error as (Error & { code?: number | string; signal?: string | null }) | null;
        resolve({
          code: failed ? (typeof failed.code === "number" ? failed.code : null) : 0,
          signal: failed?.signal ?? null,
          stdout,
          stderr: failed && typeof failed.code !== "number" ? `${stderr}\n${failed.message}` : stderr,
        });
      },
    );
  });
}

/** What the round-trip script must print, in either runtime. */
function expected(runtime: Runtime): Record<string, unknown> {
  return {
    runtime: { name: runtime.name, version: runtime.version },
    putText: true,
    text: { type: "string", value: "42" },
    putJson: true,
    json: { type: "object", value: { name: "Ada", tags: ["a", "b"], n: 1.5, ok: true, none: null } },
    putBytes: true,
    bytes: { type: "Uint8Array", value: [0, 1, 2, 127, 128, 255] },
    putExisting: false,
    textAfterPutExisting: { type: "string", value: "42" },
    putReplace: true,
    textAfterReplace: { type: "string", value: "replaced" },
    updateAbsent: false,
    setBlob: true,
    blob: { type: "string", value: "<b>hi</b>" },
    setPng: true,
    png: { type: "Uint8Array", value: [137, 80, 78, 71] },
    blobStream: { size: 4, contentType: "image/png", bytes: [137, 80, 78, 71] },
    ...(runtime.name === "deno"
      ? {
          // Deno's fetch drops a caller's Content-Length on a ReadableStream body and sends it chunked
          // (denoland/deno#24197), so the server refuses it; Blob bodies carry their length.
          setStream: { error: "CloudCachedError", status: 411, code: "length_required" },
          stream: null,
        }
      : { setStream: { resolved: { type: "boolean", value: true } }, stream: { size: 5, bytes: [1, 2, 3, 4, 5] } }),
    casStale: null,
    casCurrent: true,
    jsonAfterCas: { type: "object", value: { name: "Cy" } },
    incrAbsent: null,
    incrInitial: 10,
    incr: 15,
    decr: 12,
    has: true,
    delete: true,
    afterDelete: { type: "null" },
    hasAfterDelete: false,
    deleteStaleEtag: false,
    incrNotANumber: { error: "CloudCachedError", status: 409, code: "not_a_number" },
    wrongToken: { error: "CloudCachedError", status: 401, code: "unauthorized" },
    badKey: { error: "CloudCachedError", status: 400, code: "bad_request" },
  };
}

describe("the client under Bun and Deno", () => {
  let dir: string;
  let script: string;
  let bundle: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cloudcached-runtimes-"));
    bundle = join(dir, "cloudcached-client.mjs");
    script = join(dir, "runtime-roundtrip.mjs");
    await build({
      entryPoints: [join(ROOT, "client/src/index.ts")],
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      outfile: bundle,
      logLevel: "silent",
    });
    await copyFile(join(ROOT, "client/test/support/runtime-roundtrip.mjs"), script);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The command line and environment for a runtime; nothing of this process's environment leaks in. */
  async function invocation(runtime: Runtime, netAllowed: string): Promise<{ args: string[]; env: Record<string, string> }> {
    const home = join(dir, `${runtime.name}-home`);
    await mkdir(home, { recursive: true });
    const argv = [script, workerUrl(), adminToken(), uniqueNamespace(runtime.name)];
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, NO_COLOR: "1" };
    if (runtime.name === "deno") {
      return {
        args: ["run", "--no-prompt", "--no-config", "--no-lock", `--allow-net=${netAllowed}`, `--allow-read=${script},${bundle}`, ...argv],
        env: { ...env, DENO_DIR: join(home, "deno-dir"), DENO_NO_UPDATE_CHECK: "1" },
      };
    }
    return { args: ["--no-install", ...argv], env: { ...env, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" } };
  }

  const names: RuntimeName[] = ["bun", "deno"];
  for (const name of names) {
    it(`${name}: put/get of text, JSON and bytes with types restored, add → false, cas, incr/decr, delete, errors`, async () => {
      const runtime = await findRuntime(name);
      const { args, env } = await invocation(runtime, new URL(workerUrl()).host);
      const exit = await runChild(runtime.path, args, env, dir);
      expect({ code: exit.code, signal: exit.signal, stderr: exit.stderr.trim() }).toStrictEqual({ code: 0, signal: null, stderr: "" });
      const lines = exit.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? "")).toStrictEqual(expected(runtime));
    }, 60_000);
  }

  it("deno: the permission sandbox is real — without net access to the Worker the same script fails", async () => {
    const runtime = await findRuntime("deno");
    const { args, env } = await invocation(runtime, "127.0.0.1:1");
    const exit = await runChild(runtime.path, args, env, dir);
    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe("");
    expect(exit.stderr).toContain("CloudCachedError: could not reach the server");
    expect(exit.stderr).toContain(`Requires net access to "${new URL(workerUrl()).host}"`);
  }, 60_000);
});
