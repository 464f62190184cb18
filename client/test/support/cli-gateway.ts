// `cloudcached gateway` as a user runs it: its own process (so its memory can be measured apart from
// the test's), on a free port it reports on stderr.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { CLI } from "./cli.js";

export interface CliGateway {
  port: number;
  pid: number;
  child: ChildProcess;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `cloudcached gateway --listen 127.0.0.1:0 …args` with `env` (and PATH) as its whole environment. */
export async function startCliGateway(args: string[], env: Record<string, string> = {}): Promise<CliGateway> {
  const child = spawn(process.execPath, [CLI, "gateway", "--listen", "127.0.0.1:0", ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (part: Buffer) => {
      err += part.toString();
      const match = / on 127\.0\.0\.1:(\d+) /.exec(err);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", () => reject(new Error(`the gateway exited: ${err}`)));
  });
  return {
    port,
    pid: child.pid as number,
    child,
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** A process's resident memory in bytes (Linux's /proc; the gateway's tests run on Linux). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) * 1024;
}
