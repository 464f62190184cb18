import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { canServeStale, isStorageFailure } from "./stale";

describe("stale-if-error", () => {
  const now = 1_000_000;
  it("storage errors, timeouts and outages allow a STALE copy; other errors do not", () => {
    expect(isStorageFailure(new ApiError("storage_error", "x"))).toBe(true);
    expect(isStorageFailure(new ApiError("storage_unavailable", "x"))).toBe(true);
    expect(isStorageFailure(new ApiError("storage_timeout", "x"))).toBe(true);
    expect(isStorageFailure(new ApiError("not_found", "x"))).toBe(false);
    expect(isStorageFailure(new Error("x"))).toBe(false);
  });
  it("only while the item lives, only with a copy, never for a no-cache request", () => {
    const failed = new ApiError("storage_timeout", "x");
    expect(canServeStale(failed, now + 1, false, now)).toBe(true);
    expect(canServeStale(failed, null, false, now)).toBe(true);
    expect(canServeStale(failed, now, false, now)).toBe(false);
    expect(canServeStale(failed, now - 5, false, now)).toBe(false);
    expect(canServeStale(failed, undefined, false, now)).toBe(false);
    expect(canServeStale(failed, now + 100, true, now)).toBe(false);
  });
});
