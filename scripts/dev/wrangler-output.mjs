// Which of wrangler's output lines `npm run dev` passes on: pure functions, no I/O.

// biome-ignore lint/suspicious/noControlCharactersInRegex: an ANSI colour code starts with ESC.
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * wrangler's own line for each request (`[wrangler:info] GET /v1/... 200 OK (3ms)`): the Worker
 * already logs every request as one JSON line, so this second one is left out.
 * @param {string} line
 * @returns {boolean}
 */
export function isRequestLogLine(line) {
  return /^\[wrangler:info\] [A-Z]+ \S+ \d{3}\b/.test(line.replace(ANSI, ""));
}

/**
 * A line that `npm run dev`'s own code wrote from inside wrangler (gate-inspector-network.mjs): shown
 * at once, even while wrangler's start-up output is kept back.
 * @param {string} line
 * @returns {boolean}
 */
export function isLauncherNotice(line) {
  return line.replace(ANSI, "").startsWith("npm run dev: ");
}
