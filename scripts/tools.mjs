#!/usr/bin/env node
// The programs some checks drive that `npm install` does not bring (they would more than double
// the install's size): Chromium for the browser test, Bun and Deno for the runtime tests, Biome for
// `npm run lint`. Each comes, at an exact version, from an npm package that ships its binary,
// installed on first use into a per-user cache shared by every clone (no root, no system package),
// and is found there afterwards.
//
//   node scripts/tools.mjs install chromium bun deno   # install (idempotent), print paths
//   node scripts/tools.mjs run biome lint .            # install if needed, then run it
//   node scripts/tools.mjs status                      # what is installed, one line each
//   node scripts/tools.mjs report                      # `npm test`'s closing lines
//
// The cache is $CLOUDCACHED_TOOLS_DIR, else $XDG_CACHE_HOME/cloudcached, else ~/.cache/cloudcached.
// A system Chromium is used instead when CHROMIUM_PATH names one.
import { execFile, spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { access, chmod, constants, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createBrotliDecompress } from "node:zlib";

const run = promisify(execFile);

/**
 * Each tool: the npm package that ships it, its exact version, and where its binary is inside the
 * installed folder. @sparticuz/chromium 147 is the last that supports Node 20; it ships Chromium
 * brotli-compressed with the few shared libraries it needs (NSS), so it runs on any x64 glibc Linux.
 */
export const TOOLS = {
  chromium: { package: "@sparticuz/chromium", version: "147.0.2", binary: "chromium/chromium" },
  bun: { package: "bun", version: "1.4.5", binary: `node_modules/@oven/bun-${process.platform}-${process.arch === "arm64" ? "aarch64" : process.arch}/bin/bun` },
  deno: {
    package: "deno",
    version: "2.9.6",
    binary: `node_modules/@deno/${process.platform}-${process.arch}${process.platform === "linux" ? "-glibc" : ""}/deno`,
  },
  biome: { package: "@biomejs/biome", version: "2.6.8", binary: `node_modules/@biomejs/cli-${process.platform}-${process.arch}/biome` },
};

/** The per-user folder the tools are installed into. */
export function toolsDir() {
  if (process.env.CLOUDCACHED_TOOLS_DIR) return process.env.CLOUDCACHED_TOOLS_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "cloudcached");
}

function toolHome(name) {
  const tool = TOOLS[name];
  return join(toolsDir(), `${name}-${tool.version}`);
}

async function executable(path) {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * How to start a tool: { path, env } (env: what the binary needs in its environment), or null when
 * it is not installed. Chromium comes from CHROMIUM_PATH when set.
 */
export async function findTool(name) {
  if (!(name in TOOLS)) throw new Error(`unknown tool ${name}: one of ${Object.keys(TOOLS).join(", ")}`);
  if (name === "chromium" && process.env.CHROMIUM_PATH) return { path: process.env.CHROMIUM_PATH, env: {}, source: "CHROMIUM_PATH" };
  const home = toolHome(name);
  const path = join(home, TOOLS[name].binary);
  if (!(await executable(path))) return null;
  const env = name === "chromium" ? { LD_LIBRARY_PATH: [join(home, "chromium/lib"), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":") } : {};
  return { path, env, source: `${TOOLS[name].package}@${TOOLS[name].version}` };
}

async function decompress(from, to) {
  await pipeline(createReadStream(from), createBrotliDecompress(), createWriteStream(to));
}

/** Chromium's package ships chromium.br and al2023.tar.br (its libraries): unpack both beside each other. */
async function unpackChromium(folder) {
  const bin = join(folder, "node_modules/@sparticuz/chromium/bin");
  const out = join(folder, "chromium");
  await mkdir(out, { recursive: true });
  await decompress(join(bin, "chromium.br"), join(out, "chromium"));
  await chmod(join(out, "chromium"), 0o755);
  await decompress(join(bin, "al2023.tar.br"), join(out, "al2023.tar"));
  await run("tar", ["-xf", "al2023.tar"], { cwd: out });
  await rm(join(out, "al2023.tar"));
  await rm(join(folder, "node_modules/@sparticuz/chromium/bin"), { recursive: true });
}

/**
 * Installs a tool into the cache unless it is there; answers how to start it. Safe to run from
 * several processes at once: each installs into a folder of its own and the first rename wins.
 */
export async function ensureTool(name, log = (line) => process.stderr.write(`${line}\n`)) {
  const found = await findTool(name);
  if (found) return found;
  const tool = TOOLS[name];
  if (name === "chromium" && !(process.platform === "linux" && process.arch === "x64")) {
    throw new Error(
      `no Chromium for ${process.platform}-${process.arch} in ${tool.package}: set CHROMIUM_PATH to a Chrome or Chromium binary`,
    );
  }
  await mkdir(toolsDir(), { recursive: true });
  const staging = await mkdtemp(join(toolsDir(), `.${name}-`));
  try {
    log(`tools: installing ${tool.package}@${tool.version} into ${toolHome(name)} (once; later runs reuse it)`);
    await run(
      "npm",
      ["install", "--prefix", staging, "--ignore-scripts", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error", `${tool.package}@${tool.version}`],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
    if (name === "chromium") await unpackChromium(staging);
    if (!(await executable(join(staging, tool.binary)))) {
      const listed = await readdir(join(staging, "node_modules")).catch(() => []);
      throw new Error(`${tool.package}@${tool.version} installed no ${tool.binary} (node_modules has: ${listed.join(", ")})`);
    }
    await rename(staging, toolHome(name)).catch(async (err) => {
      // Another process finished first: keep its copy.
      if (!(await findTool(name))) throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const installed = await findTool(name);
  if (!installed) throw new Error(`${name} is not runnable after installing it into ${toolHome(name)}`);
  return installed;
}

async function main(args) {
  const [command, ...names] = args;
  if (command === "install" && names.length > 0) {
    for (const name of names) {
      const tool = await ensureTool(name);
      console.log(`${name}: ${tool.path} (${tool.source})`);
    }
    return;
  }
  if (command === "run" && names.length > 0) {
    const [name, ...args] = names;
    const tool = await ensureTool(name);
    const child = spawn(tool.path, args, { stdio: "inherit", env: { ...process.env, ...tool.env } });
    const code = await new Promise((done) => child.on("close", (status, signal) => done(signal ? 1 : (status ?? 1))));
    process.exitCode = code;
    return;
  }
  if (command === "status") {
    for (const name of Object.keys(TOOLS)) {
      const tool = await findTool(name);
      console.log(`${name}: ${tool ? `${tool.path} (${tool.source})` : "not installed"}`);
    }
    return;
  }
  if (command === "report") {
    // The last lines of `npm test`: which runtimes its suites ran in, and which they did not.
    const chromium = await findTool("chromium");
    console.log(`Runtimes tested: the Worker in workerd; the client in Node, workerd and Chromium (${chromium?.source ?? "not installed"}).`);
    console.log(
      `Not run by npm test: the client under Bun ${TOOLS.bun.version} and Deno ${TOOLS.deno.version} (client/test/runtimes.test.ts). ` +
        `\`npm run test:runtimes\` installs both into ${toolsDir()} and runs it.`,
    );
    return;
  }
  console.error("usage: node scripts/tools.mjs install <chromium|bun|deno|biome>... | run <tool> [args...] | status | report");
  process.exitCode = 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`tools: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
