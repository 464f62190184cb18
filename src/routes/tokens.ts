import { Hono } from "hono";
import { requireAdmin } from "../auth";
import { ApiError } from "../errors";
import type { AppContext, AppEnv } from "../http";
import { mintToken, parseTokenRequest, tokenSecret } from "../tokens";

/** The largest `POST /v1/tokens` body read; a token request is a few hundred bytes. */
export const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;

export const tokens = new Hono<AppEnv>();

tokens.post("/tokens", mint);
tokens.all("/tokens", () => {
  throw new ApiError("method_not_allowed", "allowed: POST");
});

/** `POST /v1/tokens` (admin only) → `201 {"token", "expiresAt"}`. */
async function mint(c: AppContext): Promise<Response> {
  requireAdmin(c.get("principal"));
  const config = c.get("config");
  const secret = tokenSecret(config);
  const text = await readCapped(c.req.raw, MAX_TOKEN_REQUEST_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "the body must be a JSON object: {\"namespaces\", \"scopes\", \"prefix\"?, \"ttl\"?}");
  }
  const request = parseTokenRequest(body, config.maxTokenTtl);
  const minted = await mintToken(request, secret);
  return c.json(minted, 201, { "cache-control": "no-store" });
}

/** The body as UTF-8 text, refusing (400) one over `max` bytes without reading the rest. */
async function readCapped(request: Request, max: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > max) {
    throw new ApiError("bad_request", `the body is larger than ${max} bytes`);
  }
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > max) {
      await reader.cancel();
      throw new ApiError("bad_request", `the body is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError("bad_request", "the body is not valid UTF-8");
  }
}
