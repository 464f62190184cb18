import { describe, expect, it } from "vitest";
import { CloudCachedError, codeForStatus, errorFromBatch, errorFromBody, statusForCode } from "./errors.js";

describe("errors", () => {
  it("reads API.md's error body", () => {
    const err = errorFromBody(403, JSON.stringify({ error: { code: "forbidden", message: "no access to ns" } }));
    expect(err).toBeInstanceOf(CloudCachedError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ status: 403, code: "forbidden", message: "no access to ns", name: "CloudCachedError" });
  });

  it("falls back to the status's code when the body is not API.md's shape", () => {
    expect(errorFromBody(502, "<html>Bad gateway</html>")).toMatchObject({ status: 502, code: "storage_error", message: "HTTP 502" });
    expect(errorFromBody(418, "")).toMatchObject({ code: "bad_request" });
    expect(codeForStatus(500)).toBe("internal");
    expect(codeForStatus(599)).toBe("internal");
  });

  it("keeps an unknown code from a newer server", () => {
    expect(errorFromBody(429, JSON.stringify({ error: { code: "rate_limited", message: "slow down" } })).code).toBe("rate_limited");
  });

  it("a batch entry's error, with the status its code stands for", () => {
    expect(errorFromBatch({ error: { code: "forbidden", message: "m" } })).toMatchObject({ status: 403, code: "forbidden" });
    expect(errorFromBatch({ etag: '"x"' })).toBeNull();
    expect(errorFromBatch(null)).toBeNull();
    expect(statusForCode("not_a_number")).toBe(409);
    expect(statusForCode("toString")).toBe(500);
  });
});
