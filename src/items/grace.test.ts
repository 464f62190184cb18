import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { acceptsStale, answerFromCopy, ANY_STALENESS, parseMaxStale } from "./grace";
import { goneAt, isGone } from "./item";

describe("parseMaxStale", () => {
  it("reads max-stale from Cache-Control: absent, bare (any staleness) or whole seconds", () => {
    expect(parseMaxStale(undefined)).toBeNull();
    expect(parseMaxStale("no-cache")).toBeNull();
    expect(parseMaxStale("max-stale")).toBe(ANY_STALENESS);
    expect(parseMaxStale("no-cache, Max-Stale")).toBe(ANY_STALENESS);
    expect(parseMaxStale("max-stale=30")).toBe(30);
    expect(parseMaxStale('max-stale="30"')).toBe(30);
    expect(parseMaxStale("max-age=0, max-stale = 0")).toBe(0);
  });
  it("refuses a value that is not whole seconds (a 400)", () => {
    for (const raw of ["max-stale=-1", "max-stale=1.5", "max-stale=abc", "max-stale=", "max-stale=99999999999999999"]) {
      expect(() => parseMaxStale(raw), raw).toThrow(ApiError);
    }
  });
});

describe("grace: stale and gone", () => {
  const now = 1_000_000;
  it("an item is stale from its expiry for its grace, then gone", () => {
    expect(goneAt(now, 10)).toBe(now + 10);
    expect(goneAt(null, 10)).toBeNull();
    expect(isGone(now - 9, 10, now)).toBe(false);
    expect(isGone(now - 10, 10, now)).toBe(true);
    expect(isGone(now, 0, now)).toBe(true);
    expect(isGone(now, undefined, now)).toBe(true);
    expect(isGone(null, 0, now)).toBe(false);
  });
  it("a stale item goes only to a reader whose max-stale covers how long it has been expired", () => {
    expect(acceptsStale(now - 5, 10, ANY_STALENESS, now)).toBe(true);
    expect(acceptsStale(now - 5, 10, 5, now)).toBe(true);
    expect(acceptsStale(now - 5, 10, 4, now)).toBe(false);
    expect(acceptsStale(now, 10, 0, now)).toBe(true);
  });
  it("never without max-stale, never a live item, never past the grace", () => {
    expect(acceptsStale(now - 5, 10, null, now)).toBe(false);
    expect(acceptsStale(now + 5, 10, ANY_STALENESS, now)).toBe(false);
    expect(acceptsStale(null, 10, ANY_STALENESS, now)).toBe(false);
    expect(acceptsStale(now - 10, 10, ANY_STALENESS, now)).toBe(false);
    expect(acceptsStale(now - 1, 0, ANY_STALENESS, now)).toBe(false);
  });
});

describe("answerFromCopy", () => {
  const nowMs = 1_000_000_000;
  const now = nowMs / 1000;
  const copy = (expiresAt: number | null, grace: number, freshUntil: number) => ({ expiresAt, grace, freshUntil });
  it("a fresh copy of a live item is a HIT for every reader, no refresh", () => {
    expect(answerFromCopy(copy(now + 60, 0, nowMs + 1), null, nowMs)).toEqual({ xCache: "HIT", refresh: false });
    expect(answerFromCopy(copy(null, 0, nowMs + 1), 5, nowMs)).toEqual({ xCache: "HIT", refresh: false });
  });
  it("past its freshness, a plain read asks storage: never a copy older than EDGE_TTL", () => {
    expect(answerFromCopy(copy(now + 60, 0, nowMs), null, nowMs)).toBeNull();
    expect(answerFromCopy(copy(now + 60, 0, 0), null, nowMs)).toBeNull();
  });
  it("past its freshness, a max-stale reader takes it within N seconds past it, and it is refreshed", () => {
    expect(answerFromCopy(copy(now + 60, 0, nowMs - 5000), 5, nowMs)).toEqual({ xCache: "HIT", refresh: true });
    expect(answerFromCopy(copy(now + 60, 0, nowMs - 5001), 5, nowMs)).toBeNull();
    expect(answerFromCopy(copy(now + 60, 0, nowMs - 3_600_000), ANY_STALENESS, nowMs)).toEqual({ xCache: "HIT", refresh: true });
  });
  it("a copy of an expired item within its grace is STALE for a max-stale reader only", () => {
    expect(answerFromCopy(copy(now - 2, 10, nowMs + 1), null, nowMs)).toBeNull();
    expect(answerFromCopy(copy(now - 2, 10, nowMs + 1), ANY_STALENESS, nowMs)).toEqual({ xCache: "STALE", refresh: false });
    expect(answerFromCopy(copy(now - 2, 10, nowMs + 1), 1, nowMs)).toBeNull();
    expect(answerFromCopy(copy(now - 2, 10, nowMs - 1000), 2, nowMs)).toEqual({ xCache: "STALE", refresh: true });
    expect(answerFromCopy(copy(now - 10, 10, nowMs + 1), ANY_STALENESS, nowMs)).toBeNull();
  });
});
