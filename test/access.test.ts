import { describe, expect, it } from "vitest";
import { base64url, bearer, mint, send, signWithTestSecret, storedStatus, testAudience } from "./access-helpers";
import { TEST_ADMIN_TOKEN, TEST_TOKEN_SECRET } from "./constants";
import { ADMIN, expectError, uniqueNamespace } from "./helpers";

const JSON_TYPE = { "content-type": "application/json" };
const now = () => Math.floor(Date.now() / 1000);

function mintAs(headers: Record<string, string>, body: unknown, bindings?: Parameters<typeof send>[2]): Promise<Response> {
  return send("/v1/tokens", { method: "POST", headers: { ...headers, ...JSON_TYPE }, body: typeof body === "string" ? body : JSON.stringify(body) }, bindings);
}

async function put(ns: string, key: string, headers: Record<string, string>, body = "v"): Promise<Response> {
  return send(`/v1/${ns}/items/${key}`, { method: "PUT", headers, body });
}

describe("POST /v1/tokens", () => {
  it("mints a token for the admin: 201 {token, expiresAt}, never cached", async () => {
    const before = now();
    const response = await mintAs(ADMIN, { namespaces: ["ns1"], prefix: "user/42/", scopes: ["read", "write", "flush"], ttl: 120 });
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { token: string; expiresAt: number };
    expect(Object.keys(body).sort()).toEqual(["expiresAt", "token"]);
    expect(body.token.split(".")).toHaveLength(3);
    expect(body.expiresAt).toBeGreaterThanOrEqual(before + 120);
    expect(body.expiresAt).toBeLessThanOrEqual(now() + 120);
  });

  it("defaults ttl to one hour", async () => {
    const response = await mintAs(ADMIN, { namespaces: ["*"], scopes: ["read"] });
    const body = (await response.json()) as { expiresAt: number };
    expect(response.status).toBe(201);
    expect(Math.abs(body.expiresAt - (now() + 3600))).toBeLessThanOrEqual(2);
  });

  it("refuses a malformed body with a 400 naming the problem", async () => {
    const cases: [unknown, RegExp][] = [
      ["not json", /must be a JSON object/],
      ["[]", /must be a JSON object/],
      [{ namespaces: ["a"], scopes: ["read"], role: "admin" }, /unknown field "role"/],
      [{ namespaces: ["a"], scopes: ["delete"] }, /scopes\[0\] must be one of "read", "write", "flush"/],
      [{ namespaces: ["Not Valid"], scopes: ["read"] }, /namespaces\[0\] is not a valid namespace/],
      [{ namespaces: ["a"], scopes: ["read"], prefix: "a/../b" }, /prefix must not contain '.' or '..' segments/],
      [{ namespaces: ["a"], scopes: ["read"], ttl: 2_592_001 }, /ttl must be at most MAX_TOKEN_TTL/],
      [{ namespaces: ["a"], scopes: ["read"], ttl: -5 }, /ttl must be a whole number/],
      [{ scopes: ["read"] }, /namespaces is required/],
    ];
    for (const [body, message] of cases) {
      const error = await expectError(await mintAs(ADMIN, body), 400, "bad_request");
      expect(error.error.message, JSON.stringify(body)).toMatch(message);
    }
    const huge = JSON.stringify({ namespaces: ["a"], scopes: ["read"], pad: "x".repeat(20_000) });
    expect((await expectError(await mintAs(ADMIN, huge), 400, "bad_request")).error.message).toMatch(/larger than 16384 bytes/);
  });

  it("is the admin's alone: 401 without a token, 403 for any scoped token", async () => {
    await expectError(await mintAs({}, { namespaces: ["a"], scopes: ["read"] }), 401, "unauthorized");
    const mighty = await mint({ namespaces: ["*"], scopes: ["read", "write", "flush"], ttl: 60 });
    const error = await expectError(await mintAs(bearer(mighty), { namespaces: ["a"], scopes: ["read"] }), 403, "forbidden");
    expect(JSON.stringify(error)).not.toContain(mighty);
    await expectError(await send("/v1/tokens", { headers: ADMIN }), 405, "method_not_allowed");
  });

  it("is a 500 naming TOKEN_SECRET when it is missing, for minting and for checking a token", async () => {
    const token = await mint({ namespaces: ["a"], scopes: ["read"], ttl: 60 });
    const noSecret = { TOKEN_SECRET: "" };
    const minted = await expectError(await mintAs(ADMIN, { namespaces: ["a"], scopes: ["read"] }, noSecret), 500, "internal");
    expect(minted.error.message).toContain("TOKEN_SECRET");
    const used = await expectError(await send("/v1/a/items/k", { headers: bearer(token) }, noSecret), 500, "internal");
    expect(used.error.message).toContain("TOKEN_SECRET");
    expect(JSON.stringify(used)).not.toContain(token);
    // The admin token needs no TOKEN_SECRET.
    const admin = await send(`/v1/${uniqueNamespace()}/items/k`, { headers: ADMIN }, noSecret);
    expect(admin.status).toBe(404);
  });
});

