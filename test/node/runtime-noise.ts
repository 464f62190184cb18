// Which output of a test run is expected noise, not news: lines workerd, Miniflare's embedded store
// and wrangler print for things the tests do on purpose (docs/testing.md, "Reading the output").
// Pure: test/node/quiet-output.ts applies it to what the test process writes.

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
const ANSI = /\x1b\[[0-9;]*m/g;

/** One line, colours removed, that is noise wherever it appears in a message. */
const NOISE_LINES: RegExp[] = [
  // workerd logs a connection reset by a peer as an uncaught exception even when the fetch()
  // rejection is caught (the fault tests reset connections on purpose), with native addresses.
  /^uncaught exception; (source = Uncaught \(in promise\); stack = |exception = \S+: disconnected: jsg\.)Error: Network connection lost\.$/,
  // src/storage/streams.test.ts sends a body longer than announced through exactLength on purpose.
  /^uncaught exception; (source = Uncaught \(in promise\); stack = |exception = \S+: failed: jsg\.)TypeError: Attempt to write too many bytes through a FixedLengthStream\.$/,
  // A storage upload cut on purpose (test/faults.test.ts, "cutRequest"): the Worker answers 503 while
  // the client's body is still being piped to storage, and workerd reports the pipe's next read.
  /^uncaught exception; exception = workerd\/api\/global-scope\.c\+\+:\d+: failed: jsg\.TypeError: Can't read from request stream after response has been sent\.$/,
  // The same for a body cut short on purpose (the fault tests' cut responses and requests).
  /^exception = kj\/async-io(-unix)?\.c\+\+:\d+: disconnected: /,
  /^stack: (\S+@[0-9a-f]+\s*)+$/,
  // workerd's advice when a test reads a binary body as text on purpose (to compare its bytes).
  /^console warning; message = Called \.text\(\) on an HTTP body which does not appear to be text\. The body's Content-Type is "[^"]*"\. The result will probably be corrupted\. Consider checking the Content-Type header before interpreting entities as text\.$/,
  // The embedded store (Miniflare's R2 S3 endpoint) logging a request whose client went away.
  /^Error: Network connection lost\.$/,
  /^\s+at .*\/miniflare\/dist\/src\/workers\/r2\/s3\/index\.worker\.js:\d+:\d+\)?( \{)?$/,
  /^\s+retryable: true$/,
  /^}$/,
  // The Worker's own JSON log lines (one per request, and storage's warnings), printed by the
  // client suite's Worker in Miniflare; test/observability.test.ts checks them, and a failing test
  // names what it saw.
  /^\{"level":"(debug|info|warn|error)",.*\}$/,
  // wrangler reading wrangler.toml (or the S3 way's generated copy under .wrangler/) for the Workers test pool: the tests give every secret as a
  // binding of their own, so none is missing and no .dev.vars or .env is used for them.
  /^▲ \[WARNING\] Processing (\S+\/)?wrangler\.toml configuration:$/,
  /^\s+- "secrets" fields are experimental and may change or break at any time\.$/,
  /^▲ \[WARNING\] Missing required secrets: [A-Z0-9_, ]+\. Add them to \.dev\.vars, \.env, or set as environment variables\.$/,
  /^Using secrets defined in (\S*\.dev\.vars\S*|\S*\.env\S*|process\.env)$/,
];

/**
 * Whether one write to stdout or stderr is noise: every line of it that is not blank is a noise
 * line. A write that holds anything else is shown whole, so nothing unknown is ever hidden.
 */
export function isNoise(chunk: string): boolean {
  const lines = chunk
    .replace(ANSI, "")
    .split("\n")
    .filter((line) => line.trim() !== "");
  return lines.length > 0 && lines.every((line) => NOISE_LINES.some((noise) => noise.test(line)));
}
