import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { sign } from "hono/jwt";
import { expect } from "vitest";
import { app } from "../src/http/app";
import { configFor } from "../src/platform/config";
import { deploymentOf } from "../src/platform/deployment";
import { TEST_TOKEN_SECRET } from "./constants";
import { ADMIN, ORIGIN } from "./helpers";

export type Bindings = Partial<Env>;

/**
 * A request exactly as given (no Authorization added): through the deployed Worker, or, with
 * `bindings`, through the app with those settings changed.
 */
export async function send(path: string, init: RequestInit = {}, bindings?: Bindings): Promise<Response> {
  if (!bindings) return SELF.fetch(`${ORIGIN}${path}`, init);
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${ORIGIN}${path}`, init), { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface TokenBody {
  namespaces: string[];
  scopes: string[];
  prefix?: string;
  ttl?: number;
}

/** Mints a token through `POST /v1/tokens` as the admin, for the deployment these bindings make (tokens are bound to it). */
export async function mint(body: TokenBody, bindings?: Bindings): Promise<string> {
  const response = await send("/v1/tokens", { method: "POST", headers: { ...ADMIN, "content-type": "application/json" }, body: JSON.stringify(body) }, bindings);
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return (JSON.parse(text) as { token: string }).token;
}

/** The audience of the test Worker's tokens: its deployment's name (src/platform/deployment.ts). */
export function testAudience(bindings: Bindings = {}): string {
  return deploymentOf(configFor({ ...env, ...bindings }));
}

/** A token signed with the Worker's own secret but claims of the test's choosing (an expired one, say), for the test deployment unless `aud` is given. */
export function signWithTestSecret(claims: Record<string, unknown>, alg: "HS256" | "HS512" = "HS256"): Promise<string> {
  return sign({ aud: testAudience(), ...claims }, TEST_TOKEN_SECRET, alg);
}

export function base64url(text: string): string {
  return btoa(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** The item as the admin sees it in storage (never the location's cache): its status. */
export async function storedStatus(namespace: string, encodedKey: string): Promise<number> {
  const response = await send(`/v1/${namespace}/items/${encodedKey}`, { headers: { ...ADMIN, "cache-control": "no-cache" } });
  await response.body?.cancel();
  return response.status;
}
