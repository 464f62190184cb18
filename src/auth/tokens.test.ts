import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import type { Config } from "../platform/config";
import { ApiError } from "../http/errors";
import {
  DEFAULT_TOKEN_TTL,
  grantFromClaims,
  grantOf,
  keyPrefixProblem,
  MAX_TOKEN_NAMESPACES,
  mintToken,
  parseTokenRequest,
  tokenSecret,
  verifyToken,
  verifyTokenOnce,
} from "./tokens";

const SECRET = "unit-test-secret-0123456789abcdefghij";
const AUDIENCE = "0123456789abcdef";
const KEY = { secret: SECRET, audience: AUDIENCE };
const OTHER_SECRET = { ...KEY, secret: `${SECRET}x` };
const MAX = 2_592_000;

function refused(fn: () => unknown, status: number, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(status);
    expect((err as ApiError).message).toMatch(pattern);
    return;
  }
  throw new Error("expected a refusal");
}

async function refusedAsync(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).status).toBe(401);
  expect((err as ApiError).message).toMatch(message);
}

describe("parseTokenRequest", () => {
  it("accepts API.md's example and keeps every field", () => {
    expect(parseTokenRequest({ namespaces: ["ns1"], prefix: "user/42/", scopes: ["read", "write", "flush"], ttl: 3600 }, MAX)).toEqual({
      namespaces: ["ns1"],
      prefix: "user/42/",
      scopes: ["read", "write", "flush"],
      ttl: 3600,
    });
  });

  it("defaults ttl to an hour, capped at MAX_TOKEN_TTL, and prefix to none", () => {
    expect(parseTokenRequest({ namespaces: ["*"], scopes: ["read"] }, MAX)).toEqual({ namespaces: "*", prefix: null, scopes: ["read"], ttl: DEFAULT_TOKEN_TTL });
    expect(parseTokenRequest({ namespaces: ["a"], scopes: ["read"] }, 60).ttl).toBe(60);
  });

  it("names the problem of every malformed body", () => {
    const ok = { namespaces: ["ns1"], scopes: ["read"] };
    refused(() => parseTokenRequest(null, MAX), 400, /JSON object/);
    refused(() => parseTokenRequest([ok], MAX), 400, /JSON object/);
    refused(() => parseTokenRequest({ ...ok, admin: true, extra: 1 }, MAX), 400, /unknown fields "admin", "extra"/);
    refused(() => parseTokenRequest({ scopes: ["read"] }, MAX), 400, /namespaces is required/);
    refused(() => parseTokenRequest({ namespaces: ["a"] }, MAX), 400, /scopes is required/);
    refused(() => parseTokenRequest({ ...ok, namespaces: [] }, MAX), 400, /non-empty array/);
    refused(() => parseTokenRequest({ ...ok, namespaces: "ns1" }, MAX), 400, /non-empty array/);
    refused(() => parseTokenRequest({ ...ok, namespaces: ["ok", "Bad!"] }, MAX), 400, /namespaces\[1\] is not a valid namespace/);
    refused(() => parseTokenRequest({ ...ok, namespaces: ["ok", 7] }, MAX), 400, /namespaces\[1\] must be a string/);
    refused(() => parseTokenRequest({ ...ok, namespaces: ["*", "a"] }, MAX), 400, /must be the only entry/);
    refused(() => parseTokenRequest({ ...ok, namespaces: ["a", "a"] }, MAX), 400, /namespaces\[1\] repeats "a"/);
    const many = Array.from({ length: MAX_TOKEN_NAMESPACES + 1 }, (_, i) => `n${i}`);
    refused(() => parseTokenRequest({ ...ok, namespaces: many }, MAX), 400, /at most 100/);
    refused(() => parseTokenRequest({ ...ok, scopes: [] }, MAX), 400, /scopes must be a non-empty array/);
    refused(() => parseTokenRequest({ ...ok, scopes: ["admin"] }, MAX), 400, /scopes\[0\] must be one of/);
    refused(() => parseTokenRequest({ ...ok, scopes: ["READ"] }, MAX), 400, /scopes\[0\] must be one of/);
    refused(() => parseTokenRequest({ ...ok, scopes: ["read", "read"] }, MAX), 400, /scopes\[1\] repeats/);
    refused(() => parseTokenRequest({ ...ok, prefix: 42 }, MAX), 400, /prefix must be a string/);
    refused(() => parseTokenRequest({ ...ok, prefix: "" }, MAX), 400, /prefix must not be empty/);
    refused(() => parseTokenRequest({ ...ok, prefix: "../" }, MAX), 400, /prefix must not contain '.' or '..'/);
    refused(() => parseTokenRequest({ ...ok, prefix: "/a" }, MAX), 400, /prefix must not start with '\/'/);
    refused(() => parseTokenRequest({ ...ok, ttl: 0 }, MAX), 400, /ttl must be a whole number/);
    refused(() => parseTokenRequest({ ...ok, ttl: 1.5 }, MAX), 400, /ttl must be a whole number/);
    refused(() => parseTokenRequest({ ...ok, ttl: "60" }, MAX), 400, /ttl must be a whole number/);
    refused(() => parseTokenRequest({ ...ok, ttl: MAX + 1 }, MAX), 400, /at most MAX_TOKEN_TTL \(2592000 seconds\)/);
  });
});

