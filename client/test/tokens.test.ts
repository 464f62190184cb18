// Scoped tokens (POST /v1/tokens and their checks; API.md "Access"), and what a token may do
// (GET /v1/token), through the client and the CLI.
import { describe, expect, it } from "vitest";
import { CloudCached, CloudCachedError } from "../src/index.js";
import { cli } from "./support/cli.js";
import { adminClient, adminToken, workerUrl } from "./support/helpers.js";

describe("mintToken and scoped clients", () => {
  it("a token limited to a namespace, a prefix and scopes works within them and is refused outside", async () => {
    const admin = adminClient();
    const minted = await admin.mintToken({ namespaces: [admin.namespace], prefix: "user/42/", scopes: ["read", "write"], ttl: 300 });
    expect(typeof minted.token).toBe("string");
    expect(minted.expiresAt).toBeGreaterThan(Date.now() / 1000 + 200);
    expect(minted.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 301);

    const user = new CloudCached({ url: workerUrl(), token: minted.token, namespace: admin.namespace });
    expect(await user.put("user/42/name", "Ada")).toBe(true);
    expect(await user.get("user/42/name")).toBe("Ada");
    expect(await admin.get("user/42/name")).toBe("Ada");

    const outside = await user.put("user/43/name", "Bob").catch((e: unknown) => e);
    expect(outside).toBeInstanceOf(CloudCachedError);
    expect(outside).toMatchObject({ status: 403, code: "forbidden" });
    await expect(user.withNamespace(`${admin.namespace}-x`).get("user/42/name")).rejects.toMatchObject({ status: 403 });
    await expect(user.mintToken({ namespaces: ["*"], scopes: ["read"] })).rejects.toMatchObject({ status: 403 });
  });

  it("a read-only token cannot write; a tampered token is 401", async () => {
    const admin = adminClient();
    await admin.set("k", "v");
    const { token } = await admin.mintToken({ namespaces: [admin.namespace], scopes: ["read"], ttl: 60 });
    const reader = new CloudCached({ url: workerUrl(), token, namespace: admin.namespace });
    expect(await reader.get("k")).toBe("v");
    await expect(reader.set("k", "w")).rejects.toMatchObject({ status: 403, code: "forbidden" });
    const tampered = new CloudCached({ url: workerUrl(), token: `${token.slice(0, -2)}xx`, namespace: admin.namespace });
    await expect(tampered.get("k")).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("the CLI mints a token, and the token works from the CLI", async () => {
    const admin = adminClient();
    const env = { CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: adminToken(), CLOUDCACHED_NAMESPACE: admin.namespace };
    const minted = await cli(["token", "--scopes", "read,write", "--prefix", "p/", "--ttl", "120"], env);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token.length).toBeGreaterThan(20);
    const asUser = { ...env, CLOUDCACHED_TOKEN: token };
    expect((await cli(["set", "p/x", "from the cli"], asUser)).code).toBe(0);
    expect((await cli(["get", "p/x"], asUser)).stdout).toBe("from the cli");
    expect((await cli(["set", "q/x", "no"], asUser)).code).toBe(3);
    const json = await cli(["token", "--scopes", "read", "--json"], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ token: expect.any(String), expiresAt: expect.any(Number) });
  });
});

describe("capabilities (GET /v1/token)", () => {
  it("the admin token may do everything, for ever", async () => {
    expect(await adminClient().capabilities()).toStrictEqual({ admin: true, namespaces: ["*"], scopes: ["read", "write", "flush"], prefix: null, expiresAt: null });
  });

  it("a scoped token answers its own grant: namespaces, scopes, prefix and the expiry it was minted with", async () => {
    const admin = adminClient();
    const other = `${admin.namespace}-b`;
    const minted = await admin.mintToken({ namespaces: [admin.namespace, other], prefix: "user/42/", scopes: ["read", "write"], ttl: 300 });
    // The grant is the token's, whichever namespace the client is for.
    const user = new CloudCached({ url: workerUrl(), token: minted.token, namespace: "elsewhere" });
    expect(await user.capabilities()).toStrictEqual({
      admin: false,
      namespaces: [admin.namespace, other],
      scopes: ["read", "write"],
      prefix: "user/42/",
      expiresAt: minted.expiresAt,
    });
    const { token: everywhere } = await admin.mintToken({ namespaces: ["*"], scopes: ["read"], ttl: 60 });
    expect(await new CloudCached({ url: workerUrl(), token: everywhere }).capabilities()).toMatchObject({ admin: false, namespaces: ["*"], scopes: ["read"], prefix: null });
  });

  it("no token, or a tampered one, is a 401 CloudCachedError", async () => {
    const noToken = await new CloudCached({ url: workerUrl() }).capabilities().catch((e: unknown) => e);
    expect(noToken).toBeInstanceOf(CloudCachedError);
    expect(noToken).toMatchObject({ status: 401, code: "unauthorized" });
    const { token } = await adminClient().mintToken({ namespaces: ["*"], scopes: ["read"], ttl: 60 });
    await expect(new CloudCached({ url: workerUrl(), token: `${token.slice(0, -2)}xx` }).capabilities()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("cloudcached whoami prints the token's grant as a table, or as JSON with --json; without a token it exits 3", async () => {
    const admin = adminClient();
    const minted = await admin.mintToken({ namespaces: [admin.namespace], prefix: "p/", scopes: ["read"], ttl: 120 });
    const env = { CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: minted.token };
    const human = await cli(["whoami"], env);
    expect(human.code).toBe(0);
    expect(human.stdout.split("\n")).toStrictEqual([
      "token       scoped",
      `namespaces  ${admin.namespace}`,
      "scopes      read",
      'keys        only keys starting with "p/"',
      `expires     ${new Date(minted.expiresAt * 1000).toISOString()}`,
      "",
    ]);
    const json = await cli(["whoami", "--json"], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toStrictEqual({ admin: false, namespaces: [admin.namespace], scopes: ["read"], prefix: "p/", expiresAt: minted.expiresAt });
    const asAdmin = await cli(["whoami", "--json"], { ...env, CLOUDCACHED_TOKEN: adminToken() });
    expect(JSON.parse(asAdmin.stdout)).toMatchObject({ admin: true, namespaces: ["*"] });
    const anonymous = await cli(["whoami"], { CLOUDCACHED_URL: workerUrl() });
    expect(anonymous.code).toBe(3);
    expect(anonymous.stdout).toBe("");
    expect(anonymous.stderr).toContain("unauthorized, HTTP 401");
  });
});
