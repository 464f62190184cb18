import { afterThisTurn } from "../platform/after-this-turn";

/**
 * Confirmations ahead of time, for the states an isolate trusts for a second (a namespace's
 * generation, generation.ts; a tag's state, tag-state.ts): in the last part of that second, a hit
 * starts the next confirmation in the background, once its answer is on its way, so that under
 * steady traffic no request waits for one, and every answer still uses a state confirmed within
 * the second.
 */

/** How long before its trust ends a state in use is confirmed again, in the background. */
export const REFRESH_AHEAD_MS = 250;

/** Whether a state trusted until `trustedUntil` is due for its confirmation in the background. Pure. */
export function dueForRefresh(trustedUntil: number, nowMs: number): boolean {
  return nowMs < trustedUntil && trustedUntil - nowMs <= REFRESH_AHEAD_MS;
}

/** States this isolate is confirming ahead, by what they are (`generation\n…`, `tag\n…`). */
const refreshing = new Set<string>();

/**
 * Runs `confirm` in the background (kept alive by `waitUntil`) after the current turn of work, at
 * most once at a time per `id` in this isolate. Optional work: its failure is dropped, and `confirm`
 * makes its calls only out of spare ones.
 */
export function confirmAhead(id: string, waitUntil: (promise: Promise<unknown>) => void, confirm: () => Promise<unknown>): void {
  if (refreshing.has(id)) return;
  refreshing.add(id);
  const work = afterThisTurn()
    .then(confirm)
    .catch(() => undefined)
    .finally(() => refreshing.delete(id));
  waitUntil(work);
}
