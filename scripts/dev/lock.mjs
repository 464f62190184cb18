// The lock of a dev directory: `npm run dev` holds it while it runs, so that a second run on the same
// data says which process has it and where it serves, instead of failing on a busy port. A run that
// was killed leaves its lock behind; the next run finds its process gone and clears it.
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";

/**
 * @typedef {object} LockHolder
 * @property {number} pid the launcher's process id
 * @property {string} url the Worker's URL
 */

/**
 * Whether `pid` is a running `npm run dev` launcher. A PID that has been reused by another program
 * (its command line, where the system shows it, does not run scripts/dev.mjs) does not count.
 * @param {number} pid
 * @returns {boolean}
 */
export function isLauncherRunning(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== "EPERM") return false;
  }
  let commandLine;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return true; // no /proc (macOS): the signal check is all there is
  }
  return commandLine.includes("dev.mjs");
}

/**
 * @param {string} text the lock file's content
 * @returns {LockHolder | undefined}
 */
export function parseLock(text) {
  try {
    const parsed = JSON.parse(text);
    if (Number.isInteger(parsed?.pid) && typeof parsed?.url === "string") return { pid: parsed.pid, url: parsed.url };
  } catch {
    // unreadable: treated as stale
  }
  return undefined;
}

/**
 * The running launcher that holds the lock at `path`, or undefined when there is none (no lock, or
 * a stale one).
 * @param {string} path
 * @returns {LockHolder | undefined}
 */
export function lockHolder(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const holder = parseLock(text);
  return holder && isLauncherRunning(holder.pid) ? holder : undefined;
}

/**
 * Takes the lock for `holder`: clears a stale one first. Returns `{ acquired: true, stale }` (stale:
 * the PID of a crashed run whose lock was cleared) or `{ acquired: false, holder }` (the running one).
 * @param {string} path
 * @param {LockHolder} holder
 * @returns {{ acquired: true, stale?: number } | { acquired: false, holder: LockHolder }}
 */
export function acquireLock(path, holder) {
  /** @type {number | undefined} */
  let stale;
  for (;;) {
    try {
      writeFileSync(path, `${JSON.stringify(holder)}\n`, { flag: "wx" });
      return stale === undefined ? { acquired: true } : { acquired: true, stale };
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== "EEXIST") throw err;
    }
    const running = lockHolder(path);
    if (running) return { acquired: false, holder: running };
    let text = "";
    try {
      text = readFileSync(path, "utf8");
      unlinkSync(path);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== "ENOENT") throw err;
    }
    stale = parseLock(text)?.pid ?? stale ?? 0;
  }
}

/**
 * Removes the lock if `pid` holds it (synchronous: it runs in the launcher's exit handler).
 * @param {string} path
 * @param {number} pid
 */
export function releaseLock(path, pid) {
  try {
    if (parseLock(readFileSync(path, "utf8"))?.pid === pid) unlinkSync(path);
  } catch {
    // already gone
  }
}
