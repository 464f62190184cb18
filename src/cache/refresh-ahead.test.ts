import { describe, expect, it } from "vitest";
import { MEMORY_TRUST_MS } from "./generation";
import { dueForRefresh, REFRESH_AHEAD_MS } from "./refresh-ahead";

describe("dueForRefresh: a state in use is confirmed again in the background in the last part of its second", () => {
  it("is due only within REFRESH_AHEAD_MS before its trust ends, never after", () => {
    const until = 10_000;
    expect(dueForRefresh(until, until - MEMORY_TRUST_MS)).toBe(false);
    expect(dueForRefresh(until, until - REFRESH_AHEAD_MS - 1)).toBe(false);
    expect(dueForRefresh(until, until - REFRESH_AHEAD_MS)).toBe(true);
    expect(dueForRefresh(until, until - 1)).toBe(true);
    // Once its trust has ended, a request confirms it itself (beside its lookup), not in the background.
    expect(dueForRefresh(until, until)).toBe(false);
    expect(dueForRefresh(until, until + 500)).toBe(false);
  });
});
