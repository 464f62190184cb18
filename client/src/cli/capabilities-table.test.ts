import { describe, expect, it } from "vitest";
import { capabilitiesTable } from "./capabilities-table.js";

describe("capabilitiesTable", () => {
  it("a scoped token: its namespaces, scopes, key prefix and expiry", () => {
    const text = capabilitiesTable({ admin: false, namespaces: ["app", "web"], scopes: ["read", "write"], prefix: "user/42/", expiresAt: 1767225600 });
    expect(text.split("\n")).toStrictEqual([
      "token       scoped",
      "namespaces  app, web",
      "scopes      read, write",
      'keys        only keys starting with "user/42/"',
      "expires     2026-01-01T00:00:00.000Z",
    ]);
  });

  it("the admin token: every namespace and key, never expires", () => {
    const text = capabilitiesTable({ admin: true, namespaces: ["*"], scopes: ["read", "write", "flush"], prefix: null, expiresAt: null });
    expect(text.split("\n")).toStrictEqual([
      "token       admin (everything, minting tokens included)",
      "namespaces  every namespace",
      "scopes      read, write, flush",
      "keys        every key",
      "expires     never",
    ]);
  });
});
