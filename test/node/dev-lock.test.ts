// The lock of a dev directory (scripts/dev/lock.mjs): taken when free, refused while its launcher
// runs, cleared when its launcher is gone, released only by its holder.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireLock, isLauncherRunning, lockHolder, parseLock, releaseLock } from "../../scripts/dev/lock.mjs";

const dirs: string[] = [];
async function lockPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cloudcached-lock-"));
  dirs.push(dir);
  return join(dir, "dev.lock");
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A PID that belonged to a process which has exited. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid as number;
}

describe("dev lock", () => {
  it("is taken when free, and refused while its holder runs", async () => {
    const path = await lockPath();
    // A process whose command line runs a dev.mjs, as the launcher's does.
    const script = join(path, "..", "dev.mjs");
    await writeFile(script, "setInterval(() => {}, 1000);\n");
    const holder = spawn(process.execPath, [script], { stdio: "ignore" });
    try {
      await new Promise((r) => holder.once("spawn", r));
      const pid = holder.pid as number;
      expect(acquireLock(path, { pid, url: "http://127.0.0.1:1" })).toEqual({ acquired: true });
      expect(parseLock(await readFile(path, "utf8"))).toEqual({ pid, url: "http://127.0.0.1:1" });
      expect(lockHolder(path)).toEqual({ pid, url: "http://127.0.0.1:1" });
      expect(acquireLock(path, { pid: process.pid, url: "http://127.0.0.1:2" })).toEqual({
        acquired: false,
        holder: { pid, url: "http://127.0.0.1:1" },
      });
      // Only the holder releases it.
      releaseLock(path, process.pid);
      expect(existsSync(path)).toBe(true);
      releaseLock(path, pid);
      expect(existsSync(path)).toBe(false);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("clears a lock whose launcher is gone, or whose PID now runs another program", async () => {
    const path = await lockPath();
    const dead = exitedPid();
    expect(isLauncherRunning(dead)).toBe(false);
    await writeFile(path, JSON.stringify({ pid: dead, url: "http://127.0.0.1:1" }));
    expect(lockHolder(path)).toBeUndefined();
    expect(acquireLock(path, { pid: process.pid, url: "http://127.0.0.1:2" })).toEqual({ acquired: true, stale: dead });
    expect(parseLock(await readFile(path, "utf8"))).toEqual({ pid: process.pid, url: "http://127.0.0.1:2" });

    // This test runner is alive, but it is not a launcher (where /proc shows command lines).
    await writeFile(path, JSON.stringify({ pid: process.pid, url: "http://127.0.0.1:1" }));
    if (existsSync(`/proc/${process.pid}/cmdline`)) expect(lockHolder(path)).toBeUndefined();

    await writeFile(path, "not json");
    expect(acquireLock(path, { pid: process.pid, url: "http://127.0.0.1:3" })).toEqual({ acquired: true, stale: 0 });
  });
});
