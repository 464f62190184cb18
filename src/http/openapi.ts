import type { Config } from "../platform/config";
import { ERROR_STATUS } from "./errors";
import {
  batchRequestSchema,
  byParam,
  cursorParam,
  graceParam,
  initialParam,
  keyParam,
  leaseHeader,
  leaseTokenHeader,
  limitParam,
  namespaceParam,
  opParam,
  tagOpParam,
  tagParam,
  prefixParam,
  refreshBelowHeader,
  tokenRequestSchema,
  ttlParam,
  windowParam,
  type JsonSchema,
  type ParamSpec,
} from "./schema";
import { buildIndex } from "./service-index";
import { MAX_META_BYTES, MAX_TAG_BYTES, MAX_TAGS } from "../items/labels";
import { DEFAULT_TOKEN_TTL } from "../auth/tokens";
import { STATS_WINDOWS } from "../stats/windows";

/**
 * GET /v1/openapi.json: the API as OpenAPI 3.1, built from src/http/schema.ts — the same objects the
 * validators read — and from this deployment's settings (ttl bounds, value size).
 */

type Operation = Record<string, unknown>;

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
/** A JSON body; `example` is what a generated client's documentation shows for it. */
const json = (schema: JsonSchema, example?: unknown) => ({ "application/json": { schema, ...(example === undefined ? {} : { example }) } });

const ETAG_EXAMPLE = '"9a0364b9e99bb480dd25e1f0284c8555"';
const EXPIRES_AT_EXAMPLE = 1767225600;
const writtenExample = { etag: ETAG_EXAMPLE, expiresAt: EXPIRES_AT_EXAMPLE };
const STATS_EXAMPLE = {
  namespace: "app",
  window: "1h",
  scope: "deployment",
  reads: 1200,
  hits: 1088,
  misses: 80,
  notFound: 20,
  hitRatio: 0.907,
  stale: { grace: 12, error: 0 },
  leases: { won: 9, busy: 40 },
  writes: 90,
  deletes: 4,
  errors: { storage_timeout: 1 },
  storageCallsPerRead: 0.08,
  ms: { p50: 3.1, p99: 41.0 },
};

/** One of the console's static answers: public, like the index; 404 no_such_route when CONSOLE=off. */
function consolePage(operationId: string, summary: string, type: string): Operation {
  return { operationId, summary, security: [], responses: { 200: { description: summary, content: { [type]: { schema: { type: "string" } } } }, 404: { description: "CONSOLE=off: no_such_route.", content: json(ref("Error"), { error: { code: "no_such_route", message: "no such route: the console is off (CONSOLE=off)" } }) } } };
}

/** Error answers with headers of their own on one status. */
function withHeaders(responses: Record<string, unknown>, status: string, headers: Record<string, unknown>): Record<string, unknown> {
  return { ...responses, [status]: { ...(responses[status] as Record<string, unknown>), headers } };
}

