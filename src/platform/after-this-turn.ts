/**
 * Resolves once the current turn of work is done: work chained on it (kept alive by `waitUntil`)
 * starts after the answer is on its way, never before it. The one place the app defers so.
 */
export function afterThisTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
