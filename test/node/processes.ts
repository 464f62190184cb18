// Process-tree helpers for the Node-side tests: which processes a command started, whether they are
// still running, and how many sockets they hold.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

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

/**
 * How many sockets (TCP, Unix, any kind) `pids` hold open together: /proc/<pid>/fd on Linux, `lsof`
 * elsewhere. A process that exits meanwhile counts for nothing.
 */
export function openSockets(pids: readonly number[]): number {
  if (!existsSync("/proc/self/fd")) {
    if (pids.length === 0) return 0;
    let listed = "";
    try {
      listed = execFileSync("lsof", ["-n", "-P", "-p", pids.join(",")], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      // lsof exits 1 when one of the processes is gone; what it found is still on stdout.
      listed = (err as { stdout?: string }).stdout ?? "";
    }
    // Columns: COMMAND PID USER FD TYPE ...
    return listed.split("\n").filter((line) => /^(IPv4|IPv6|unix|sock)$/.test(line.trim().split(/\s+/)[4] ?? "")).length;
  }
  let count = 0;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // exited meanwhile
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) count += 1;
      } catch {
        // closed meanwhile
      }
    }
  }
  return count;
}
