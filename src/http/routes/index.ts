import { Hono } from "hono";
import { otherMethods } from "../errors";
import type { AppEnv } from "../http";
import { buildIndex } from "../service-index";

/** `GET /` and `GET /v1`: public, like /healthz (src/http/service-index.ts says what they answer). */
export const index = new Hono<AppEnv>();

for (const path of ["/", "/v1"]) {
  index.get(path, (c) => c.json(buildIndex(c.get("config")), 200, { "cache-control": "public, max-age=300" }));
  index.all(path, otherMethods(["GET", "HEAD"]));
}
