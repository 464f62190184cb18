// The counters `stats` reports, named as memcached names them.

export const COUNTERS = [
  "cmd_get",
  "cmd_set",
  "cmd_flush",
  "cmd_touch",
  "get_hits",
  "get_misses",
  "get_expired",
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
  "backend_requests",
  "backend_errors",
] as const;
export type Counter = (typeof COUNTERS)[number];

export class Stats {
  readonly started = Date.now();
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
    return [
      ["pid", String(process.pid)],
      ["uptime", String(Math.floor((nowMs - this.started) / 1000))],
      ["time", String(seconds)],
      ["version", version],
      ["pointer_size", "64"],
      ["curr_connections", String(this.currentConnections)],
      ["total_connections", String(this.totalConnections)],
      ["rejected_connections", String(this.rejectedConnections)],
      ...COUNTERS.map((name): [string, string] => [name, String(this.get(name))]),
    ];
  }
}
