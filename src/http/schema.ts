// The name rules are shared with the client, which refuses what the Worker refuses (client/src/names.ts).
import { MAX_KEY_BYTES, NAMESPACE_PATTERN } from "../../client/src/names";
import { ApiError } from "./errors";
import { MAX_TAGS, TAG_PATTERN } from "../items/labels";
import { STATS_WINDOWS } from "../stats/windows";

/**
 * The one description of what requests may carry: the validators read their rules from here
 * (patterns, bounds, enums, allowed fields), and GET /v1/openapi.json is generated from the same
 * objects (src/http/openapi.ts). Change a rule here and both follow.
 */

/** The subset of JSON Schema (as OpenAPI 3.1 uses it) these descriptions need. */
export interface JsonSchema {
  type?: "string" | "integer" | "boolean" | "object" | "array" | "null" | readonly ("string" | "integer" | "boolean" | "null" | "object")[];
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  enum?: readonly (string | number)[];
  default?: unknown;
  format?: string;
  items?: JsonSchema;
  properties?: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  oneOf?: readonly JsonSchema[];
}

export interface ParamSpec {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description: string;
  schema: JsonSchema;
  /** A value a generated client's documentation shows. */
  example?: string | number;
}

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;
/** Keys in one batch, in all (get + set + delete). */
export const MAX_BATCH_KEYS = 100;
export const SCOPES = ["read", "write", "flush"] as const;
export const MAX_TOKEN_NAMESPACES = 100;

export const namespaceParam: ParamSpec = {
  name: "ns",
  in: "path",
  required: true,
  description: "The namespace: 1–64 characters of a-z 0-9 _ -, starting with a letter or digit.",
  schema: { type: "string", pattern: NAMESPACE_PATTERN },
  example: "default",
};

export const keyParam: ParamSpec = {
  name: "key",
  in: "path",
  required: true,
  description:
    `Everything after /items/, percent-decoded once: 1–${MAX_KEY_BYTES} bytes of UTF-8; may contain '/', spaces, '+', any Unicode; ` +
    "no control characters, no '.' or '..' segment, no empty segment.",
  schema: { type: "string", minLength: 1 },
  example: "users/42/profile",
};

/** `ttl` (seconds): its bounds and default are the deployment's settings, so the spec is built from them. */
export function ttlParam(defaultTtl: number, maxTtl: number): ParamSpec {
  return {
    name: "ttl",
    in: "query",
    required: false,
    description: "Seconds the item lives; 0 means it never expires.",
    schema: { type: "integer", minimum: 0, maximum: maxTtl, default: defaultTtl },
  };
}

/** `grace` (seconds): how long an item stays stale after its expiry; bounded by the deployment's MAX_TTL. */
export function graceParam(maxTtl: number): ParamSpec {
  return {
    name: "grace",
    in: "query",
    required: false,
    description: "Seconds the item stays stale after it expires (served only to reads with Cache-Control: max-stale), then gone.",
    schema: { type: "integer", minimum: 0, maximum: maxTtl, default: 0 },
  };
}

export const opParam: ParamSpec = {
  name: "op",
  in: "query",
  required: true,
  description:
    "touch: set a new expiry; expire: expire now and start the item's grace (soft expiry); incr / decr: atomic counter; release: give up the lease X-Lease-Token names without writing (the item is left as it is).",
  schema: { type: "string", enum: ["touch", "expire", "incr", "decr", "release"] },
};

export const tagOpParam: ParamSpec = {
  name: "op",
  in: "query",
  required: true,
  description: "expire: every item written with the tag before this call expires now and its grace starts (soft); delete: every such item is absent at once.",
  schema: { type: "string", enum: ["expire", "delete"] },
};

export const tagParam: ParamSpec = {
  name: "tag",
  in: "path",
  required: true,
  description: "The tag, percent-encoded: 1–128 bytes of printable ASCII other than ',' and space.",
  schema: { type: "string", pattern: TAG_PATTERN },
  example: "product-42",
};

export const byParam: ParamSpec = {
  name: "by",
  in: "query",
  required: false,
  description: "How much incr adds or decr subtracts.",
  schema: { type: "integer", minimum: 0, maximum: MAX_SAFE, default: 1 },
};

export const initialParam: ParamSpec = {
  name: "initial",
  in: "query",
  required: false,
  description: "Creates an absent counter with this value (returned as is).",
  schema: { type: "integer", minimum: -MAX_SAFE, maximum: MAX_SAFE },
};

export const limitParam: ParamSpec = {
  name: "limit",
  in: "query",
  required: false,
  description: "Keys per page.",
  schema: { type: "integer", minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT },
};

export const prefixParam: ParamSpec = {
  name: "prefix",
  in: "query",
  required: false,
  description: `Only keys starting with this text (at most ${MAX_KEY_BYTES} bytes, no control characters).`,
  schema: { type: "string" },
};

export const windowParam: ParamSpec = {
  name: "window",
  in: "query",
  required: false,
  description: "The stats' window: the last hour, day or week.",
  schema: { type: "string", enum: Object.keys(STATS_WINDOWS), default: "1h" },
};

export const cursorParam: ParamSpec = {
  name: "cursor",
  in: "query",
  required: false,
  description: "The cursor a previous page gave.",
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,2000}$" },
};

/** Seconds a lease may last at most (API.md, "Caching under load"). */
export const MAX_LEASE_SECONDS = 300;

