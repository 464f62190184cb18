import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { app } from "../src/http/app";
import { faultyStore } from "./binding-faults";
import { TEST_ADMIN_TOKEN } from "./constants";

export const ORIGIN = "http://cloudcached.test";
export const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** A request to the Worker under test, as the admin unless `headers` says otherwise. */
export function api(path: string, init: RequestInit & { anonymous?: boolean } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!init.anonymous && !headers.has("authorization")) headers.set("authorization", ADMIN.authorization);
  return SELF.fetch(`${ORIGIN}${path}`, { ...init, headers });
}

let counter = 0;
/** A namespace no other test uses, so the tests share no items and no cache entries. */
export function uniqueNamespace(label = "t"): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`.slice(0, 64);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs the app with other bindings (a broken store, a smaller limit), waiting for its background work.
 * Through the R2 binding, the Worker is given `STORE` behind the test's wrapper (test/binding-faults.ts),
 * which passes every call on unless a test injects a fault, so its calls are seen as `fetch()` is over S3.
 */
export async function withBindings(overrides: Partial<Record<keyof Env, unknown>>, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", ADMIN.authorization);
  // A request built in-process has no Content-Length until it is sent: add it as a client would.
  if (typeof init.body === "string") headers.set("content-length", String(new TextEncoder().encode(init.body).byteLength));
  else if (init.body instanceof Uint8Array) headers.set("content-length", String(init.body.byteLength));
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers }), { ...env, ...(faultyStore ? { STORE: faultyStore } : {}), ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/**
 * A request like `api`, answered once the Worker's background work for it (`waitUntil`: filling the
 * location cache, emptying an expired object) is done: the runtime's own wait, not a guessed sleep.
 */
export function apiSettled(path: string, init: RequestInit = {}): Promise<Response> {
  return withBindings({}, path, init);
}

export interface ErrorJson {
  error: { code: string; message: string };
}

export async function expectError(response: Response, status: number, code: string): Promise<ErrorJson> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status} ${code}, got ${response.status}: ${text}`);
  if (!response.headers.get("content-type")?.startsWith("application/json")) throw new Error(`error is not JSON: ${text}`);
  const body = JSON.parse(text) as ErrorJson;
  if (body.error?.code !== code) throw new Error(`expected code ${code}, got ${text}`);
  if (typeof body.error.message !== "string" || body.error.message === "") throw new Error(`no message: ${text}`);
  // Wherever they come from, a 401 names the scheme that would succeed and a 405 the methods allowed.
  if (status === 401 && response.headers.get("www-authenticate") !== "Bearer") throw new Error("a 401 without WWW-Authenticate: Bearer");
  if (status === 405 && !/^[A-Z]+(, [A-Z]+)*$/.test(response.headers.get("allow") ?? "")) throw new Error("a 405 without an Allow header");
  return body;
}