describe("scoped tokens on items", () => {
  it("grant exactly their namespaces, scopes and key prefix (403 otherwise), and a refused write writes nothing", async () => {
    const ns = uniqueNamespace("acc");
    const other = uniqueNamespace("acc");
    const rw = await mint({ namespaces: [ns], prefix: "user/42/", scopes: ["read", "write"], ttl: 300 });
    const ro = await mint({ namespaces: [ns], prefix: "user/42/", scopes: ["read"], ttl: 300 });

    expect((await put(ns, "user/42/a", bearer(rw))).status).toBe(200);
    const got = await send(`/v1/${ns}/items/user/42/a`, { headers: bearer(ro) });
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("v");
    expect((await send(`/v1/${ns}/items/user/42/a`, { method: "HEAD", headers: bearer(ro) })).status).toBe(200);

    // Other namespace, other prefix, missing scope: all 403, none written.
    expect((await expectError(await put(other, "user/42/a", bearer(rw)), 403, "forbidden")).error.message).toMatch(/namespace/);
    expect((await expectError(await put(ns, "user/43/a", bearer(rw)), 403, "forbidden")).error.message).toMatch(/prefix/);
    await expectError(await put(ns, "user/42", bearer(rw)), 403, "forbidden");
    await expectError(await put(ns, "user/420/a", bearer(rw)), 403, "forbidden");
    expect((await expectError(await put(ns, "user/42/b", bearer(ro)), 403, "forbidden")).error.message).toMatch(/"write" scope/);
    await expectError(await send(`/v1/${ns}/items/user/42/a?op=incr&initial=1`, { method: "POST", headers: bearer(ro) }), 403, "forbidden");
    await expectError(await send(`/v1/${ns}/items/user/42/a`, { method: "DELETE", headers: bearer(ro) }), 403, "forbidden");
    await expectError(await send(`/v1/${ns}/items/user/43/a`, { headers: bearer(ro) }), 403, "forbidden");
    expect(await storedStatus(other, "user/42/a")).toBe(404);
    expect(await storedStatus(ns, "user/43/a")).toBe(404);
    expect(await storedStatus(ns, "user/42")).toBe(404);
    expect(await storedStatus(ns, "user/42/b")).toBe(404);
    expect(await storedStatus(ns, "user/42/a")).toBe(200);

    // "*" is every namespace.
    const all = await mint({ namespaces: ["*"], scopes: ["write"], ttl: 60 });
    expect((await put(other, "x", bearer(all))).status).toBe(200);
    await expectError(await send(`/v1/${other}/items/x`, { headers: bearer(all) }), 403, "forbidden");
  });

  it("check the prefix on the decoded key: no encoding escapes it", async () => {
    const ns = uniqueNamespace("esc");
    const token = await mint({ namespaces: [ns], prefix: "a/", scopes: ["read", "write"], ttl: 300 });
    const auth = bearer(token);
    // `..` hidden behind %2F is refused as a key before any access decision or storage call.
    for (const key of ["a%2F..%2Fb", "a%2F%2E%2E%2Fb", "a/..%2Fb", "a%2F..", "a/%2e%2e%2Fb"]) {
      await expectError(await put(ns, key, auth), 400, "bad_request");
    }
    // Plain and %2e%2e dot segments are resolved by the URL itself (`a/../b` is `b`): outside the prefix.
    for (const key of ["a/../b", "a/%2e%2e/b", "a/%2E%2E/b", "a/.%2e/b"]) {
      await expectError(await put(ns, key, auth), 403, "forbidden");
    }
    // Double encoding is decoded once: the key `a%2F..%2Fb` does not start with `a/`.
    await expectError(await put(ns, "a%252F..%252Fb", auth), 403, "forbidden");
    expect(await storedStatus(ns, "b")).toBe(404);
    expect(await storedStatus(ns, "a%252F..%252Fb")).toBe(404);
    // An encoded slash inside the prefix is the same key as a plain one.
    expect((await put(ns, "a%2Fc", auth)).status).toBe(200);
    expect(await storedStatus(ns, "a/c")).toBe(200);
    expect((await put(ns, "%61/d", auth)).status).toBe(200);
    expect(await storedStatus(ns, "a/d")).toBe(200);
  });
});

