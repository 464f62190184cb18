import { describe, expect, it } from "vitest";
import { app } from "../src/http/app";
import { api, expectError, uniqueNamespace } from "./helpers";

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: Record<string, unknown> }[]; requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>>;
}

async function fetchDoc(): Promise<OpenApiDoc> {
  const response = await api("/v1/openapi.json", { anonymous: true });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  return response.json<OpenApiDoc>();
}

/** Hono's route list as OpenAPI paths: `/v1/:ns/items/*` → `/v1/{ns}/items/{key}`, `/v1/:ns/tags/*` → `/v1/{ns}/tags/{tag}`; catch-alls (405s, middleware) left out. */
function servedRoutes(): Set<string> {
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue;
    const path = route.path.replace(/:([a-z]+)/g, "{$1}").replace(/\/tags\/\*$/, "/tags/{tag}").replace(/\/\*$/, "/{key}");
    routes.add(`${route.method.toLowerCase()} ${path}`);
    // Hono answers HEAD with the GET handler.
    if (route.method === "GET") routes.add(`head ${path}`);
  }
  return routes;
}

describe("GET /v1/openapi.json", () => {
  it("is OpenAPI 3.1, served without a token", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe("3.1.0");
  });

  it("describes exactly the routes the Worker serves", async () => {
    const doc = await fetchDoc();
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) documented.add(`${method} ${path}`);
    }
    const served = servedRoutes();
    // HEAD on /healthz, keys and openapi.json is served by Hono's GET handling; documenting HEAD for items is enough.
    const undocumented = [...served].filter((route) => !documented.has(route) && !route.startsWith("head "));
    const unserved = [...documented].filter((route) => !served.has(route));
    expect(undocumented).toEqual([]);
    expect(unserved).toEqual([]);
  });

  it("states the deployment's own bounds, the same the validators enforce", async () => {
    const doc = await fetchDoc();
    const put = doc.paths["/v1/{ns}/items/{key}"]?.put;
    const ttl = put?.parameters?.find((p) => p.name === "ttl");
    expect(ttl?.schema).toMatchObject({ minimum: 0, maximum: 31536000, default: 3600 });
    const ns = uniqueNamespace();
    // The bound it states is the one a request meets.
    await expectError(await api(`/v1/${ns}/items/k?ttl=${Number(ttl?.schema.maximum) + 1}`, { method: "PUT", body: "x" }), 400, "bad_request");
    expect((await api(`/v1/${ns}/items/k?ttl=${Number(ttl?.schema.maximum)}`, { method: "PUT", body: "x" })).status).toBe(200);
    const limit = doc.paths["/v1/{ns}/keys"]?.get?.parameters?.find((p) => p.name === "limit");
    await expectError(await api(`/v1/${ns}/keys?limit=${Number(limit?.schema.maximum) + 1}`), 400, "bad_request");
    expect((await api(`/v1/${ns}/keys?limit=${Number(limit?.schema.maximum)}`)).status).toBe(200);
    const op = doc.paths["/v1/{ns}/items/{key}"]?.post?.parameters?.find((p) => p.name === "op");
    expect(op?.schema.enum).toEqual(["touch", "expire", "incr", "decr", "release"]);
    const grace = put?.parameters?.find((p) => p.name === "grace");
    expect(grace?.schema).toMatchObject({ minimum: 0, maximum: 31536000, default: 0 });
    await expectError(await api(`/v1/${ns}/items/k?grace=${Number(grace?.schema.maximum) + 1}`, { method: "PUT", body: "x" }), 400, "bad_request");
    expect((await api(`/v1/${ns}/items/k?grace=${Number(grace?.schema.maximum)}`, { method: "PUT", body: "x" })).status).toBe(200);
  });

  it("names the lease headers a read, a write and a delete accept, with the bounds a request meets", async () => {
    const doc = await fetchDoc();
    const item = doc.paths["/v1/{ns}/items/{key}"];
    const lease = item?.get?.parameters?.find((p) => p.name === "X-Lease");
    expect(lease?.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 300 });
    expect(item?.get?.parameters?.map((p) => p.name)).toContain("X-Refresh-Below");
    expect(item?.put?.parameters?.map((p) => p.name)).toContain("X-Lease-Token");
    expect(item?.delete?.parameters?.map((p) => p.name)).toContain("X-Lease-Token");
    const ns = uniqueNamespace();
    await expectError(await api(`/v1/${ns}/items/k`, { headers: { "x-lease": String(Number(lease?.schema.maximum) + 1) } }), 400, "bad_request");
    const atMost = await api(`/v1/${ns}/items/k`, { headers: { "x-lease": String(Number(lease?.schema.maximum)) } });
    expect(atMost.status).toBe(404);
    expect(atMost.headers.get("x-lease")).toBe("won");
    await atMost.arrayBuffer();
  });

  it("names the body fields the validators accept, and a field it does not name is refused", async () => {
    const doc = await fetchDoc();
    const batchFields = Object.keys(doc.paths["/v1/{ns}/batch"]?.post?.requestBody?.content["application/json"]?.schema.properties ?? {});
    expect(batchFields.sort()).toEqual(["delete", "get", "set"]);
    const tokenFields = Object.keys(doc.paths["/v1/tokens"]?.post?.requestBody?.content["application/json"]?.schema.properties ?? {});
    expect(tokenFields.sort()).toEqual(["namespaces", "prefix", "scopes", "ttl"]);
    const ns = uniqueNamespace();
    await expectError(await api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: ["a"], extra: 1 }) }), 400, "bad_request");
    await expectError(await api("/v1/tokens", { method: "POST", body: JSON.stringify({ namespaces: [ns], scopes: ["read"], extra: 1 }) }), 400, "bad_request");
  });

  it("names every operation (operationId) and shows an example for its JSON bodies and path parameters", async () => {
    type Operation = {
      operationId?: string;
      parameters?: { in: string; name: string; example?: unknown }[];
      requestBody?: { content: Record<string, { example?: unknown }> };
      responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
    };
    const doc = (await fetchDoc()) as unknown as { paths: Record<string, Record<string, Operation>> };
    const names: Record<string, string> = {};
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method} ${path}`;
        expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        names[where] = operation.operationId as string;
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in === "path") expect(parameter.example, `${where} ${parameter.name}`).toBeDefined();
        }
        // (This document's own answer is the one JSON body without an example.)
        if (path === "/v1/openapi.json") continue;
        for (const content of [operation.requestBody?.content, ...Object.values(operation.responses).map((r) => r.content)]) {
          const body = content?.["application/json"];
          if (body) expect(body.example, `${where}: an example of its JSON`).toBeDefined();
        }
      }
    }
    expect(new Set(Object.values(names)).size).toBe(Object.keys(names).length);
    expect(names).toMatchObject({
      "get /": "getIndex",
      "get /v1": "getApiIndex",
      "get /healthz": "getHealth",
      "post /v1/tokens": "createToken",
      "get /v1/{ns}/items/{key}": "getItem",
      "head /v1/{ns}/items/{key}": "getItemHeaders",
      "put /v1/{ns}/items/{key}": "setItem",
      "post /v1/{ns}/items/{key}": "updateItem",
      "delete /v1/{ns}/items/{key}": "deleteItem",
      "post /v1/{ns}/batch": "runBatch",
      "post /v1/{ns}/flush": "flushNamespace",
      "get /v1/{ns}/keys": "listKeys",
      "get /v1/{ns}/stats": "getStats",
    });
  });

  it("shows an index example equal to what GET / answers", async () => {
    const doc = (await fetchDoc()) as unknown as { paths: Record<string, { get: { responses: { 200: { content: { "application/json": { example: unknown } } } } } }> };
    const example = doc.paths["/"]?.get.responses[200].content["application/json"].example;
    expect(example).toEqual(await (await api("/", { anonymous: true })).json());
  });
});
