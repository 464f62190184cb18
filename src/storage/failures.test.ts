import { describe, expect, it } from "vitest";
import { isRetryableStatus, storageAnswerError, storageTimeoutError, storageUnavailableError } from "./failures";

describe("storage failures", () => {
  it("maps answers to 502, unreachable to 503, slow to 504", () => {
    expect(storageAnswerError("GET", 500, "InternalError")).toMatchObject({ status: 502, code: "storage_error" });
    expect(storageAnswerError("GET", 403, "SignatureDoesNotMatch").message).toContain("credentials");
    expect(storageUnavailableError("GET")).toMatchObject({ status: 503, code: "storage_unavailable" });
    expect(storageTimeoutError("GET", 250)).toMatchObject({ status: 504, code: "storage_timeout" });
    expect(storageTimeoutError("GET", 250).message).toContain("250 ms");
  });
  it("retries only busy or broken answers", () => {
    for (const status of [429, 500, 502, 503, 504]) expect(isRetryableStatus(status)).toBe(true);
    for (const status of [200, 304, 400, 403, 404, 409, 412, 501]) expect(isRetryableStatus(status)).toBe(false);
  });
});