describe("forged, expired and malformed tokens", () => {
  it("are 401 and never echoed", async () => {
    const ns = uniqueNamespace("forge");
    const genuine = await mint({ namespaces: [ns], scopes: ["read", "write"], ttl: 300 });
    const [header, payload, signature] = genuine.split(".") as [string, string, string];
    const widened = base64url(JSON.stringify({ iss: "cloudcached", namespaces: ["*"], scopes: ["read", "write", "flush"], exp: now() + 300 }));
    const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    const forgeries: Record<string, string> = {
      "tampered payload": `${header}.${widened}.${signature}`,
      "tampered signature": `${header}.${payload}.${flipped}`,
      "alg none": `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${payload}.`,
      "alg none, signature kept": `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${payload}.${signature}`,
      "HS512 with the same secret": await signWithTestSecret({ iss: "cloudcached", namespaces: [ns], scopes: ["write"], exp: now() + 300 }, "HS512"),
      "expired": await signWithTestSecret({ iss: "cloudcached", namespaces: [ns], scopes: ["write"], exp: now() - 1 }),
      "no expiry": await signWithTestSecret({ iss: "cloudcached", namespaces: [ns], scopes: ["write"] }),
      "another issuer": await signWithTestSecret({ iss: "elsewhere", namespaces: [ns], scopes: ["write"], exp: now() + 300 }),
      "no audience (as minted before tokens named their deployment)": await signWithTestSecret({ aud: undefined, iss: "cloudcached", namespaces: [ns], scopes: ["write"], exp: now() + 300 }),
      "another deployment's audience": await signWithTestSecret({ aud: testAudience({ S3_PREFIX: "elsewhere/" }), iss: "cloudcached", namespaces: [ns], scopes: ["write"], exp: now() + 300 }),
      "admin token with a suffix": `${TEST_ADMIN_TOKEN}x`,
      "the token secret itself": TEST_TOKEN_SECRET,
      "garbage": "not-a-token",
    };
    for (const [name, token] of Object.entries(forgeries)) {
      const response = await put(ns, "k", bearer(token));
      const text = await response.clone().text();
      const error = await expectError(response, 401, "unauthorized").catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
      expect(text, name).not.toContain(token);
      if (name === "expired") expect(error.error.message).toBe("token expired");
    }
    expect(await storedStatus(ns, "k")).toBe(404);
    for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", `Token ${genuine}`]) {
      await expectError(await send(`/v1/${ns}/items/k`, { method: "PUT", headers: { authorization: header }, body: "v" }), 401, "unauthorized");
    }
    expect(await storedStatus(ns, "k")).toBe(404);
    // The genuine one still works.
    expect((await put(ns, "k", bearer(genuine))).status).toBe(200);
  });
});

