// The two memcached servers every gateway test talks to, with the same assertions: the gateway
// (in this process, over the Worker the run started, a fresh namespace each) and a real memcached
// (Debian's `memcached`, started here on a free port). memcached-setup.ts installs the Debian
// programs before the run; one still missing fails loudly with the command: these tests never skip.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { installCommand } from "../../../scripts/debian-tools.mjs";
import { freePort } from "../../../test/node/dev-launcher.js";
import { startGateway, type Gateway, type GatewayOptions } from "../../src/gateway/gateway.js";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { adminToken, uniqueNamespace, workerUrl } from "./helpers.js";
import { RawConnection } from "./raw-socket.js";


export interface Target {
  name: "gateway" | "memcached";
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** The path of a program, or a thrown error naming the command that installs it. */
export function requireProgram(candidates: string[], what: string): string {
  for (const candidate of candidates) {
    if (candidate.startsWith("/") && existsSync(candidate)) return candidate;
    if (!candidate.startsWith("/")) {
      try {
        const found = execFileSync("sh", ["-c", `command -v ${candidate}`], { encoding: "utf8" }).trim();
        if (found) return found;
      } catch {
        // not on PATH
      }
    }
  }
  throw new Error(`${what} is not installed; install it with: ${installCommand("memcached")}`);
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`memcached exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`memcached did not listen on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startMemcached(): Promise<Target> {
  const binary = requireProgram(["/usr/bin/memcached", "/usr/local/bin/memcached", "memcached"], "memcached");
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    // One flat LRU: `stats cachedump` (memcdump) lists an item as soon as it is stored, not once
    // memcached's LRU maintainer has moved it from its hot LRU to the cold one it dumps.
    const args = ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "64", "-t", "1", "-o", "no_lru_maintainer"];
    if (process.getuid?.() === 0) args.push("-u", "root");
    const child = spawn(binary, args, { stdio: "ignore" });
    const killOnExit = (): void => void child.kill("SIGTERM");
    process.once("exit", killOnExit);
    try {
      await waitForPort(port, child);
    } catch (err) {
      child.kill("SIGTERM");
      process.off("exit", killOnExit);
      if (attempt < 3) continue; // the free port was taken meanwhile
      throw err;
    }
    return {
      name: "memcached",
      host: "127.0.0.1",
      port,
      async stop() {
        process.off("exit", killOnExit);
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      },
    };
  }
}

/** The gateway on a free port, over the run's Worker, in a namespace of its own. */
export async function startGatewayTarget(options: Partial<GatewayOptions> = {}): Promise<Target & { gateway: Gateway }> {
  const gateway = await startGateway({ url: workerUrl(), token: adminToken(), namespace: uniqueNamespace("gw"), port: 0, version: "test", ...options });
  return { name: "gateway", host: gateway.host, port: gateway.port, gateway, stop: () => gateway.close() };
}

/** Both servers, for `describe.each`-style paired tests. */
export const TARGETS: { name: Target["name"]; start: () => Promise<Target> }[] = [
  { name: "gateway", start: () => startGatewayTarget() },
  { name: "memcached", start: () => startMemcached() },
];

/** One test file's hold on a server: its target, a raw connection of the running test, and keys never used before. */
export interface RawSession {
  readonly target: Target;
  readonly conn: RawConnection;
  key(label: string): string;
}

/**
 * Starts the server once for the enclosing describe block and opens a fresh raw connection for each
 * test, so one test's failure leaves no half-read answer to the next. Call it inside `describe`.
 */
export function useRawSession(start: () => Promise<Target>): RawSession {
  let target: Target | undefined;
  let conn: RawConnection | undefined;
  let n = 0;
  beforeAll(async () => {
    target = await start();
  });
  afterAll(async () => {
    await target?.stop();
  });
  beforeEach(async () => {
    conn = await RawConnection.open(session.target.host, session.target.port);
  });
  afterEach(() => conn?.close());
  const session: RawSession = {
    get target(): Target {
      if (!target) throw new Error("the server has not started");
      return target;
    },
    get conn(): RawConnection {
      if (!conn) throw new Error("no connection outside a test");
      return conn;
    },
    key(label: string): string {
      n += 1;
      return `${label}-${n}`;
    },
  };
  return session;
}
