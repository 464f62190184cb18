// `cloudcached gateway`: memcached's protocols on a local port, our HTTP API behind them.

import { CloudCached } from "../client.js";
import { nodeFetch } from "../node-fetch.js";
import { Backend } from "./backend.js";
import { CasTable } from "./cas-table.js";
import { listen } from "./server.js";
import { Stats } from "./stats.js";

export interface GatewayOptions {
  /** The Worker. */
  url: string;
  token?: string;
  namespace: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 11211; 0 for any free port. */
  port?: number;
  /** Most client connections at once (default 1024). */
  maxConnections?: number;
  /** Most connections to the Worker at once (default 64), each kept alive. */
  poolSize?: number;
  /** Per request to the Worker (default 5000 ms). */
  timeoutMs?: number;
  /** Retries of a safe request to the Worker (default 1). */
  retries?: number;
  /** The largest value accepted (default 1 MiB, as memcached's item size). */
  maxValueBytes?: number;
  /** The longest command line (default 64 KiB). */
  maxLineBytes?: number;
  /** The client's version, reported by `version` and `stats`. */
  version?: string;
  /**
   * Seconds every item the gateway writes stays stale after it expires (default 0): `mg` serves it
   * with `X` and gives one client `W` to recache it, and `md <key> I` keeps serving it that long.
   */
  grace?: number;
}

export interface Gateway {
  namespace: string;
  host: string;
  port: number;
  stats: Stats;
  close(): Promise<void>;
}

export const GATEWAY_DEFAULTS = {
  host: "127.0.0.1",
  port: 11211,
  maxConnections: 1024,
  poolSize: 64,
  timeoutMs: 5000,
  retries: 1,
  maxValueBytes: 1024 * 1024,
  maxLineBytes: 64 * 1024,
  grace: 0,
} as const;

/** The `version` answer: the memcached protocol level spoken, then what speaks it. */
export function versionString(clientVersion: string): string {
  return `1.6.0-cloudcached-${clientVersion}`;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const settings = { ...GATEWAY_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<GatewayOptions>;
  const fetch = nodeFetch({ maxSockets: settings.poolSize });
  const client = new CloudCached({
    url: settings.url,
    namespace: settings.namespace,
    ...(settings.token ? { token: settings.token } : {}),
    fetch,
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
  });
  const stats = new Stats();
  const backend = new Backend(client, new CasTable(), stats, settings.maxValueBytes, settings.grace);
  const server = await listen(
    {
      host: settings.host,
      port: settings.port,
      maxConnections: settings.maxConnections,
      maxLineBytes: settings.maxLineBytes,
      maxValueBytes: settings.maxValueBytes,
      version: versionString(settings.version ?? "unknown"),
    },
    backend,
    stats,
  ).catch((err: unknown) => {
    fetch.close();
    throw err;
  });
  return {
    namespace: settings.namespace,
    host: server.host,
    port: server.port,
    stats,
    async close() {
      await server.close();
      fetch.close();
    },
  };
}
