// Types of lock.mjs, for the TypeScript tests that import it.
export interface LockHolder {
  pid: number;
  url: string;
}
export function isLauncherRunning(pid: number): boolean;
export function parseLock(text: string): LockHolder | undefined;
export function lockHolder(path: string): LockHolder | undefined;
export function acquireLock(path: string, holder: LockHolder): { acquired: true; stale?: number } | { acquired: false; holder: LockHolder };
export function releaseLock(path: string, pid: number): void;
