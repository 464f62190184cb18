import type { Config } from "./config";
import { ERROR_STATUS } from "./errors";
import {
  batchRequestSchema,
  byParam,
  cursorParam,
  initialParam,
  keyParam,
  limitParam,
  namespaceParam,
  opParam,
  prefixParam,
  tokenRequestSchema,
  ttlParam,
  type JsonSchema,
  type ParamSpec,
} from "./schema";
import { DEFAULT_TOKEN_TTL } from "./tokens";

/**
 * GET /v1/openapi.json: the API as OpenAPI 3.1, built from src/schema.ts — the same objects the
 * validators read — and from this deployment's settings (ttl bounds, value size).
 */

type Operation = Record<string, unknown>;

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ "application/json": { schema } });

function errors(...codes: (keyof typeof ERROR_STATUS)[]): Record<string, unknown> {
  const byStatus: Record<string, string[]> = {};
  for (const code of ["unauthorized", "forbidden", "internal", "storage_error", "storage_unavailable", "storage_timeout", ...codes] as const) {
    const status = String(ERROR_STATUS[code]);
    (byStatus[status] ??= []).push(code);
  }
  return Object.fromEntries(
    Object.entries(byStatus).map(([status, list]) => [status, { description: [...new Set(list)].join(", "), content: json(ref("Error")) }]),
  );
}

const itemHeaders = {
  ETag: { description: "The item's version (strong ETag).", schema: { type: "string" } },
  "X-Expires-At": { description: "Unix seconds; absent when the item never expires.", schema: { type: "integer" } },
  "X-Cache": { description: "HIT, MISS or STALE.", schema: { type: "string", enum: ["HIT", "MISS", "STALE"] } },
};

export function buildOpenApi(config: Config): Record<string, unknown> {
  const ttl = ttlParam(config.defaultTtl, config.maxTtl);
  const param = (spec: ParamSpec) => ({ name: spec.name, in: spec.in, required: spec.required, description: spec.description, schema: spec.schema });
  const item = [param(namespaceParam), param(keyParam)];
  const ifNoneMatch = { name: "If-None-Match", in: "header", required: false, schema: { type: "string" } };
  const read: Operation = {
    summary: "Read an item",
    parameters: [...item, ifNoneMatch, { name: "Cache-Control", in: "header", required: false, description: "no-cache: answered from storage.", schema: { type: "string" } }],
    responses: {
      200: { description: "The value, byte for byte.", headers: itemHeaders, content: { "*/*": { schema: { type: "string", format: "binary" } } } },
      304: { description: "If-None-Match names the current ETag." },
      ...errors("bad_request", "not_found"),
    },
  };
  const paths: Record<string, Record<string, Operation>> = {
    "/healthz": {
      get: {
        summary: "Health: whether storage answers",
        security: [],
        responses: { 200: { description: "Storage answers.", content: json(ref("Health")) }, 503: { description: "Storage does not answer.", content: json(ref("Health")) } },
      },
    },
    "/v1/openapi.json": {
      get: { summary: "This document", security: [], responses: { 200: { description: "OpenAPI 3.1", content: json({ type: "object" }) } } },
    },
    "/v1/tokens": {
      post: {
        summary: "Mint a scoped token (admin only)",
        requestBody: { required: true, content: json(tokenRequestSchema(config.maxTokenTtl, DEFAULT_TOKEN_TTL)) },
        responses: { 201: { description: "The token.", content: json(ref("Token")) }, ...errors("bad_request") },
      },
    },
    "/v1/{ns}/items/{key}": {
      get: read,
      head: { ...read, summary: "Read an item's headers" },
      put: {
        summary: "Write an item: set; add with If-None-Match: *; replace with If-Match: *; cas with If-Match: \"<etag>\"",
        parameters: [
          ...item,
          param(ttl),
          { name: "If-None-Match", in: "header", required: false, schema: { type: "string", enum: ["*"] } },
          { name: "If-Match", in: "header", required: false, schema: { type: "string" } },
        ],
        requestBody: { required: true, content: { "*/*": { schema: { type: "string", format: "binary", maxLength: config.maxValueBytes } } } },
        responses: {
          200: { description: "Stored (set, replace, cas; a set does not say whether it created the item).", headers: itemHeaders, content: json(ref("Written")) },
          201: { description: "Created (add, If-None-Match: *).", headers: itemHeaders, content: json(ref("Written")) },
          ...errors("bad_request", "length_required", "precondition_failed", "value_too_large"),
        },
      },
      post: {
        summary: "touch, incr or decr",
        parameters: [...item, param(opParam), param(ttl), param(byParam), param(initialParam)],
        responses: {
          200: { description: "touch: {etag, expiresAt}; incr/decr: {value, etag}.", content: json({ oneOf: [ref("Written"), ref("Counter")] } as JsonSchema) },
          ...errors("bad_request", "not_found", "not_a_number", "out_of_range"),
        },
      },
      delete: {
        summary: "Delete an item (with If-Match: only that version)",
        parameters: [...item, { name: "If-Match", in: "header", required: false, schema: { type: "string" } }],
        responses: { 204: { description: "Gone, whether or not it existed." }, ...errors("bad_request", "precondition_failed") },
      },
    },
    "/v1/{ns}/batch": {
      post: {
        summary: "get, set and delete many keys at once",
        parameters: [param(namespaceParam)],
        requestBody: { required: true, content: json(batchRequestSchema) },
        responses: { 200: { description: "Per key: the result or that key's error.", content: json({ type: "object" }) }, ...errors("bad_request", "value_too_large") },
      },
    },
    "/v1/{ns}/flush": {
      post: { summary: "Drop every item of the namespace (O(1))", parameters: [param(namespaceParam)], responses: { 204: { description: "Flushed." }, ...errors("bad_request") } },
    },
    "/v1/{ns}/keys": {
      get: {
        summary: "List keys (from storage; an expired item may be listed until swept)",
        parameters: [param(namespaceParam), param(prefixParam), param(limitParam), param(cursorParam)],
        responses: { 200: { description: "A page of keys.", content: json(ref("KeyPage")) }, ...errors("bad_request") },
      },
    },
  };
  return {
    openapi: "3.1.0",
    info: { title: "CloudCached", version: "1", description: "A memcached-style cache over HTTP: a Cloudflare Worker over an S3-compatible bucket." },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN, or a token from POST /v1/tokens." } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: { code: { type: "string", enum: Object.keys(ERROR_STATUS) }, message: { type: "string" }, requestId: { type: "string" } },
            },
          },
        },
        Written: { type: "object", properties: { etag: { type: "string" }, expiresAt: { type: ["integer", "null"] } } },
        Counter: { type: "object", properties: { value: { type: "integer" }, etag: { type: "string" } } },
        Token: { type: "object", properties: { token: { type: "string" }, expiresAt: { type: "integer" } } },
        Health: { type: "object", properties: { ok: { type: "boolean" } } },
        KeyPage: {
          type: "object",
          properties: {
            keys: { type: "array", items: { type: "object", properties: { key: { type: "string" }, size: { type: "integer" }, lastModified: { type: "integer" } } } },
            cursor: { type: ["string", "null"] },
          },
        },
      },
    },
  };
}
