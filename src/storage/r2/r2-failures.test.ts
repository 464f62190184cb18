import { describe, expect, it } from "vitest";
import { bindingFailureOf, isRetryableBindingFailure } from "./r2-failures";

describe("bindingFailureOf", () => {
  it("reads R2's error code at the end of the binding's message", () => {
    expect(bindingFailureOf(new Error("get: We encountered an internal error. Please try again. (10001)"))).toEqual({ kind: "error", code: 10001, status: 500 });
    expect(bindingFailureOf(new Error("put: Reduce your request rate. (10043)"))).toEqual({ kind: "error", code: 10043, status: 503 });
    expect(bindingFailureOf(new Error("put: Unspecified error (10020)"))).toEqual({ kind: "error", code: 10020, status: 500 });
    // Some codes have six digits (EntityTooLarge): still R2's answer, not a lost connection.
    expect(bindingFailureOf(new Error("put: Your proposed upload exceeds the maximum allowed object size. (100100)"))).toEqual({ kind: "error", code: 100100, status: 500 });
  });

  it("too many writes to one object is a conflict, to be sent again", () => {
    expect(bindingFailureOf(new Error("put: Reduce your concurrent request rate for the same object. (10058)"))).toEqual({ kind: "conflict", code: 10058 });
  });

  it("no code (the runtime lost its connection) or no Error at all: R2 was not reached", () => {
    expect(bindingFailureOf(new Error("Network connection lost."))).toEqual({ kind: "unreachable" });
    expect(bindingFailureOf("boom")).toEqual({ kind: "unreachable" });
    expect(bindingFailureOf(new Error("code (10001) in the middle"))).toEqual({ kind: "unreachable" });
  });
});

describe("isRetryableBindingFailure", () => {
  it("retries what may pass (no answer, an internal error, a busy bucket or object), not a lasting refusal", () => {
    expect(isRetryableBindingFailure({ kind: "unreachable" })).toBe(true);
    expect(isRetryableBindingFailure({ kind: "conflict", code: 10058 })).toBe(true);
    expect(isRetryableBindingFailure({ kind: "error", code: 10001, status: 500 })).toBe(true);
    expect(isRetryableBindingFailure({ kind: "error", code: 10043, status: 503 })).toBe(true);
    expect(isRetryableBindingFailure({ kind: "error", code: 10020, status: 500 })).toBe(false);
  });
});
