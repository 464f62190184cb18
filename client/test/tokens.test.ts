// Scoped tokens (POST /v1/tokens and their checks; API.md "Access") through the client and the CLI.
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
