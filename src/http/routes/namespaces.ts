import { Hono } from "hono";
import { authorize, requireToken } from "../../auth/auth";
import { parseBatch, MAX_BATCH_BODY_BYTES } from "../../batch/request";
import { preauthorize, runBatch } from "../../batch/run";
import { ApiError, otherMethods } from "../errors";
import type { AppContext, AppEnv } from "../http";
import { validateNamespace } from "../../items/names";
import { decodeCursor, listKeys, parseLimit, parsePrefix } from "../../namespaces/listing";
import { compareNamespaces, listedAfter, MAX_NAMESPACES_PER_PAGE, walkNamespaces } from "../../namespaces/namespace-walk";
import { readCappedText } from "../request-body";

/** API.md's Batch and Namespace sections: batch, flush, keys. */
export const namespaces = new Hono<AppEnv>();

namespaces.post("/:ns/batch", batch);
namespaces.all("/:ns/batch", otherMethods(["POST"]));
namespaces.post("/:ns/flush", flush);
namespaces.all("/:ns/flush", otherMethods(["POST"]));
namespaces.get("/:ns/keys", keys);
namespaces.all("/:ns/keys", otherMethods(["GET", "HEAD"]));
namespaces.get("/namespaces", listNamespaces);
namespaces.all("/namespaces", otherMethods(["GET", "HEAD"]));

const batchTooLarge = () => new ApiError("value_too_large", `a batch body is at most ${MAX_BATCH_BODY_BYTES} bytes; write large values with PUT`);

async function batch(c: AppContext): Promise<Response> {
  const config = c.get("config");
  const namespace = validateNamespace(c.req.param("ns") ?? "");
  // The body is parsed as JSON whatever its Content-Type says (curl -d sends a form type).
  const request = parseBatch(await readCappedText(c.req.raw, MAX_BATCH_BODY_BYTES, batchTooLarge), config.maxTtl);
  preauthorize(c.get("principal"), namespace, request);
  const body = await runBatch({ context: c.get("context"), principal: c.get("principal"), namespace }, request);
  return new Response(body, { status: 200, headers: { "content-type": "application/json; charset=UTF-8", "cache-control": "no-store" } });
}

/** O(1): the namespace's generation counts up; its items' objects are left for the sweep. */
async function flush(c: AppContext): Promise<Response> {
  const namespace = validateNamespace(c.req.param("ns") ?? "");
  authorize(c.get("principal"), { scope: "flush", namespace });
  const { generations, waitUntil } = c.get("context");
  await generations.flush(namespace, waitUntil);
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
  const { storage, generations, fresh } = c.get("context");
  const generation = await generations.current(namespace, { fresh });
  const page = await listKeys(storage, { prefix: config.prefix, namespace, generation, keyPrefix, limit, after });
  return c.json(page, 200, { "cache-control": "no-store" });
}

/**
 * `GET /v1/namespaces?after=NS`: the namespaces a token may see. A token for some namespaces: those,
 * with no storage call. The admin token, or a token for every namespace: the ones with objects in
 * storage, a page at a time (one storage call each; never on the path of a read or write).
 */
async function listNamespaces(c: AppContext): Promise<Response> {
  const principal = requireToken(c.get("principal"));
  const rawAfter = c.req.query("after");
  const after = rawAfter === undefined ? null : validateNamespace(rawAfter);
  if (principal.kind === "token" && principal.grant.namespaces !== "*") {
    // In the order the admin's walk of storage lists them, so a client pages both the same way.
    const own = [...principal.grant.namespaces].sort(compareNamespaces).filter((namespace) => listedAfter(namespace, after));
    return c.json({ namespaces: own, cursor: null }, 200, { "cache-control": "no-store" });
  }
  const { storage } = c.get("context");
  const page = await walkNamespaces(storage, c.get("config").prefix, after, MAX_NAMESPACES_PER_PAGE);
  const cursor = page.more ? (page.namespaces.at(-1) ?? null) : null;
  return c.json({ namespaces: page.namespaces, cursor }, 200, { "cache-control": "no-store" });
}
