import { describe, expect, it } from "vitest";
import { bearer, mint, send } from "./access-helpers";
import { ADMIN, expectError, uniqueNamespace } from "./helpers";

const APP = "https://app.example.com";
const bindings = { ALLOWED_ORIGINS: `${APP}, http://localhost:5173` };

function corsHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("access-control-")));
}

function expectReadableBy(response: Response, origin: string): void {
  expect(response.headers.get("access-control-allow-origin")).toBe(origin);
  expect(response.headers.get("access-control-expose-headers")).toBe("ETag,X-Expires-At,X-Cache,X-Lease,X-Lease-Token,Retry-After,X-Tags,X-Meta");
  expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
}

describe("CORS", () => {
  it("answers a preflight from an allowed origin with 204, no token needed", async () => {
    for (const path of [`/v1/${uniqueNamespace()}/items/a/b`, "/v1/tokens", "/healthz"]) {
      const response = await send(
        path,
        { method: "OPTIONS", headers: { origin: APP, "access-control-request-method": "PUT", "access-control-request-headers": "authorization, if-match, content-type" } },
        bindings,
      );
      expect(response.status, path).toBe(204);
      expect(await response.text()).toBe("");
      expect(corsHeaders(response)).toEqual({
        "access-control-allow-origin": APP,
        "access-control-allow-methods": "GET,HEAD,PUT,POST,DELETE,OPTIONS",
        "access-control-allow-headers": "Authorization,Content-Type,If-Match,If-None-Match,Cache-Control,X-Lease,X-Lease-Token,X-Refresh-Below,X-Tags,X-Meta",
        "access-control-expose-headers": "ETag,X-Expires-At,X-Cache,X-Lease,X-Lease-Token,Retry-After,X-Tags,X-Meta",
        "access-control-max-age": "600",
      });
    }
    const local = await send("/v1/x/items/k", { method: "OPTIONS", headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" } }, bindings);
    expect(local.status).toBe(204);
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });

  it("gives an origin not listed no CORS header at all", async () => {
    for (const origin of ["https://evil.example.com", "https://app.example.com.evil.net", "http://app.example.com", "null", "https://APP.example.com"]) {
      const preflight = await send("/v1/x/items/k", { method: "OPTIONS", headers: { origin, "access-control-request-method": "PUT" } }, bindings);
      expect(corsHeaders(preflight), origin).toEqual({});
      await expectError(preflight, 405, "method_not_allowed");
      const get = await send("/v1/x/items/k", { headers: { origin } }, bindings);
      expect(corsHeaders(get), origin).toEqual({});
      // Caches must still know the answer depends on Origin.
      expect(get.headers.get("vary")).toMatch(/\bOrigin\b/);
      await expectError(get, 401, "unauthorized");
    }
    // With ALLOWED_ORIGINS empty (the default), nobody gets CORS.
    const closed = await send("/v1/x/items/k", { method: "OPTIONS", headers: { origin: APP, "access-control-request-method": "GET" } });
    expect(corsHeaders(closed)).toEqual({});
  });

  it("puts its headers on successes and on every error, so a browser can read them", async () => {
    const ns = uniqueNamespace("cors");
    const headers = { origin: APP };
    const written = await send(`/v1/${ns}/items/k?ttl=60`, { method: "PUT", headers: { ...headers, ...ADMIN, "content-length": "1" }, body: "v" }, bindings);
    expect(written.status).toBe(200);
    expectReadableBy(written, APP);
    const read = await send(`/v1/${ns}/items/k`, { headers: { ...headers, ...ADMIN } }, bindings);
    expect(read.status).toBe(200);
    expectReadableBy(read, APP);
    expect(read.headers.get("etag")).toBeTruthy();
    expect(read.headers.get("x-expires-at")).toBeTruthy();
    await read.body?.cancel();
    const head = await send(`/v1/${ns}/items/k`, { method: "HEAD", headers: { ...headers, ...ADMIN } }, bindings);
    expectReadableBy(head, APP);

    const errors: [Response, number, string][] = [
      [await send(`/v1/${ns}/items/k`, { headers }, bindings), 401, "unauthorized"],
      [await send(`/v1/${ns}/items/k`, { headers: { ...headers, ...bearer("forged") } }, bindings), 401, "unauthorized"],
      [await send(`/v1/${ns}/items/nope`, { headers: { ...headers, ...ADMIN } }, bindings), 404, "not_found"],
      [await send("/nowhere", { headers }, bindings), 404, "no_such_route"],
      [await send(`/v1/${ns}/items/a%2F..%2Fb`, { headers: { ...headers, ...ADMIN } }, bindings), 400, "bad_request"],
      [await send(`/v1/${ns}/items/k`, { method: "PATCH", headers: { ...headers, ...ADMIN } }, bindings), 405, "method_not_allowed"],
      // A missing setting is still a readable 500.
      [await send(`/v1/${ns}/items/k`, { headers: { ...headers, ...ADMIN } }, { ...bindings, ADMIN_TOKEN: "" }), 500, "internal"],
    ];
    const token = await mint({ namespaces: ["elsewhere"], scopes: ["read"], ttl: 60 });
    errors.push([await send(`/v1/${ns}/items/k`, { headers: { ...headers, ...bearer(token) } }, bindings), 403, "forbidden"]);
    for (const [response, status, code] of errors) {
      expectReadableBy(response, APP);
      await expectError(response, status, code);
    }
  });

  it("refuses a malformed ALLOWED_ORIGINS with a 500 naming it", async () => {
    const response = await send("/v1/x/items/k", { headers: { ...ADMIN, origin: APP } }, { ALLOWED_ORIGINS: "*" });
    const error = await expectError(response, 500, "internal");
    expect(error.error.message).toContain("ALLOWED_ORIGINS");
  });
});
