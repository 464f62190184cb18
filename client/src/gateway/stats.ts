// The counters `stats` reports, named and counted as memcached names and counts them, where the
// gateway can know them (it cannot tell an expired or flushed item from an absent one: the Worker
// answers a miss for each, so `get_expired` and `get_flushed` stay 0).

export const COUNTERS = [
  "cmd_get",
  "cmd_set",
  "cmd_flush",
  "cmd_touch",
  "get_hits",
  "get_misses",
  "get_expired",
  "get_flushed",
  "delete_misses",
  "delete_hits",
  "incr_misses",
  "incr_hits",
  "decr_misses",
  "decr_hits",
  "cas_misses",
  "cas_hits",
  "cas_badval",
  "touch_hits",
  "touch_misses",
  "store_too_large",
  "bytes_read",
  "bytes_written",
  "total_items",
  "backend_requests",
  "backend_errors",
] as const;
export type Counter = (typeof COUNTERS)[number];

export class Stats {
  readonly started = Date.now();
  /** The listening address and limits, for `stats` and `stats settings` (set once listening). */
  settings: SettingsReport = { host: "", port: 0, maxConnections: 0, maxValueBytes: 0 };
  currentConnections = 0;
  totalConnections = 0;
  rejectedConnections = 0;
  private readonly counts = new Map<Counter, number>(COUNTERS.map((name) => [name, 0]));

  add(name: Counter, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: Counter): number {
    return this.counts.get(name) ?? 0;
  }

  reset(): void {
    for (const name of COUNTERS) this.counts.set(name, 0);
    this.totalConnections = 0;
    this.rejectedConnections = 0;
  }

  /** `STAT name value` pairs, in memcached's order where it has them. */
  report(version: string, nowMs = Date.now()): [string, string][] {
    const seconds = Math.floor(nowMs / 1000);
    const cpu = process.cpuUsage();
    return [
      ["pid", String(process.pid)],
      ["uptime", String(Math.floor((nowMs - this.started) / 1000))],
      ["time", String(seconds)],
      ["version", version],
      ["pointer_size", "64"],
      ["rusage_user", (cpu.user / 1e6).toFixed(6)],
      ["rusage_system", (cpu.system / 1e6).toFixed(6)],
      ["max_connections", String(this.settings.maxConnections)],
      ["curr_connections", String(this.currentConnections)],
      ["total_connections", String(this.totalConnections)],
      ["rejected_connections", String(this.rejectedConnections)],
      ...COUNTERS.map((name): [string, string] => [name, String(this.get(name))]),
      ["threads", "1"],
    ];
  }
}

/** What `stats settings` can tell of a gateway: memcached's names, the gateway's values. */
export interface SettingsReport {
  host: string;
  port: number;
  maxConnections: number;
  maxValueBytes: number;
}

/** The slab class `stats cachedump` lists every key in: the gateway has no slabs, only the bucket. */
export const DUMP_CLASS = 1;
/** memcached's number of slab classes: `stats cachedump` refuses a class beyond it. */
export const SLAB_CLASSES = 64;

/**
 * The `STAT` pairs of `stats <group>` for the groups that need no request to the Worker, or null
 * when the group is unknown (memcached's `ERROR`). The gateway keeps no items in memory, so
 * `items` and `slabs` answer as a memcached holding none would. Pure.
 */
export function statGroup(group: string, settings: SettingsReport): [string, string][] | null {
  switch (group) {
    case "settings":
      return [
        ["maxconns", String(settings.maxConnections)],
        ["tcpport", String(settings.port)],
        ["udpport", "0"],
        ["inter", settings.host],
        ["verbosity", "0"],
        ["evictions", "off"],
        ["num_threads", "1"],
        ["cas_enabled", "yes"],
        ["binding_protocol", "auto-negotiate"],
        ["auth_enabled_sasl", "no"],
        ["auth_enabled_ascii", "no"],
        ["item_size_max", String(settings.maxValueBytes)],
        ["flush_enabled", "yes"],
        ["dump_enabled", "yes"],
      ];
    case "items":
    case "conns":
      return [];
    case "slabs":
      return [
        ["active_slabs", "0"],
        ["total_malloced", "0"],
      ];
    case "sizes":
      return [["sizes_status", "disabled"]];
    default:
      return null;
  }
}
