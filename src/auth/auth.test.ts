import { describe, expect, it } from "vitest";
import { type AccessRequest, authorize, grantRefusal, type Principal, requireAdmin } from "./auth";
import { ApiError } from "../http/errors";
import type { Grant } from "./tokens";

const grant: Grant = { namespaces: ["app"], prefix: "user/42/", scopes: ["read", "write"], expiresAt: 2_000_000_000 };
const token = (g: Partial<Grant> = {}): Principal => ({ kind: "token", grant: { ...grant, ...g }, publicRead: ["pub"] });
const anonymous: Principal = { kind: "anonymous", publicRead: ["pub"] };

function status(principal: Principal, request: AccessRequest): number {
  try {
    authorize(principal, request);
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
}

describe("authorize", () => {
  it("lets the admin do everything", () => {
    expect(status({ kind: "admin" }, { scope: "flush", namespace: "any" })).toBe(200);
  });

  it("answers 401 to no token, except for reads of a public namespace", () => {
    expect(status(anonymous, { scope: "read", namespace: "app", key: "k" })).toBe(401);
    expect(status(anonymous, { scope: "read", namespace: "pub", key: "k" })).toBe(200);
    expect(status(anonymous, { scope: "read", namespace: "pub", keyPrefix: "" })).toBe(200);
    expect(status(anonymous, { scope: "write", namespace: "pub", key: "k" })).toBe(401);
    expect(status(anonymous, { scope: "flush", namespace: "pub" })).toBe(401);
  });

  it("a read that is not of items (stats) needs a token even on a public namespace", () => {
    expect(status(anonymous, { scope: "read", namespace: "pub", publicRead: false })).toBe(401);
    expect(status(token({ namespaces: ["other"], prefix: null }), { scope: "read", namespace: "pub", publicRead: false })).toBe(403);
    expect(status(token({ namespaces: ["pub"], prefix: null }), { scope: "read", namespace: "pub", publicRead: false })).toBe(200);
    expect(status({ kind: "admin" }, { scope: "read", namespace: "pub", publicRead: false })).toBe(200);
  });

  it("answers 403 to a valid token without the namespace, scope or prefix", () => {
    expect(status(token(), { scope: "read", namespace: "app", key: "user/42/a" })).toBe(200);
    expect(status(token(), { scope: "write", namespace: "app", key: "user/42/a/b" })).toBe(200);
    expect(status(token(), { scope: "read", namespace: "other", key: "user/42/a" })).toBe(403);
    expect(status(token(), { scope: "flush", namespace: "app" })).toBe(403);
    expect(status(token(), { scope: "read", namespace: "app", key: "user/43/a" })).toBe(403);
    expect(status(token(), { scope: "read", namespace: "app", key: "user/42" })).toBe(403);
    expect(status(token(), { scope: "read", namespace: "app", key: "user/420/a" })).toBe(403);
    // A listing must stay inside the prefix; a namespace-wide operation cannot.
    expect(status(token(), { scope: "read", namespace: "app", keyPrefix: "user/42/x" })).toBe(200);
    expect(status(token(), { scope: "read", namespace: "app", keyPrefix: "user/" })).toBe(403);
    expect(status(token(), { scope: "read", namespace: "app", keyPrefix: "" })).toBe(403);
    expect(status(token({ scopes: ["flush"] }), { scope: "flush", namespace: "app" })).toBe(403);
    expect(status(token({ scopes: ["flush"], prefix: null }), { scope: "flush", namespace: "app" })).toBe(200);
    // "*" is every namespace; public reads stay open to token holders too.
    expect(status(token({ namespaces: "*" }), { scope: "read", namespace: "zzz", key: "user/42/a" })).toBe(200);
    expect(status(token(), { scope: "read", namespace: "pub", key: "anything" })).toBe(200);
    expect(status(token(), { scope: "write", namespace: "pub", key: "user/42/a" })).toBe(403);
  });

  it("says why, naming the scope or namespace but never the token", () => {
    expect(grantRefusal(grant, { scope: "flush", namespace: "app" })).toBe('this token lacks the "flush" scope');
    expect(grantRefusal(grant, { scope: "read", namespace: "x", key: "user/42/a" })).toBe('this token does not grant the namespace "x"');
    expect(grantRefusal(grant, { scope: "read", namespace: "app", key: "b" })).toBe("this token is limited to keys under its prefix");
  });
});

describe("requireAdmin", () => {
  it("is 401 without a token and 403 with a scoped one", () => {
    expect(() => requireAdmin({ kind: "admin" })).not.toThrow();
    expect(() => requireAdmin(anonymous)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => requireAdmin(token({ namespaces: "*", prefix: null, scopes: ["read", "write", "flush"] }))).toThrow(expect.objectContaining({ status: 403 }));
  });
});
