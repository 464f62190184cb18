import { describe, expect, it } from "vitest";
import { CloudCachedError } from "./errors.js";
import { keyProblem } from "./names.js";
import { buildUrl, encodeKey, itemPath, routeHint } from "./paths.js";

describe("encodeKey", () => {
  it("percent-encodes each segment and keeps the slashes", () => {
    expect(encodeKey("user/42/profile")).toBe("user/42/profile");
    expect(encodeKey("a b+c")).toBe("a%20b%2Bc");
    expect(encodeKey("100%/x?y#z")).toBe("100%25/x%3Fy%23z");
    expect(encodeKey("ключ")).toBe("%D0%BA%D0%BB%D1%8E%D1%87");
    expect(encodeKey("a%2Fb")).toBe("a%252Fb");
  });

  it("refuses keys a URL would rewrite or that are empty", () => {
    for (const key of ["", ".", "..", "a/./b", "a/../b", "a//b", "/a", "a/"]) {
      expect(keyProblem(key), key).not.toBeNull();
      expect(() => encodeKey(key)).toThrow(CloudCachedError);
    }
    expect(keyProblem("a.b/..c/.d")).toBeNull();
  });

  it("refuses a lone surrogate as bad_request", () => {
    const err = (() => {
      try {
        encodeKey("a\ud800");
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toMatchObject({ status: 400, code: "bad_request" });
  });
});

describe("paths and URLs", () => {
  it("itemPath", () => {
    expect(itemPath("ns", "a b/c")).toBe("/v1/ns/items/a%20b/c");
  });

  it("buildUrl keeps a base path, drops undefined query values, encodes the rest", () => {
    expect(buildUrl("https://h.example/cache/", "/v1/x", { ttl: 60, a: undefined, p: "a b&c" })).toBe("https://h.example/cache/v1/x?ttl=60&p=a%20b%26c");
    expect(buildUrl("https://h.example", "/healthz")).toBe("https://h.example/healthz");
  });
});

describe("routeHint: a base URL ending in /v1", () => {
  it("says to drop /v1, with the URL to use, and keeps a path prefix", () => {
    expect(routeHint("http://127.0.0.1:8880/v1")).toBe("the URL is the Worker's root, without /v1: http://127.0.0.1:8880");
    expect(routeHint("https://x.example/cache/v1/")).toBe("the URL is the Worker's root, without /v1: https://x.example/cache");
  });

  it("is null for any other URL", () => {
    for (const url of ["http://127.0.0.1:8880", "https://x.example/cache", "https://x.example/v10", "https://x.example/v1x", "not a url"]) {
      expect(routeHint(url), url).toBeNull();
    }
  });
});
