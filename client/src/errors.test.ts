import { describe, expect, it } from "vitest";
import { CloudCachedError, codeForStatus, errorFromBatch, errorFromBody, isAbsent, statusForCode } from "./errors.js";

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

  it("only API.md's 404 not_found means absent: a 404 without our JSON is no_such_route (a wrong URL), with a hint", () => {
    expect(codeForStatus(404)).toBe("no_such_route");
    const foreign = errorFromBody(404, "<h1>Not Found</h1>");
    expect(foreign).toMatchObject({ status: 404, code: "no_such_route" });
    expect(foreign.message).toContain("is the URL the Worker's origin");
    expect(isAbsent(foreign)).toBe(false);
    expect(isAbsent(errorFromBody(404, JSON.stringify({ error: { code: "no_such_route", message: "m" } })))).toBe(false);
    expect(isAbsent(errorFromBody(404, JSON.stringify({ error: { code: "not_found", message: "m" } })))).toBe(true);
    expect(isAbsent(new CloudCachedError(400, "not_found", "m"))).toBe(false);
    expect(isAbsent(new Error("not_found"))).toBe(false);
    expect(statusForCode("no_such_route")).toBe(404);
  });
});
