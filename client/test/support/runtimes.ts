// Where the Bun and Deno binaries are, from the root's devDependencies `bun` and `deno`. Each ships
// its binary in a platform package (@oven/bun-linux-x64, @deno/linux-x64-glibc, …); their install
// scripts, when npm runs them, move Bun's to node_modules/bun/bin/bun.exe and hard-link Deno's to
// node_modules/deno/deno. Both places are tried, the platform package first; a candidate counts
// only if it runs and reports the version package.json pins.
import { execFile } from "node:child_process";
import { access, constants, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./stack.js";

const run = promisify(execFile);

export type RuntimeName = "bun" | "deno";

export interface Runtime {
  name: RuntimeName;
  path: string;
  version: string;
}

function platformPackages(name: RuntimeName): string[] {
  if (name === "bun") {
    const arch = process.arch === "arm64" ? "aarch64" : process.arch;
    return [`@oven/bun-${process.platform}-${arch}/bin/bun`];
  }
  return process.platform === "linux" ? [`@deno/linux-${process.arch}-glibc/deno`] : [`@deno/${process.platform}-${process.arch}/deno`];
}

/** Candidate paths of a runtime's binary, most specific first. */
export function candidates(name: RuntimeName): string[] {
  const moved = name === "bun" ? "bun/bin/bun.exe" : "deno/deno";
  return [...platformPackages(name), moved].map((p) => join(ROOT, "node_modules", p));
}

/** The version package.json pins for a runtime (an exact version). */
export async function pinnedVersion(name: RuntimeName): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const version = pkg.devDependencies?.[name];
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`package.json must pin ${name} to an exact version, got ${String(version)}`);
  return version;
}

/** The runtime's binary that runs and reports the pinned version; throws, saying what was tried, if none does. */
export async function findRuntime(name: RuntimeName): Promise<Runtime> {
  const wanted = await pinnedVersion(name);
  const tried: string[] = [];
  for (const path of candidates(name)) {
    try {
      await access(path, constants.X_OK);
    } catch {
      tried.push(`${path}: missing or not executable`);
      continue;
    }
    try {
      const { stdout } = await run(path, ["--version"], { timeout: 15_000, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" } });
      const version = /(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
      if (version === wanted) return { name, path, version };
      tried.push(`${path}: --version said ${JSON.stringify(stdout.trim())}, not ${wanted}`);
    } catch (err) {
      tried.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new Error(`no runnable ${name} ${wanted} (run \`npm ci\`):\n${tried.join("\n")}`);
}
