import { describe, expect, it } from "vitest";
import { isNoise } from "./runtime-noise.ts";

// Messages as a test run printed them (paths shortened).
const WORKERD_RESET = [
  "uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost.\n",
  "uncaught exception; exception = workerd/jsg/_virtual_includes/iterator/workerd/jsg/value.h:1477: disconnected: jsg.Error: Network connection lost.\n",
  "exception = kj/async-io-unix.c++:567: disconnected: ::read(fd, buffer, maxBytes): Connection reset by peer\n",
  "exception = kj/async-io-unix.c++:186: disconnected: ::write(fd, buffer.begin(), buffer.size()): Broken pipe\n",
  "stack: /r/node_modules/@cloudflare/workerd-linux-64/bin/workerd@5401da5 /r/node_modules/@cloudflare/workerd-linux-64/bin/workerd@5402b6c\n",
  "exception = kj/async-io.c++:60: disconnected: stream disconnected prematurely\n",
  "uncaught exception; source = Uncaught (in promise); stack = TypeError: Attempt to write too many bytes through a FixedLengthStream.\n",
  "uncaught exception; exception = workerd/jsg/_virtual_includes/iterator/workerd/jsg/value.h:1477: failed: jsg.TypeError: Attempt to write too many bytes through a FixedLengthStream.\n",
  "exception = kj/async-io.c++:669: disconnected: read end of pipe was aborted\n",
  "uncaught exception; exception = workerd/api/global-scope.c++:51: failed: jsg.TypeError: Can't read from request stream after response has been sent.\nstack: /r/node_modules/@cloudflare/workerd-linux-64/bin/workerd@2f020c0 /r/node_modules/@cloudflare/workerd-linux-64/bin/workerd@305c3d0\n",
  "stack: /r/node_modules/@cloudflare/workerd-linux-64/bin/workerd@32e7b7a\n",
  'console warning; message = Called .text() on an HTTP body which does not appear to be text. The body\'s Content-Type is "image/png". The result will probably be corrupted. Consider checking the Content-Type header before interpreting entities as text.\n',
];
const STORE_RESET = `Error: Network connection lost.
    at async Object.handle (file:///r/node_modules/miniflare/dist/src/workers/r2/s3/index.worker.js:3240:19)
    at async dispatch2 (file:///r/node_modules/miniflare/dist/src/workers/r2/s3/index.worker.js:1139:15)
    at async file:///r/node_modules/miniflare/dist/src/workers/r2/s3/index.worker.js:2105:23 {
  retryable: true
}
`;
const WORKER_LOG = [
  '{"level":"info","requestId":"2279de5c-c7e6-4f9f-8dad-99e660ef9981","method":"GET","route":"/healthz","status":200,"ms":{"total":11,"cache":0,"storage":11},"calls":{"cache":0,"storage":1}}\n',
  '{"level":"warn","storage":"PUT","status":500,"code":"InternalError","resolved":"lost"}\n',
];
const WRANGLER = [
  '\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1mProcessing wrangler.toml configuration:\x1b[0m\n\n    - "secrets" fields are experimental and may change or break at any time.\n\n',
  "\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1mMissing required secrets: S3_ENDPOINT, S3_BUCKET, ADMIN_TOKEN. Add them to .dev.vars, .env, or set as environment variables.\x1b[0m\n\n",
  '\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1mProcessing .wrangler/s3/wrangler.toml configuration:\x1b[0m\n\n    - "secrets" fields are experimental and may change or break at any time.\n\n',
  "Using secrets defined in .dev.vars\n",
  "Using secrets defined in process.env\n",
];

describe("isNoise", () => {
  it("knows workerd's reports of connections reset on purpose, the store's, the Worker's log lines and wrangler's secrets warnings", () => {
    for (const chunk of [...WORKERD_RESET, STORE_RESET, ...WORKER_LOG, ...WRANGLER]) expect(isNoise(chunk), chunk).toBe(true);
  });

  it("never hides a message that holds anything else, whole", () => {
    expect(isNoise(`${WORKERD_RESET[0]}Error: something else broke\n`)).toBe(false);
    expect(isNoise('▲ [WARNING] Processing wrangler.toml configuration:\n\n    - Unexpected fields found in top-level field: "vars2"\n')).toBe(false);
    expect(isNoise("uncaught exception; source = Uncaught (in promise); stack = TypeError: x is not a function\n")).toBe(false);
    expect(isNoise("console warning; message = something the Worker itself warns about\n")).toBe(false);
    expect(isNoise("Error: Network connection lost.\n    at handler (file:///r/src/read.ts:10:5)\n")).toBe(false);
    expect(isNoise(" ✓  worker  test/items.test.ts (37 tests) 4371ms\n")).toBe(false);
    expect(isNoise('{"level":"info","requestId":"x"}\nTypeError: boom\n')).toBe(false);
    expect(isNoise(" FAIL  worker  test/items.test.ts\n")).toBe(false);
  });

  it("does not call blank output noise", () => {
    expect(isNoise("\n")).toBe(false);
    expect(isNoise("")).toBe(false);
  });
});
