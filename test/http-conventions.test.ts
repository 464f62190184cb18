// What a generic HTTP client expects beyond API.md's items: an index at / and /v1, `Allow` on every
// 405, `WWW-Authenticate` on every 401, and `no_such_route` (never `not_found`) for a path outside the API.
import { describe, expect, it } from "vitest";
import packageJson from "../package.json";
import { api, expectError, uniqueNamespace } from "./helpers";
import { throughBinding } from "./store";

interface Index {
  name: string;
  version: string;
  links: { api: string; openapi: string; health: string };
  limits: { subrequestsPerRequest: number; batchKeys: number; batchLeaseKeys: number };
}

describe("GET / and GET /v1", () => {
  it("answer a small JSON index pointing at the OpenAPI document, without a token", async () => {
    for (const path of ["/", "/v1"]) {
      const response = await api(path, { anonymous: true });
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const index = await response.json<Index>();
      expect(index).toMatchObject({ name: "CloudCached", version: packageJson.version, links: { api: "/v1", openapi: "/v1/openapi.json", health: "/healthz" } });
      // The batch size that fits this deployment's SUBREQUEST_LIMIT (1000 in this suite): what clients split by.
      // Lease gets: 99 over the S3 API (each plans storage calls too), 100 through the binding.
      expect(index.limits).toEqual({ subrequestsPerRequest: 1000, batchKeys: 100, batchLeaseKeys: throughBinding ? 100 : 99 });
      // The links lead somewhere.
      expect((await api(index.links.openapi, { anonymous: true })).status).toBe(200);
      const head = await api(path, { method: "HEAD", anonymous: true });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
    }
    // A token that is not valid does not stand between a client and the index.
    expect((await api("/v1", { headers: { authorization: "Bearer nonsense" } })).status).toBe(200);
  });
});

describe("405", () => {
  it("names the allowed methods in Allow, on every route", async () => {
    const ns = uniqueNamespace();
    const cases: [string, string, string][] = [
      ["/", "POST", "GET, HEAD"],
      ["/v1", "DELETE", "GET, HEAD"],
      ["/healthz", "POST", "GET, HEAD"],
      ["/v1/openapi.json", "PUT", "GET, HEAD"],
      ["/v1/tokens", "GET", "POST"],
      [`/v1/${ns}/items/k`, "PATCH", "GET, HEAD, PUT, POST, DELETE"],
      [`/v1/${ns}/batch`, "GET", "POST"],
      [`/v1/${ns}/flush`, "GET", "POST"],
      [`/v1/${ns}/keys`, "POST", "GET, HEAD"],
    ];
    for (const [path, method, allowed] of cases) {
      const response = await api(path, { method });
      expect(response.headers.get("allow"), `${method} ${path}`).toBe(allowed);
      const body = await expectError(response, 405, "method_not_allowed");
      expect(body.error.message).toBe(`allowed: ${allowed}`);
    }
  });
});

describe("401", () => {
  it("carries WWW-Authenticate: Bearer, with no token, a wrong one, or a scoped token where the admin's is needed", async () => {
    const ns = uniqueNamespace();
    const answers = [
      await api(`/v1/${ns}/items/k`, { anonymous: true }),
      await api(`/v1/${ns}/items/k`, { headers: { authorization: "Bearer wrong" } }),
      await api(`/v1/${ns}/items/k`, { headers: { authorization: "Basic dXNlcjpwYXNz" } }),
      await api("/v1/tokens", { method: "POST", anonymous: true, body: "{}" }),
      await api(`/v1/${ns}/batch`, { method: "POST", anonymous: true, body: JSON.stringify({ get: ["a"] }) }),
      await api(`/v1/${ns}/keys`, { anonymous: true }),
      await api(`/v1/${ns}/flush`, { method: "POST", anonymous: true }),
    ];
    for (const response of answers) {
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      await expectError(response, 401, "unauthorized");
    }
    // Other errors do not.
    expect((await api(`/v1/${ns}/items/absent`)).headers.get("www-authenticate")).toBeNull();
  });
});

describe("a path outside the API", () => {
  it("is 404 no_such_route, while an absent item stays not_found", async () => {
    const ns = uniqueNamespace();
    for (const path of ["/nowhere", "/v1/nothing", `/v1/${ns}/nothing`, `/v1/v1/${ns}/items/k`, "/v2/default/items/k", "/v1/"]) {
      await expectError(await api(path), 404, "no_such_route");
    }
    await expectError(await api(`/v1/${ns}/items/absent`), 404, "not_found");
  });
});
