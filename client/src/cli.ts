#!/usr/bin/env node
// `cloudcached`: the command line over the typed client. See `cloudcached --help`.

import { readFileSync } from "node:fs";
import { CloudCached } from "./client.js";
import { parseCommandLine } from "./cli/args.js";
import { EXIT } from "./cli/exit-codes.js";
import { parseGatewayCommandLine } from "./cli/gateway-args.js";
import { execute, type Io, report } from "./cli/run.js";
import { startGateway } from "./gateway/gateway.js";
import { nodeFetch } from "./node-fetch.js";

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** `cloudcached gateway`: runs until SIGINT or SIGTERM. */
async function gateway(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  const parsed = parseGatewayCommandLine(argv, env);
  if (parsed.kind === "help") {
    io.stdout.write(parsed.text);
    return EXIT.ok;
  }
  if (parsed.kind === "usage") {
    io.stderr.write(`cloudcached gateway: ${parsed.message}\n`);
    return EXIT.usage;
  }
  const running = await startGateway({ ...parsed.options, version: version() });
  io.stderr.write(`cloudcached gateway: memcached on ${running.host}:${running.port} → ${parsed.options.url} (namespace ${parsed.options.namespace})\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await running.close();
  return EXIT.ok;
}

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  if (argv[0] === "gateway") return gateway(argv.slice(1), env, io);
  const parsed = parseCommandLine(argv, env);
  switch (parsed.kind) {
    case "help":
      io.stdout.write(parsed.text);
      return EXIT.ok;
    case "version":
      io.stdout.write(`${version()}\n`);
      return EXIT.ok;
    case "usage":
      io.stderr.write(`cloudcached: ${parsed.message}\n`);
      return EXIT.usage;
    case "run": {
      const { url, token, namespace, timeoutMs } = parsed.connection;
      const fetch = nodeFetch();
      try {
        const client = new CloudCached({ url, namespace, fetch, ...(token ? { token } : {}), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
        return await execute(parsed.action, client, io, parsed.json);
      } catch (err) {
        return report(err, io, parsed.json);
      } finally {
        fetch.close();
      }
    }
  }
}

// `cloudcached get big | head -c 100`: the reader leaving early is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