function errors(...codes: (keyof typeof ERROR_STATUS)[]): Record<string, unknown> {
  const byStatus: Record<string, string[]> = {};
  for (const code of ["unauthorized", "forbidden", "internal", "storage_error", "storage_unavailable", "storage_timeout", ...codes] as const) {
    const status = String(ERROR_STATUS[code]);
    byStatus[status] = [...(byStatus[status] ?? []), code];
  }
  return Object.fromEntries(
    Object.entries(byStatus).map(([status, list]) => {
      const [first = "internal", ...rest] = [...new Set(list)];
      const example = { error: { code: first, message: "…", requestId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427" } };
      return [status, { description: [first, ...rest].join(", "), content: json(ref("Error"), example) }];
    }),
  );
}

const itemHeaders = {
  ETag: { description: "The item's version (strong ETag).", schema: { type: "string" } },
  "X-Expires-At": { description: "Unix seconds; absent when the item never expires.", schema: { type: "integer" } },
  "X-Cache": {
    description: "HIT (this location's copy), MISS (storage was asked) or STALE: with a past X-Expires-At, an expired item within its grace (asked for with max-stale); with a future one, storage failed and a live copy stood in.",
    schema: { type: "string", enum: ["HIT", "MISS", "STALE"] },
  },
  "X-Tags": { description: "The item's tags, comma-separated; absent when it has none.", schema: { type: "string" } },
  "X-Meta": { description: "The item's metadata (a JSON object) exactly as written; absent when it has none.", schema: { type: "string" } },
};

/** What a read that asked for a lease (X-Lease) is told of it, on its 200, 304 or 404. */
const leaseAnswerHeaders = {
  "X-Lease": { description: "Only when X-Lease was sent and a lease was asked: won (compute and write the value, with X-Lease-Token) or busy.", schema: { type: "string", enum: ["won", "busy"] } },
  "X-Lease-Token": { description: "With X-Lease: won: the token that releases the lease when sent with the PUT (or DELETE) of the value.", schema: { type: "string" } },
  "Retry-After": { description: "With X-Lease: busy: whole seconds until the lease lapses (may be 0).", schema: { type: "integer", minimum: 0 } },
  "X-Lease-Retry-Ms": { description: "With X-Lease: busy: the same, in milliseconds.", schema: { type: "integer", minimum: 0 } },
};

/** X-Tags and X-Meta on a write (src/items/labels.ts). */
const labelHeaders = [
  {
    name: "X-Tags",
    in: "header",
    required: false,
    description: `At most ${MAX_TAGS} tags, comma-separated, each 1–${MAX_TAG_BYTES} bytes of printable ASCII other than ',' and space: POST /v1/{ns}/tags/{tag} invalidates every item written with one.`,
    schema: { type: "string" },
    example: "product-42, prices",
  },
  {
    name: "X-Meta",
    in: "header",
    required: false,
    description: `A JSON object of at most ${MAX_META_BYTES} bytes of ASCII (other characters \\u-escaped), kept beside the value and answered unchanged. With X-Tags, it must fit S3's 2 KB of metadata.`,
    schema: { type: "string" },
    example: '{"source":"pricing"}',
  },
];

export function buildOpenApi(config: Config): Record<string, unknown> {
  const ttl = ttlParam(config.defaultTtl, config.maxTtl);
  const param = (spec: ParamSpec) => ({
    name: spec.name,
    in: spec.in,
    required: spec.required,
    description: spec.description,
    schema: spec.schema,
    ...(spec.example === undefined ? {} : { example: spec.example }),
  });
  const item = [param(namespaceParam), param(keyParam)];
  const ifNoneMatch = { name: "If-None-Match", in: "header", required: false, schema: { type: "string" } };
  const read: Operation = {
    operationId: "getItem",
    summary: "Read an item",
    parameters: [
      ...item,
      ifNoneMatch,
      {
        name: "Cache-Control",
        in: "header",
        required: false,
        description:
          "no-cache: answered from storage. max-stale (any staleness within the item's grace) or max-stale=N (at most N seconds past expiry): an expired item within its grace is answered STALE, and this location's copy is taken up to N seconds past its freshness (refreshed in the background).",
        schema: { type: "string" },
        example: "max-stale=30",
      },
      param(leaseHeader),
      param(refreshBelowHeader),
    ],
    responses: {
      200: { description: "The value, byte for byte.", headers: { ...itemHeaders, ...leaseAnswerHeaders }, content: { "*/*": { schema: { type: "string", format: "binary" } } } },
      304: { description: "If-None-Match names the current ETag.", headers: leaseAnswerHeaders },
      ...withHeaders(errors("bad_request", "not_found"), "404", leaseAnswerHeaders),
    },
  };
  const index = (operationId: string): Operation => ({
    operationId,
    summary: "What this service is, and links to this document",
    security: [],
    responses: { 200: { description: "The index.", content: json(ref("Index"), buildIndex(config)) } },
  });
  const paths: Record<string, Record<string, Operation>> = {
    "/": { get: index("getIndex") },
    "/v1": { get: index("getApiIndex") },
    "/healthz": {
      get: {
        operationId: "getHealth",
        summary: "Health: whether storage answers",
        security: [],
        responses: {
          200: { description: "Storage answers.", content: json(ref("Health"), { ok: true }) },
          503: {
            description: "Storage does not answer.",
            content: json(ref("Health"), { ok: false, error: { code: "storage_unavailable", message: "storage did not answer" } }),
          },
        },
      },
    },
    "/v1/openapi.json": {
      get: { operationId: "getOpenApi", summary: "This document", security: [], responses: { 200: { description: "OpenAPI 3.1", content: json({ type: "object" }) } } },
    },
    "/v1/tokens": {
      post: {
        operationId: "createToken",
        summary: "Mint a scoped token (admin only)",
        requestBody: {
          required: true,
          content: json(tokenRequestSchema(config.maxTokenTtl, DEFAULT_TOKEN_TTL), { namespaces: ["default"], scopes: ["read"], prefix: "public/", ttl: 3600 }),
        },
        responses: {
          201: { description: "The token.", content: json(ref("Token"), { token: "eyJhbGciOiJIUzI1NiJ9.eyJucyI6WyJkZWZhdWx0Il19.c2lnbmF0dXJl", expiresAt: EXPIRES_AT_EXAMPLE }) },
          ...errors("bad_request"),
        },
      },
    },
    "/v1/token": {
      get: {
        operationId: "getToken",
        summary: "What this request's token may do: its namespaces, scopes, key prefix and expiry",
        responses: {
          200: { description: "The token's grant.", content: json(ref("Capabilities"), { admin: false, namespaces: ["default"], scopes: ["read", "write"], prefix: null, expiresAt: EXPIRES_AT_EXAMPLE }) },
          ...errors(),
        },
      },
    },
    "/v1/namespaces": {
      get: {
        operationId: "listNamespaces",
        summary: "The namespaces the token may see: a scoped token's own; for the admin token or a token for every namespace, those with objects in storage, a page at a time",
        parameters: [{ name: "after", in: "query", required: false, description: "The cursor of the page before: list the namespaces after this one.", schema: { type: "string" } }],
        responses: {
          200: { description: "A page of namespaces, in order.", content: json(ref("NamespacePage"), { namespaces: ["app", "default"], cursor: null }) },
          ...errors("bad_request"),
        },
      },
    },
    "/v1/{ns}/items/{key}": {
      get: read,
      head: { ...read, operationId: "getItemHeaders", summary: "Read an item's headers" },
      put: {
        operationId: "setItem",
        summary: "Write an item: set; add with If-None-Match: *; replace with If-Match: *; cas with If-Match: \"<etag>\"",
        parameters: [
          ...item,
          param(ttl),
          param(graceParam(config.maxTtl)),
          { name: "If-None-Match", in: "header", required: false, schema: { type: "string", enum: ["*"] } },
          { name: "If-Match", in: "header", required: false, schema: { type: "string" } },
          param(leaseTokenHeader),
          ...labelHeaders,
        ],
        requestBody: { required: true, content: { "*/*": { schema: { type: "string", format: "binary", maxLength: config.maxValueBytes } } } },
        responses: {
          200: { description: "Stored (set, replace, cas; a set does not say whether it created the item).", headers: itemHeaders, content: json(ref("Written"), writtenExample) },
          201: { description: "Created (add, If-None-Match: *).", headers: itemHeaders, content: json(ref("Written"), writtenExample) },
          ...errors("bad_request", "length_required", "precondition_failed", "value_too_large"),
        },
      },
      post: {
        operationId: "updateItem",
        summary: "touch, expire (soft expiry: stale from now, for the item's grace), incr, decr, or release (a lease, without writing)",
        parameters: [...item, param(opParam), param(ttl), param(byParam), param(initialParam), param(leaseTokenHeader)],
        responses: {
          200: {
            description: "touch, expire: {etag, expiresAt}; incr/decr: {value, etag}.",
            content: json({ oneOf: [ref("Written"), ref("Counter")] } as JsonSchema, { value: 43, etag: ETAG_EXAMPLE }),
          },
          204: { description: "release: the lease is released; the item is untouched." },
          ...errors("bad_request", "not_found", "precondition_failed", "not_a_number", "out_of_range"),
        },
      },
      delete: {
        operationId: "deleteItem",
        summary: "Delete an item (with If-Match: only that version)",
        parameters: [...item, { name: "If-Match", in: "header", required: false, schema: { type: "string" } }, param(leaseTokenHeader)],
        responses: { 204: { description: "Gone, whether or not it existed." }, ...errors("bad_request", "precondition_failed") },
      },
    },
    "/v1/{ns}/batch": {
      post: {
        operationId: "runBatch",
        summary: "get, set and delete many keys at once",
        parameters: [param(namespaceParam)],
        requestBody: {
          required: true,
          content: json(batchRequestSchema, { set: [{ key: "greeting", value: "hello", ttl: 60, grace: 300 }], delete: ["old"], get: ["greeting", "missing", { key: "report", maxStale: 30, lease: 30 }] }),
        },
        responses: {
          200: {
            description:
              "Per key: the result or that key's error. With get entries asking for a lease, `leases` tells each lease asked: " +
              '{"lease": "won", "token"} or {"lease": "busy", "retryAfterMs"} (absent for a live item that asked none).',
            content: json(
              { type: "object" },
              {
                set: { greeting: writtenExample },
                delete: { old: {} },
                get: {
                  greeting: { value: "hello", encoding: "utf8", contentType: "text/plain", ...writtenExample },
                  missing: null,
                  report: { value: "42 rows", encoding: "utf8", contentType: "text/plain", etag: ETAG_EXAMPLE, expiresAt: EXPIRES_AT_EXAMPLE - 10, stale: true },
                },
                leases: { report: { lease: "won", token: "f3Jd0y9Qm1cXb6kTz2Lw8nAe" } },
              },
            ),
          },
          ...errors("bad_request", "value_too_large"),
        },
      },
    },
    "/v1/{ns}/tags/{tag}": {
      post: {
        operationId: "invalidateTag",
        summary: "Expire (soft) or delete every item written with the tag before this call (O(1); scope flush, no key-prefix token)",
        parameters: [param(namespaceParam), param(tagParam), param(tagOpParam)],
        responses: { 204: { description: "Invalidated." }, ...errors("bad_request") },
      },
    },
    "/v1/{ns}/flush": {
      post: { operationId: "flushNamespace", summary: "Drop every item of the namespace (O(1))", parameters: [param(namespaceParam)], responses: { 204: { description: "Flushed." }, ...errors("bad_request") } },
    },
    "/v1/{ns}/keys": {
      get: {
        operationId: "listKeys",
        summary: "List keys (from storage; an expired item may be listed until swept)",
        parameters: [param(namespaceParam), param(prefixParam), param(limitParam), param(cursorParam)],
        responses: {
          200: {
            description: "A page of keys.",
            content: json(ref("KeyPage"), { keys: [{ key: "greeting", size: 5, lastModified: 1767222000 }], cursor: null }),
          },
          ...errors("bad_request"),
        },
      },
    },
    "/console": { get: consolePage("getConsole", "The browser console (unless CONSOLE=off)", "text/html") },
    "/console/console.js": { get: consolePage("getConsoleScript", "The console's script", "text/javascript") },
    "/console/console.css": { get: consolePage("getConsoleStyle", "The console's style", "text/css") },
    "/v1/{ns}/stats": {
      get: {
        operationId: "getStats",
        summary: "The namespace's hit ratio and traffic over a window: the whole deployment's (scope deployment, Analytics Engine) or this instance's (scope instance). Always needs a token, even for a public-read namespace",
        parameters: [param(namespaceParam), param(windowParam)],
        responses: {
          200: { description: "The counts over the window.", content: json(ref("Stats"), STATS_EXAMPLE) },
          ...errors("bad_request"),
        },
      },
    },
  };
  return {
    openapi: "3.1.0",
    info: { title: "CloudCached", version: "1", description: buildIndex(config).description },
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
        Index: {
          type: "object",
          properties: {
            name: { type: "string" },
            description: { type: "string" },
            version: { type: "string" },
            links: { type: "object", properties: { api: { type: "string" }, openapi: { type: "string" }, health: { type: "string" } } },
            limits: {
              type: "object",
              description:
                "What one request may do on this deployment: its calls to storage and the location cache (SUBREQUEST_LIMIT), the most keys one batch may hold within them, " +
                "and the most get entries asking for a lease one batch may hold.",
              properties: { subrequestsPerRequest: { type: "integer" }, batchKeys: { type: "integer", minimum: 1, maximum: 100 }, batchLeaseKeys: { type: "integer", minimum: 1, maximum: 100 } },
            },
            docs: { type: "string" },
          },
        },
        Stats: {
          type: "object",
          properties: {
            namespace: { type: "string" },
            window: { type: "string", enum: Object.keys(STATS_WINDOWS) },
            scope: { type: "string", enum: ["instance", "deployment"] },
            reads: { type: "integer", description: "hits + misses + notFound + stale reads" },
            hits: { type: "integer" },
            misses: { type: "integer" },
            notFound: { type: "integer" },
            hitRatio: { type: "number", description: "hits / reads (0 when no reads)" },
            stale: { type: "object", properties: { grace: { type: "integer" }, error: { type: "integer" } } },
            leases: { type: "object", properties: { won: { type: "integer" }, busy: { type: "integer" } } },
            writes: { type: "integer" },
            deletes: { type: "integer" },
            errors: { type: "object", additionalProperties: { type: "integer" } },
            storageCallsPerRead: { type: "number" },
            ms: { type: "object", properties: { p50: { type: "number" }, p99: { type: "number" } } },
          },
        },
        Capabilities: {
          type: "object",
          properties: {
            admin: { type: "boolean", description: "The admin token: everything, minting tokens included." },
            namespaces: { type: "array", items: { type: "string" }, description: '["*"]: every namespace.' },
            scopes: { type: "array", items: { type: "string", enum: ["read", "write", "flush"] } },
            prefix: { type: ["string", "null"], description: "Only keys starting with this; null: every key." },
            expiresAt: { type: ["integer", "null"], description: "Unix seconds; null for the admin token." },
          },
        },
        NamespacePage: {
          type: "object",
          properties: { namespaces: { type: "array", items: { type: "string" } }, cursor: { type: ["string", "null"], description: "Pass as after for the next page; null: no more." } },
        },
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
