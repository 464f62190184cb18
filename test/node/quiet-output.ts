// A test run's output reads like the run it was: the writes test/node/runtime-noise.ts knows as noise are
// left out of this process's stdout and stderr, and one line at the end says how many.
// CLOUDCACHED_TEST_VERBOSE=1 shows everything. Both vitest configs call this.
import { isNoise } from "./runtime-noise.ts";

export const VERBOSE = process.env.CLOUDCACHED_TEST_VERBOSE === "1";

let installed = false;

export function hideRuntimeNoise(): void {
  if (VERBOSE || installed) return;
  installed = true;
  let hidden = 0;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : undefined;
      if (text !== undefined && isNoise(text)) {
        hidden += 1;
        const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
        callback?.();
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  process.once("exit", () => {
    if (hidden > 0) {
      process.stderr.write(
        `(${hidden} messages of expected noise hidden: the runtime's reports of connections the tests reset on purpose, the Worker's log lines, wrangler's notes on secrets; CLOUDCACHED_TEST_VERBOSE=1 shows them, docs/testing.md says what they are)\n`,
      );
    }
  });
}
