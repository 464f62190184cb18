import { describe, expect, it } from "vitest";
import { CloudCachedError } from "../errors.js";
import { failureLine, failureOf, GatewayFailure } from "./failure.js";

describe("failureOf", () => {
  it("maps the Worker's answers to memcached's error kinds", () => {
    expect(failureLine(failureOf(new CloudCachedError(413, "value_too_large", "x")))).toBe("SERVER_ERROR object too large for cache");
    expect(failureLine(failureOf(new CloudCachedError(400, "bad_request", "invalid key: empty path segment")))).toBe("CLIENT_ERROR invalid key: empty path segment");
    expect(failureLine(failureOf(new CloudCachedError(503, "storage_unavailable", "down")))).toBe("SERVER_ERROR cloudcached 503 storage_unavailable: down");
    expect(failureLine(failureOf(new CloudCachedError(0, "timeout", "no answer within 5 ms")))).toBe("SERVER_ERROR cloudcached did not answer in time (no answer within 5 ms)");
    expect(failureLine(failureOf(new GatewayFailure("server", "lost\r\nraces")))).toBe("SERVER_ERROR lost races");
    expect(failureLine(failureOf(new Error("boom")))).toBe("SERVER_ERROR gateway error: boom");
  });
});
