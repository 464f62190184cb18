// `npm run dev` (scripts/dev.mjs) started from a test: on a port and in a directory of the test's
// choosing, ready once its banner is printed, stopped with a signal, and nothing it started left
// behind if a test fails (`stopLaunched`). Used by test/node/dev.test.ts and the console's browser test.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { descendants, stillRunning } from "./processes.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const READY_MS = 120_000;
export const STOP_MS = 30_000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: an ANSI colour code starts with ESC.
export const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Where the kernel's ephemeral ports start (the ports it hands to a bind of port 0 and to outgoing connections). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isSafeInteger(low) && low > 20_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolvePort) => {
    server.once("error", () => resolvePort(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolvePort(true)));
  });
}

/**
 * A port free now, for a dev server to bind a moment later. Taken below the kernel's ephemeral
 * range: a port the kernel chose (bound to 0, then closed) was seen taken in that moment by one of
 * the other tests' servers or connections, which the kernel gives ports from that range.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (low - 20_000));
    if (await bindable(port)) return port;
  }
  throw new Error("no free port below the ephemeral range");
}

export interface Launcher {
  child: ChildProcess;
  /** What it had started when it became ready: checked after it stops, killed if a test fails. */
  started: number[];
  output(): string;
  /** Resolves with the banner's Worker URL and admin token once it is printed. */
  ready(): Promise<{ url: string; token: string }>;
  exited(): Promise<number | null>;
}

const launched: Launcher[] = [];

/**
 * Runs scripts/dev.mjs, directly or (`viaShell`) under `sh -c` as `npm run dev` does; the S3 way with
 * the embedded store (`--s3`) unless `binding` (the default of `npm run dev`: the R2 binding STORE).
 */
export function launch(dir: string, port: number, viaShell = false, binding = false): Launcher {
  const command = viaShell ? "/bin/sh" : process.execPath;
  const way = binding ? "" : " --s3";
  const args = viaShell ? ["-c", `"${process.execPath}" scripts/dev.mjs${way}; exit $?`] : [join(ROOT, "scripts/dev.mjs"), ...(binding ? [] : ["--s3"])];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), CLOUDCACHED_DEV_DIR: dir, NO_COLOR: "1", STORE_PORT: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const launcher: Launcher = {
    child,
    started: [],
    output: () => stripAnsi(output),
    exited: () => withTimeout(exit, STOP_MS, `scripts/dev.mjs to exit; output:\n${stripAnsi(output)}`),
    ready: () =>
      withTimeout(
        new Promise((resolveReady, reject) => {
          const check = () => {
            const text = stripAnsi(output);
            const url = /^ {2}Worker: +(\S+)$/m.exec(text)?.[1];
            const token = /^ {2}Admin token: +(\S+)$/m.exec(text)?.[1];
            if (url && token && text.includes("Ctrl-C stops")) {
              launcher.started = descendants(child.pid as number);
              resolveReady({ url, token });
            }
          };
          child.stdout?.on("data", check);
          void exit.then((code) => reject(new Error(`scripts/dev.mjs exited (${code}) before it was ready:\n${stripAnsi(output)}`)));
          check();
        }),
        READY_MS,
        `scripts/dev.mjs to be ready; output so far:\n${stripAnsi(output)}`,
      ),
  };
  launched.push(launcher);
  return launcher;
}

/** Stops a launcher with `signal`; resolves with its exit code once it and everything it started are gone. */
export async function stop(launcher: Launcher, signal: NodeJS.Signals): Promise<number | null> {
  launcher.child.kill(signal);
  const code = await launcher.exited();
  const deadline = Date.now() + 10_000;
  while (stillRunning(launcher.started).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return code;
}

/** Stops every launcher still running and kills what it started: a failed test must not leave a dev server behind. */
export async function stopLaunched(): Promise<void> {
  for (const launcher of launched.splice(0)) {
    if (launcher.child.exitCode === null && launcher.child.signalCode === null) {
      launcher.child.kill("SIGTERM");
      await launcher.exited().catch(() => launcher.child.kill("SIGKILL"));
    }
    for (const pid of stillRunning(launcher.started)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
  }
}
