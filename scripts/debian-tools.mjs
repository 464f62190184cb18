#!/usr/bin/env node
// The programs the tests drive that npm cannot bring: for the memcached gateway's, a real memcached
// (each gateway test runs against it too), libmemcached's tools (memccp/memccat) and Python's
// pymemcache; for the Python client's (python/), Python 3, what an offline `pip install` of it
// needs (venv, setuptools, wheel), mypy, and openssl (a test certificate). They come from Debian's
// packages: when any is missing, this installs them with apt-get if it runs as root, and otherwise
// fails with the exact command to run — never a silent skip.
//
//   node scripts/debian-tools.mjs install memcached python   # install if missing (idempotent)
//   node scripts/debian-tools.mjs status              # what is there, one line each
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Python as Debian installs it: python3-pymemcache and python3-mypy are importable there (a pyenv python3 may lack them). */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/** Each group: the Debian packages, and the programs (or Python modules) that say they are installed. */
export const DEBIAN_TOOLS = {
  memcached: {
    packages: ["memcached", "libmemcached-tools", "python3-pymemcache"],
    programs: ["memcached", "memccp", "memccat"],
    pythonModules: ["pymemcache"],
  },
  python: {
    packages: ["python3", "python3-venv", "python3-setuptools", "python3-wheel", "python3-mypy", "openssl"],
    programs: ["python3", "openssl"],
    pythonModules: ["ensurepip", "setuptools", "wheel", "mypy"],
  },
};

/** The command that installs a group, as a person types it. */
export function installCommand(name) {
  return `apt-get update && apt-get install -y --no-install-recommends ${DEBIAN_TOOLS[name].packages.join(" ")}`;
}

async function onPath(program) {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"])) {
    if (!dir) continue;
    try {
      await access(`${dir}/${program}`, constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

async function importable(module) {
  try {
    await run(DEBIAN_PYTHON, ["-c", `import ${module}`]);
    return true;
  } catch {
    return false;
  }
}

/** What of a group is missing (program names, `python3: module`); empty when all is there. */
export async function missingOf(name) {
  const group = DEBIAN_TOOLS[name];
  if (!group) throw new Error(`unknown group ${name}: one of ${Object.keys(DEBIAN_TOOLS).join(", ")}`);
  const missing = [];
  for (const program of group.programs) if (!(await onPath(program))) missing.push(program);
  for (const module of group.pythonModules) if (!(await importable(module))) missing.push(`${DEBIAN_PYTHON}: ${module}`);
  return missing;
}

/** Installs a group with apt-get unless all of it is there; throws the command to run when it cannot. */
export async function ensureDebianTools(name, log = (line) => process.stderr.write(`${line}\n`)) {
  const missing = await missingOf(name);
  if (missing.length === 0) return;
  const command = installCommand(name);
  if (process.getuid?.() !== 0) throw new Error(`missing ${missing.join(", ")}; install with (as root): ${command}`);
  if (!(await onPath("apt-get"))) throw new Error(`missing ${missing.join(", ")} and there is no apt-get here; install the equivalent of: ${command}`);
  log(`debian-tools: missing ${missing.join(", ")}; running: ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const options = { env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 };
  try {
    await run("apt-get", ["update", "-qq"], options);
    await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...DEBIAN_TOOLS[name].packages], options);
  } catch (err) {
    const detail = err instanceof Error && "stderr" in err ? String(err.stderr).trim().split("\n").slice(-3).join(" / ") : String(err);
    throw new Error(`installing ${DEBIAN_TOOLS[name].packages.join(" ")} failed (${detail}); run: ${command}`);
  }
  const still = await missingOf(name);
  if (still.length > 0) throw new Error(`still missing ${still.join(", ")} after apt-get install; run: ${command}`);
}

async function main([command, ...names]) {
  if (command === "install" && names.length > 0) {
    for (const name of names) {
      await ensureDebianTools(name);
      console.log(`${name}: ${DEBIAN_TOOLS[name].packages.join(", ")} installed`);
    }
    return;
  }
  if (command === "status") {
    for (const name of Object.keys(DEBIAN_TOOLS)) {
      const missing = await missingOf(name);
      console.log(`${name}: ${missing.length === 0 ? "installed" : `missing ${missing.join(", ")} (${installCommand(name)})`}`);
    }
    return;
  }
  console.error(`usage: node scripts/debian-tools.mjs install <${Object.keys(DEBIAN_TOOLS).join("|")}>... | status`);
  process.exitCode = 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`debian-tools: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