describe("keyPrefixProblem", () => {
  it("allows what a key may start with", () => {
    for (const prefix of ["a", "user/42/", "user/42", "a/.", "a/..x", "é/ü", "a b+c"]) expect(keyPrefixProblem(prefix)).toBeNull();
  });
  it("refuses what no valid key starts with", () => {
    for (const prefix of ["", "/", "a//", "./a", "a/../", "a/./b", "a\u0000", "a\u007f", "x".repeat(513), "\ud800"]) {
      expect(keyPrefixProblem(prefix), prefix.slice(0, 10)).not.toBeNull();
    }
  });
});

describe("tokens", () => {
  const request = { namespaces: ["ns1"], prefix: "user/42/", scopes: ["read" as const], ttl: 60 };

  it("round-trips a grant and expires it", async () => {
    const { token, expiresAt } = await mintToken(request, KEY, 1_000);
    expect(expiresAt).toBe(1_060);
    expect(await verifyToken(token, KEY, 1_059)).toEqual({ namespaces: ["ns1"], prefix: "user/42/", scopes: ["read"], expiresAt: 1_060 });
    await refusedAsync(verifyToken(token, KEY, 1_060), /^token expired$/);
  });

  it("a token verified once is remembered per isolate by its digest and secret, and still expires", async () => {
    const { token } = await mintToken(request, KEY, 1_000);
    const digest = "d".repeat(64);
    expect((await verifyTokenOnce(token, digest, KEY, 1_001)).namespaces).toEqual(["ns1"]);
    // Remembered: the grant is found by digest and secret (here a digest standing for another token
    // finds it too, which shows the signature is not checked again)…
    expect((await verifyTokenOnce("not even a token", digest, KEY, 1_002)).namespaces).toEqual(["ns1"]);
    // …never under another secret, and never past its expiry.
    await refusedAsync(verifyTokenOnce("not even a token", digest, OTHER_SECRET, 1_002), /^invalid token$/);
    await refusedAsync(verifyTokenOnce(token, digest, KEY, 1_060), /^token expired$/);
    // A refused token is not remembered.
    const other = "e".repeat(64);
    await refusedAsync(verifyTokenOnce(`${token}x`, other, KEY, 1_001), /^invalid token$/);
    await refusedAsync(verifyTokenOnce(token.slice(0, -3), other, KEY, 1_001), /^invalid token$/);
  });

  it("a recent token's grant is found again at once, only under its secret, and still expires", async () => {
    const { token } = await mintToken(request, KEY, 1_000);
    const first = await grantOf(token, KEY, 1_001);
    expect(first.namespaces).toEqual(["ns1"]);
    expect(await grantOf(token, KEY, 1_002)).toBe(first);
    await refusedAsync(grantOf(token, KEY, 1_060), /^token expired$/);
    await refusedAsync(grantOf(token, OTHER_SECRET, 1_002), /^invalid token$/);
    // Prefixes, extensions and repetitions of a remembered token are other tokens.
    for (const other of [token.slice(0, -1), `${token}x`, `${token}${token}`, `${token.slice(0, -10)}${token.at(-10) === "A" ? "B" : "A"}${token.slice(-9)}`]) {
      await refusedAsync(grantOf(other, KEY, 1_002), /^invalid token$/);
    }
    expect(await grantOf(token, KEY, 1_003)).toBe(first);
  });

  it("is bound to its deployment: another deployment with the same secret refuses it, and a token without an audience is refused", async () => {
    const { token } = await mintToken(request, KEY, 1_000);
    const [, payload] = token.split(".") as [string, string];
    expect(JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")))).toMatchObject({ iss: "cloudcached", aud: AUDIENCE });
    const staging = { ...KEY, audience: "fedcba9876543210" };
    await refusedAsync(verifyToken(token, staging, 1_001), /^invalid token$/);
    // Also once this isolate has verified it for its own deployment.
    expect((await grantOf(token, KEY, 1_001)).namespaces).toEqual(["ns1"]);
    await refusedAsync(grantOf(token, staging, 1_002), /^invalid token$/);
    await refusedAsync(verifyTokenOnce(token, "f".repeat(64), staging, 1_002), /^invalid token$/);
    const unbound = await sign({ iss: "cloudcached", namespaces: ["ns1"], scopes: ["read"], exp: 2_000 }, SECRET, "HS256");
    await refusedAsync(verifyToken(unbound, KEY, 1_001), /^invalid token$/);
  });

  it("refuses another key, a tampered payload, another algorithm and alg none, never echoing the token", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { token } = await mintToken(request, KEY, now);
    await refusedAsync(verifyToken(token, OTHER_SECRET, now), /^invalid token$/);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const forged = btoa(JSON.stringify({ iss: "cloudcached", aud: AUDIENCE, namespaces: ["*"], scopes: ["read", "write", "flush"], exp: now + 60 }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    await refusedAsync(verifyToken(`${header}.${forged}.${signature}`, KEY, now), /^invalid token$/);
    await refusedAsync(verifyToken(`${header}.${payload}.${signature.slice(0, -2)}AA`, KEY, now), /^invalid token$/);
    const none = btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "");
    await refusedAsync(verifyToken(`${none}.${payload}.`, KEY, now), /^invalid token$/);
    const hs512 = await sign({ iss: "cloudcached", aud: AUDIENCE, namespaces: ["ns1"], scopes: ["read"], exp: now + 60 }, SECRET, "HS512");
    await refusedAsync(verifyToken(hs512, KEY, now), /^invalid token$/);
    for (const junk of ["", "a.b", "a.b.c", "....", "x".repeat(20_000)]) await refusedAsync(verifyToken(junk, KEY, now), /^invalid token$/);
  });

  it("refuses a well-signed JWT of any other shape", async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: "cloudcached", aud: AUDIENCE, namespaces: ["ns1"], scopes: ["read"], exp: now + 60 };
    for (const claims of [
      { ...base, iss: "someone-else" },
      { ...base, exp: undefined },
      { ...base, exp: "soon" },
      { ...base, scopes: ["root"] },
      { ...base, namespaces: "ns1" },
      { ...base, prefix: "../" },
      { ...base, admin: true },
      { ...base, aud: undefined },
      { ...base, aud: "fedcba9876543210" },
      { ...base, aud: [AUDIENCE] },
    ]) {
      const token = await sign(claims as unknown as Parameters<typeof sign>[0], SECRET, "HS256");
      await refusedAsync(verifyToken(token, KEY, now), /^invalid token$/);
    }
    expect(() => grantFromClaims({ ...base }, AUDIENCE)).not.toThrow();
  });

  it("refuses a well-signed token whose payload is not a JSON object", async () => {
    const now = Math.floor(Date.now() / 1000);
    const encode = (text: string) => btoa(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const signed = async (payload: string) => {
      const unsigned = `${encode(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${encode(payload)}`;
      const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(unsigned)));
      return `${unsigned}.${encode(String.fromCharCode(...signature))}`;
    };
    // The hand-signed control is accepted, so the refusals below are about the payload alone.
    const control = await signed(JSON.stringify({ iss: "cloudcached", aud: AUDIENCE, namespaces: ["a"], scopes: ["read"], exp: now + 60 }));
    expect((await verifyToken(control, KEY, now)).namespaces).toEqual(["a"]);
    for (const payload of ["null", '"text"', "[1,2]", "5", "true", "{", ""]) {
      await refusedAsync(verifyToken(await signed(payload), KEY, now), /^invalid token$/);
    }
  });

  it("requires TOKEN_SECRET, naming it and never its value", () => {
    const config = { tokenSecret: undefined } as Config;
    refused(() => tokenSecret(config), 500, /the setting TOKEN_SECRET is missing/);
    refused(() => tokenSecret({ tokenSecret: "short-secret" } as Config), 500, /^server misconfigured: the setting TOKEN_SECRET must be at least 32 characters$/);
    expect(tokenSecret({ tokenSecret: SECRET } as Config)).toBe(SECRET);
  });
});
