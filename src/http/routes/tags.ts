import { Hono } from "hono";
import { authorize } from "../../auth/auth";
import { ApiError, otherMethods } from "../errors";
import type { AppContext, AppEnv } from "../http";
import { tagProblem } from "../../items/labels";
import { validateNamespace } from "../../items/names";
import { rawPathOf } from "../request-path";
import { readEnum, tagOpParam } from "../schema";

/** API.md's "Tags and metadata": `POST /v1/{ns}/tags/{tag}?op=expire|delete`, O(1) like a flush. */
export const tags = new Hono<AppEnv>();

tags.post("/:ns/tags/*", invalidate);
tags.all("/:ns/tags/*", otherMethods(["POST"]));

const TAG_PATH = /^\/v1\/([^/]*)\/tags\/(.*)$/;

function decodedTag(raw: string): string {
  let tag: string;
  try {
    tag = decodeURIComponent(raw);
  } catch {
    throw new ApiError("bad_request", "invalid tag: bad percent-encoding");
  }
  const problem = tagProblem(tag);
  if (problem) throw new ApiError("bad_request", `invalid tag: ${problem}`);
  return tag;
}

/** One write of the tag's state, whatever the number of items carrying it; checked before any storage call. */
async function invalidate(c: AppContext): Promise<Response> {
  const match = TAG_PATH.exec(rawPathOf(c.req.url));
  if (!match) throw new ApiError("no_such_route", "no such route");
  const namespace = validateNamespace(match[1] ?? "");
  const tag = decodedTag(match[2] ?? "");
  const op = readEnum<"expire" | "delete">(tagOpParam, c.req.query("op"));
  // Tags cross key prefixes: a token limited to one is refused (namespace-wide, like a flush).
  authorize(c.get("principal"), { scope: "flush", namespace });
  const { tagStates, waitUntil } = c.get("context");
  await tagStates.invalidate(namespace, tag, op, waitUntil);
  return c.body(null, 204);
}
