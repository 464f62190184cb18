// `cloudcached gateway [options]`: its command line parsed into the gateway's options. Pure.

import { parseArgs } from "node:util";
import type { GatewayOptions } from "../gateway/gateway.js";
import { serverFrom, Usage, usageMessage } from "./command-line.js";

export const GATEWAY_HELP = `Usage: cloudcached gateway [options]

Speaks memcached (text, meta and binary protocols) on a local port and carries each command to
CloudCached over HTTP.

Options:
  --listen HOST:PORT   where to listen, default 127.0.0.1:11211   (or CLOUDCACHED_GATEWAY_LISTEN)
  --url URL            the Worker's URL                            (or CLOUDCACHED_URL)
  --token TOKEN        a bearer token                              (or CLOUDCACHED_TOKEN)
  --ns NAMESPACE       namespace, default "default"                (or CLOUDCACHED_NAMESPACE;
                       --namespace is the same)
  --timeout MS         per request to the Worker, default 5000
  --pool N             most connections to the Worker, default 64 (kept alive)
  --max-connections N  most client connections, default 1024
  --max-item-size N    largest value in bytes, default 1048576 (1 MiB)
  --max-line N         longest command line in bytes, default 65536
  --grace SECONDS      keep every item written stale for this long after it expires:
                       mg serves it with X and one client wins (W) its recache; default 0
  -h, --help           this help
`;

export type GatewayParsed =
  | { kind: "help"; text: string }
  | { kind: "usage"; message: string }
  | { kind: "run"; options: GatewayOptions };

const OPTIONS = {
  listen: { type: "string" },
  url: { type: "string" },
  token: { type: "string" },
  ns: { type: "string" },
  namespace: { type: "string" },
  timeout: { type: "string" },
  pool: { type: "string" },
  "max-connections": { type: "string" },
  "max-item-size": { type: "string" },
  "max-line": { type: "string" },
  grace: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function count(raw: string | undefined, name: string, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,12}$/.test(raw) || Number(raw) < min) throw new Usage(`${name} must be an integer of at least ${min}, got '${raw}'`);
  return Number(raw);
}

/** `HOST:PORT`, `[v6]:PORT` or `PORT` (on 127.0.0.1). */
export function parseListen(raw: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]+)):(\d{1,5})$/.exec(raw) ?? /^()()(\d{1,5})$/.exec(raw);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) throw new Usage(`--listen must be HOST:PORT, got '${raw}'`);
  return { host: match[1] || match[2] || "127.0.0.1", port };
}

export function parseGatewayCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): GatewayParsed {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    if (values.help) return { kind: "help", text: GATEWAY_HELP };
    if (positionals.length > 0) throw new Usage(`gateway takes no arguments, got '${positionals[0]}' (see cloudcached gateway --help)`);
    const { url, token, namespace } = serverFrom({ ...values, ns: values.ns ?? values.namespace }, env);
    if (values.ns !== undefined && values.namespace !== undefined && values.ns !== values.namespace) throw new Usage("give --ns or --namespace, not both");
    const { host, port } = parseListen(values.listen ?? (env.CLOUDCACHED_GATEWAY_LISTEN || "127.0.0.1:11211"));
    const numbers = {
      timeoutMs: count(values.timeout, "--timeout", 1),
      poolSize: count(values.pool, "--pool", 1),
      maxConnections: count(values["max-connections"], "--max-connections", 1),
      maxValueBytes: count(values["max-item-size"], "--max-item-size", 1),
      maxLineBytes: count(values["max-line"], "--max-line", 1024),
      grace: count(values.grace, "--grace", 0),
    };
    const options: GatewayOptions = {
      url,
      namespace,
      host,
      port,
      ...(token ? { token } : {}),
      ...Object.fromEntries(Object.entries(numbers).filter(([, value]) => value !== undefined)),
    };
    return { kind: "run", options };
  } catch (err) {
    return { kind: "usage", message: usageMessage(err, "see cloudcached gateway --help") };
  }
}
