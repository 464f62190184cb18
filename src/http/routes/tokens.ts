import { Hono } from "hono";
import { requireAdmin, requireToken } from "../../auth/auth";
import { capabilitiesOf } from "../../auth/capabilities";
import { ApiError, otherMethods } from "../errors";
import type { AppContext, AppEnv } from "../http";
import { readCappedText } from "../request-body";
import { mintToken, parseTokenRequest, tokenKey } from "../../auth/tokens";

/** The largest `POST /v1/tokens` body read; a token request is a few hundred bytes. */
export const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;

export const tokens = new Hono<AppEnv>();

tokens.post("/tokens", mint);
tokens.all("/tokens", otherMethods(["POST"]));
tokens.get("/token", capabilities);
tokens.all("/token", otherMethods(["GET", "HEAD"]));

/** `GET /v1/token` (any valid token) → what the request's token may do (src/auth/capabilities.ts). */
function capabilities(c: AppContext): Response {
  return c.json(capabilitiesOf(requireToken(c.get("principal"))), 200, { "cache-control": "no-store" });
}

/** `POST /v1/tokens` (admin only) → `201 {"token", "expiresAt"}`. */
async function mint(c: AppContext): Promise<Response> {
  requireAdmin(c.get("principal"));
  const config = c.get("config");
  const key = tokenKey(config);
  const text = await readCappedText(c.req.raw, MAX_TOKEN_REQUEST_BYTES, () => new ApiError("bad_request", `the body is larger than ${MAX_TOKEN_REQUEST_BYTES} bytes`));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "the body must be a JSON object: {\"namespaces\", \"scopes\", \"prefix\"?, \"ttl\"?}");
  }
  const request = parseTokenRequest(body, config.maxTokenTtl);
  const minted = await mintToken(request, key);
  return c.json(minted, 201, { "cache-control": "no-store" });
}
