import { describe, expect, it } from "vitest";
import { goneAt } from "../items/item";
import { cacheMaxAge, entryLifetime, MAX_ENTRY_SECONDS } from "./location-cache";

describe("location cache entries for stale-if-error", () => {
  const now = 1_700_000_000;
  it("an entry is kept as long as the item lives, at most a week", () => {
    expect(entryLifetime(now + 3600, now)).toBe(3600);
    expect(entryLifetime(now + 30 * 86400, now)).toBe(MAX_ENTRY_SECONDS);
    expect(entryLifetime(null, now)).toBe(MAX_ENTRY_SECONDS);
    expect(entryLifetime(now - 5, now)).toBe(0);
  });
  it("but is fresh (a HIT) only for min(remaining TTL, EDGE_TTL)", () => {
    expect(cacheMaxAge(now + 3600, 60, now)).toBe(60);
    expect(cacheMaxAge(now + 10, 60, now)).toBe(10);
    expect(cacheMaxAge(null, 60, now)).toBe(60);
  });
  it("with grace, an entry is kept and may be fresh until the grace ends", () => {
    expect(entryLifetime(goneAt(now - 5, 600), now)).toBe(595);
    expect(entryLifetime(goneAt(now - 5, 0), now)).toBe(0);
    expect(cacheMaxAge(goneAt(now + 10, 600), 60, now)).toBe(60);
    expect(cacheMaxAge(goneAt(now - 590, 600), 60, now)).toBe(10);
  });
});
