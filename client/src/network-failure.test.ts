import { describe, expect, it } from "vitest";
import { describeCause, networkFailureMessage } from "./network-failure.js";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });

describe("networkFailureMessage: which server, and why", () => {
  it("names the URL and Node fetch's hidden cause", () => {
    const undici = new TypeError("fetch failed", { cause: refused });
    expect(networkFailureMessage("http://127.0.0.1:1", undici, "request")).toBe(
      "could not reach the server at http://127.0.0.1:1: fetch failed: connect ECONNREFUSED 127.0.0.1:1",
    );
  });

  it("tells a failed body read from a failed request", () => {
    expect(networkFailureMessage("https://cache.example.com", new Error("socket hang up"), "body")).toBe(
      "the answer from the server at https://cache.example.com could not be read: socket hang up",
    );
  });

  it("suggests ALLOWED_ORIGINS for a browser's bare fetch failure (Chromium, Firefox, Safari), and only then", () => {
    for (const message of ["Failed to fetch", "NetworkError when attempting to fetch resource.", "Load failed"]) {
      const said = networkFailureMessage("https://cache.example.com", new TypeError(message), "request");
      expect(said, message).toContain(`could not reach the server at https://cache.example.com: ${message}`);
      expect(said, message).toContain("ALLOWED_ORIGINS");
    }
    expect(networkFailureMessage("http://x", new TypeError("fetch failed", { cause: refused }), "request")).not.toContain("ALLOWED_ORIGINS");
  });
});

describe("describeCause", () => {
  it("walks the causes, says each once, and reads an AggregateError without a message", () => {
    const every = new AggregateError([refused, Object.assign(new Error("connect ECONNREFUSED ::1:1"), { code: "ECONNREFUSED" })], "");
    expect(describeCause(new TypeError("fetch failed", { cause: every }))).toBe("fetch failed: connect ECONNREFUSED 127.0.0.1:1; connect ECONNREFUSED ::1:1");
    expect(describeCause(new Error("same", { cause: new Error("same") }))).toBe("same");
    expect(describeCause("plain")).toBe("plain");
    expect(describeCause(Object.assign(new Error(""), { code: "ECONNRESET" }))).toBe("ECONNRESET");
  });
});
