import { describe, expect, it } from "vitest";
import { Stats, statGroup } from "./stats.js";

const settings = { host: "127.0.0.1", port: 11211, maxConnections: 1024, maxValueBytes: 1048576 };

describe("stats", () => {
  it("stats groups: what holds for the gateway, in memcached's names; an unknown group is null", () => {
    const pairs = new Map(statGroup("settings", settings));
    expect(pairs.get("maxconns")).toBe("1024");
    expect(pairs.get("tcpport")).toBe("11211");
    expect(pairs.get("inter")).toBe("127.0.0.1");
    expect(pairs.get("item_size_max")).toBe("1048576");
    expect(pairs.get("evictions")).toBe("off");
    expect(statGroup("items", settings)).toEqual([]);
    expect(statGroup("slabs", settings)).toEqual([
      ["active_slabs", "0"],
      ["total_malloced", "0"],
    ]);
    expect(statGroup("bogus", settings)).toBeNull();
  });

  it("the report: counters as counted, reset to 0 by `stats reset`; get_expired and get_flushed stay 0", () => {
    const stats = new Stats();
    stats.settings = settings;
    stats.add("get_hits", 3);
    stats.add("bytes_read", 7);
    const report = new Map(stats.report("v"));
    expect(report.get("get_hits")).toBe("3");
    expect(report.get("bytes_read")).toBe("7");
    expect(report.get("get_expired")).toBe("0");
    expect(report.get("get_flushed")).toBe("0");
    expect(report.get("max_connections")).toBe("1024");
    expect(report.get("threads")).toBe("1");
    stats.reset();
    expect(new Map(stats.report("v")).get("get_hits")).toBe("0");
  });
});
