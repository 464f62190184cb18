// How a process started by `npm run dev` (scripts/dev.mjs) notices that the launcher is gone. SIGKILL
// (or the OOM killer) cannot be caught, so the launcher cannot stop its children then: instead each
// child holds the read end of a pipe whose write end only the launcher holds, and the kernel closes it
// when the launcher dies, however it dies. Linux's PR_SET_PDEATHSIG is not reachable from Node.

import { fstatSync } from "node:fs";
import { Socket } from "node:net";

/** The child's fd for its end of the pipe (the fourth stdio entry of `spawn`). */
export const LAUNCHER_PIPE_FD = 3;

/**
 * Names the pipe's fd in the child's environment. Read once and removed, so that the child's own
 * children (wrangler's second process, which gets its IPC channel on fd 3) do not take it for the pipe.
 */
export const LAUNCHER_PIPE_ENV = "CLOUDCACHED_LAUNCHER_PIPE";

/**
 * Calls `action` once the launcher is gone. Does nothing (and returns false) in a process that the
 * launcher did not start with the pipe. The watch does not keep the process alive.
 * @param {() => void} action
 * @returns {boolean}
 */
export function whenLauncherGone(action) {
  if (process.env[LAUNCHER_PIPE_ENV] !== String(LAUNCHER_PIPE_FD)) return false;
  delete process.env[LAUNCHER_PIPE_ENV];
  let stat;
  try {
    stat = fstatSync(LAUNCHER_PIPE_FD);
  } catch {
    return false;
  }
  if (!stat.isSocket() && !stat.isFIFO()) return false;
  const pipe = new Socket({ fd: LAUNCHER_PIPE_FD, readable: true, writable: false });
  let called = false;
  const gone = () => {
    if (called) return;
    called = true;
    action();
  };
  pipe.on("error", gone);
  pipe.on("end", gone);
  pipe.on("close", gone);
  pipe.resume();
  pipe.unref();
  return true;
}

/** Kills this process's whole group (it leads one: the launcher starts it detached), this process last. */
export function killOwnGroup() {
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {
    process.kill(process.pid, "SIGKILL");
  }
}
