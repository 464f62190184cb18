// Process-tree helpers for the Node-side tests: which processes a command started, and whether
// they are still running.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

interface ProcessInfo {
  pid: number;
  ppid: number;
  /** A zombie has exited; only its exit status waits to be collected by its parent. */
  zombie: boolean;
}

function fromProc(): ProcessInfo[] {
  const result: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    result.push({ pid: Number(name), ppid: Number(fields[1]), zombie: fields[0] === "Z" });
  }
  return result;
}

function fromPs(): ProcessInfo[] {
  return execFileSync("ps", ["-A", "-o", "pid=,ppid=,stat="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 3)
    .map(([pid, ppid, stat]) => ({ pid: Number(pid), ppid: Number(ppid), zombie: (stat ?? "").startsWith("Z") }));
}

export function processTable(): ProcessInfo[] {
  return existsSync("/proc/self/stat") ? fromProc() : fromPs();
}

/** Every live process below `root` (not `root` itself). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid, zombie } of processTable()) {
    if (zombie) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The ones of `pids` still running (zombies count as exited). */
export function stillRunning(pids: readonly number[]): number[] {
  const live = new Set(processTable().filter((p) => !p.zombie).map((p) => p.pid));
  return pids.filter((pid) => live.has(pid));
}