export const leaseHeader: ParamSpec = {
  name: "X-Lease",
  in: "header",
  required: false,
  description:
    "Asks for the item's lease, for this many seconds, when the read finds no live item (or, with X-Refresh-Below, one close to expiry): " +
    "exactly one reader anywhere is answered X-Lease: won with an X-Lease-Token, every other X-Lease: busy with Retry-After, until the lease is released or lapses.",
  schema: { type: "integer", minimum: 1, maximum: MAX_LEASE_SECONDS },
  example: 30,
};

export const refreshBelowHeader: ParamSpec = {
  name: "X-Refresh-Below",
  in: "header",
  required: false,
  description: "With X-Lease: also asks for the lease when the live item has fewer than this many seconds left (early refresh); the value is served as usual.",
  schema: { type: "integer", minimum: 1, maximum: MAX_SAFE },
  example: 10,
};

export const leaseTokenHeader: ParamSpec = {
  name: "X-Lease-Token",
  in: "header",
  required: false,
  description:
    "The token of a lease this request's writer won: the write (or delete) releases it once done, and `op=release` releases it without writing (required there). A token that is not the lease's current one releases nothing.",
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]{16,64}$" },
};

/**
 * An integer parameter, checked against its spec: absent → its default (or undefined); otherwise a
 * base-10 integer within [minimum, maximum], else 400 naming the parameter and its bounds.
 */
export function readInteger(spec: ParamSpec, raw: string | null | undefined): number | undefined {
  const { minimum = -MAX_SAFE, maximum = MAX_SAFE } = spec.schema;
  if (raw === null || raw === undefined) {
    if (spec.required) throw new ApiError("bad_request", `${spec.name} is required`);
    return typeof spec.schema.default === "number" ? spec.schema.default : undefined;
  }
  const value = Number(raw);
  const digits = minimum < 0 ? /^-?[0-9]{1,16}$/ : /^[0-9]{1,16}$/;
  if (!digits.test(raw) || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new ApiError("bad_request", `invalid ${spec.name}: a whole number from ${minimum} to ${maximum}`);
  }
  return value;
}

/** A parameter limited to its spec's enum: 400 naming the allowed values otherwise. */
export function readEnum<T extends string>(spec: ParamSpec, raw: string | null | undefined): T {
  const allowed = (spec.schema.enum ?? []) as readonly string[];
  if (raw === null || raw === undefined || !allowed.includes(raw)) {
    throw new ApiError("bad_request", `invalid ${spec.name}: one of ${allowed.join(", ")}`);
  }
  return raw as T;
}

/** The fields an object body may have: a body with another one is a 400 naming it. */
export function allowedFields(schema: JsonSchema): readonly string[] {
  return Object.keys(schema.properties ?? {});
}

const keySchema: JsonSchema = { type: "string", minLength: 1, description: keyParam.description };

export const batchSetSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["key", "value"],
  properties: {
    key: keySchema,
    value: { type: "string", description: "UTF-8 text, or base64 with encoding 'base64'." },
    encoding: { type: "string", enum: ["utf8", "base64"], default: "utf8" },
    ttl: { type: "integer", minimum: 0, description: "As the ttl of a PUT (at most MAX_TTL); default DEFAULT_TTL." },
    contentType: { type: "string", default: "application/octet-stream" },
    grace: { type: "integer", minimum: 0, default: 0, description: "As the grace of a PUT (at most MAX_TTL): seconds the item stays stale after it expires." },
    tags: {
      type: "array",
      maxItems: MAX_TAGS,
      items: { type: "string", pattern: TAG_PATTERN },
      description: "As X-Tags on a PUT: at most 16 tags, each 1–128 bytes of printable ASCII other than ',' and space.",
    },
    meta: { type: "object", description: "As X-Meta on a PUT: a JSON object of at most 1,024 bytes (as JSON text, ASCII with other characters \\u-escaped), answered unchanged." },
  },
};

export const batchGetSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["key"],
  description: "A get with options; a key alone is the same get without them.",
  properties: {
    key: keySchema,
    maxStale: {
      type: ["integer", "boolean"],
      minimum: 0,
      description:
        "As Cache-Control: max-stale on a GET: an expired item within its grace is answered (stale: true) if at most this many seconds past its expiry; true: any staleness within the grace. Default: the batch request's own Cache-Control.",
    },
    lease: { type: "integer", minimum: 1, maximum: MAX_LEASE_SECONDS, description: leaseHeader.description },
    refreshBelow: { type: "integer", minimum: 1, maximum: MAX_SAFE, description: `${refreshBelowHeader.description} Only with lease.` },
  },
};

export const batchRequestSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description: `Sets and deletes are applied first, then gets; at most ${MAX_BATCH_KEYS} keys in all.`,
  properties: {
    get: { type: "array", items: { oneOf: [keySchema, batchGetSchema] }, maxItems: MAX_BATCH_KEYS },
    set: { type: "array", items: batchSetSchema, maxItems: MAX_BATCH_KEYS },
    delete: { type: "array", items: keySchema, maxItems: MAX_BATCH_KEYS },
  },
};

export function tokenRequestSchema(maxTokenTtl: number, defaultTokenTtl: number): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    required: ["namespaces", "scopes"],
    properties: {
      namespaces: {
        type: "array",
        minItems: 1,
        maxItems: MAX_TOKEN_NAMESPACES,
        items: { type: "string", pattern: `${NAMESPACE_PATTERN}|^\\*$` },
        description: 'Namespaces the token may use, or ["*"] for all.',
      },
      prefix: { type: "string", description: "Only keys starting with this prefix." },
      scopes: { type: "array", minItems: 1, items: { type: "string", enum: SCOPES } },
      ttl: { type: "integer", minimum: 1, maximum: maxTokenTtl, default: Math.min(defaultTokenTtl, maxTokenTtl) },
    },
  };
}