describe("two deployments sharing TOKEN_SECRET (staging and production)", () => {
  it("each refuses the other's tokens", async () => {
    const ns = uniqueNamespace("aud");
    const staging = { S3_PREFIX: `${ns}-staging/` };
    const production = await mint({ namespaces: [ns], scopes: ["read", "write"], ttl: 300 });
    const mintedAtStaging = await send("/v1/tokens", { method: "POST", headers: { ...ADMIN, "content-type": "application/json" }, body: JSON.stringify({ namespaces: [ns], scopes: ["read", "write"], ttl: 300 }) }, staging);
    expect(mintedAtStaging.status).toBe(201);
    const stagingToken = ((await mintedAtStaging.json()) as { token: string }).token;

    expect((await send(`/v1/${ns}/items/k`, { method: "PUT", headers: { ...bearer(stagingToken), "content-length": "7" }, body: "staging" }, staging)).status).toBe(200);
    expect((await put(ns, "k", bearer(production), "production")).status).toBe(200);
    await expectError(await send(`/v1/${ns}/items/k`, { headers: bearer(production) }, staging), 401, "unauthorized");
    await expectError(await send(`/v1/${ns}/items/k`, { headers: bearer(stagingToken) }), 401, "unauthorized");
  });
});

describe("PUBLIC_READ_NAMESPACES", () => {
  it("may be read with no token; writes there still need one", async () => {
    const pub = uniqueNamespace("pub");
    const closed = uniqueNamespace("closed");
    const bindings = { PUBLIC_READ_NAMESPACES: `other, ${pub}` };
    expect((await put(pub, "k", ADMIN, "public")).status).toBe(200);
    expect((await put(closed, "k", ADMIN, "closed")).status).toBe(200);

    const got = await send(`/v1/${pub}/items/k`, {}, bindings);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("public");
    expect((await send(`/v1/${pub}/items/k`, { method: "HEAD" }, bindings)).status).toBe(200);
    await expectError(await send(`/v1/${pub}/items/nope`, {}, bindings), 404, "not_found");
    await expectError(await send(`/v1/${closed}/items/k`, {}, bindings), 401, "unauthorized");
    await expectError(await send(`/v1/${pub}/items/k`, {}), 401, "unauthorized");

    await expectError(await send(`/v1/${pub}/items/k`, { method: "PUT", body: "x" }, bindings), 401, "unauthorized");
    await expectError(await send(`/v1/${pub}/items/k?op=incr`, { method: "POST" }, bindings), 401, "unauthorized");
    await expectError(await send(`/v1/${pub}/items/k`, { method: "DELETE" }, bindings), 401, "unauthorized");
    // A token for other namespaces can still read the public one, but not write it.
    const elsewhere = await mint({ namespaces: [closed], scopes: ["read", "write"], ttl: 60 });
    expect((await send(`/v1/${pub}/items/k`, { headers: bearer(elsewhere) }, bindings)).status).toBe(200);
    await expectError(await send(`/v1/${pub}/items/k`, { method: "PUT", headers: bearer(elsewhere), body: "x" }, bindings), 403, "forbidden");
    // A bad token is refused even where none is needed.
    await expectError(await send(`/v1/${pub}/items/k`, { headers: bearer("forged") }, bindings), 401, "unauthorized");
    const still = await send(`/v1/${pub}/items/k`, { headers: { ...ADMIN, "cache-control": "no-cache" } });
    expect(await still.text()).toBe("public");
  });
});
