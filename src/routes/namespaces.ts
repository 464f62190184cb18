import { Hono } from "hono";
import { authorize } from "../auth";
import { parseBatch, MAX_BATCH_BODY_BYTES } from "../batch/request";
import { preauthorize, runBatch } from "../batch/run";
import { ApiError } from "../errors";
import type { AppContext, AppEnv } from "../http";
import { LocationCache } from "../location-cache";
import { validateNamespace } from "../names";
import { generationsFor, wantsFresh } from "../namespaces/context";
import { decodeCursor, listKeys, parseLimit, parsePrefix } from "../namespaces/listing";
import { Storage } from "../storage/storage";

/** API.md's Batch and Namespace sections: batch, flush, keys. */
export const namespaces = new Hono<AppEnv>();

namespaces.post("/:ns/batch", batch);
namespaces.all("/:ns/batch", () => {
  throw new ApiError("method_not_allowed", "allowed: POST");
});
namespaces.post("/:ns/flush", flush);
namespaces.all("/:ns/flush", () => {
  throw new ApiError("method_not_allowed", "allowed: POST");
});
namespaces.get("/:ns/keys", keys);
namespaces.all("/:ns/keys", () => {
  throw new ApiError("method_not_allowed", "allowed: GET, HEAD");
});

function storageFor(c: AppContext): Storage {
  const config = c.get("config");
  return new Storage(config.s3, config.storageTimeoutMs, c.get("metrics"));
}

/** The body, read whole (it is JSON) but never past `limit` bytes. */
async function readBody(c: AppContext, limit: number): Promise<string> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && (!/^\d{1,16}$/.test(declared) || Number(declared) > limit)) {
    throw new ApiError("value_too_large", `a batch body is at most ${limit} bytes; write large values with PUT`);
  }
  const body = c.req.raw.body;
  if (body === null) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new ApiError("value_too_large", `a batch body is at most ${limit} bytes; write large values with PUT`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError("bad_request", "the batch body is not valid UTF-8");
  }
}

async function batch(c: AppContext): Promise<Response> {
  const config = c.get("config");
  const namespace = validateNamespace(c.req.param("ns") ?? "");
  // The body is parsed as JSON whatever its Content-Type says (curl -d sends a form type).
  const request = parseBatch(await readBody(c, MAX_BATCH_BODY_BYTES), config.maxTtl);
  preauthorize(c.get("principal"), namespace, request);
  const storage = storageFor(c);
  const fresh = wantsFresh(c);
  const generation = await generationsFor(c, storage).current(namespace, { fresh });
  const body = await runBatch(
    {
      config,
      principal: c.get("principal"),
      namespace,
      generation,
      storage,
      cache: LocationCache.default(c.get("metrics")),
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
      fresh,
    },
    request,
  );
  return new Response(body, { status: 200, headers: { "content-type": "application/json; charset=UTF-8", "cache-control": "no-store" } });
}

/** O(1): the namespace's generation counts up; its items' objects are left for the sweep. */
async function flush(c: AppContext): Promise<Response> {
  const namespace = validateNamespace(c.req.param("ns") ?? "");
  authorize(c.get("principal"), { scope: "flush", namespace });
  await generationsFor(c, storageFor(c)).flush(namespace, (promise) => c.executionCtx.waitUntil(promise));
  return c.body(null, 204);
}

async function keys(c: AppContext): Promise<Response> {
  const config = c.get("config");
  const namespace = validateNamespace(c.req.param("ns") ?? "");
  const keyPrefix = parsePrefix(c.req.query("prefix"));
  const limit = parseLimit(c.req.query("limit"));
  const after = decodeCursor(c.req.query("cursor"));
  // A token limited to a key prefix may list only within it (an empty listing prefix is refused to it).
  authorize(c.get("principal"), { scope: "read", namespace, keyPrefix });
  const storage = storageFor(c);
  const generation = await generationsFor(c, storage).current(namespace, { fresh: wantsFresh(c) });
  const page = await listKeys(storage, { prefix: config.s3.prefix, namespace, generation, keyPrefix, limit, after });
  return c.json(page, 200, { "cache-control": "no-store" });
}
