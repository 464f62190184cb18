import { describe, expect, it } from "vitest";
import { capabilitiesOf } from "./capabilities";

describe("capabilitiesOf", () => {
  it("the admin token: every namespace and scope, no prefix, no expiry", () => {
    expect(capabilitiesOf({ kind: "admin" })).toEqual({ admin: true, namespaces: ["*"], scopes: ["read", "write", "flush"], prefix: null, expiresAt: null });
  });

  it("a scoped token: exactly its grant", () => {
    const grant = { namespaces: ["app", "web"], scopes: ["read"] as const, prefix: "user/42/", expiresAt: 2_000_000_000 };
    expect(capabilitiesOf({ kind: "token", grant, publicRead: ["pub"] })).toEqual({ admin: false, namespaces: ["app", "web"], scopes: ["read"], prefix: "user/42/", expiresAt: 2_000_000_000 });
    expect(capabilitiesOf({ kind: "token", grant: { ...grant, namespaces: "*", prefix: null }, publicRead: [] })).toMatchObject({ namespaces: ["*"], prefix: null });
  });
});
