import { Hono } from "hono";
import { otherMethods } from "../errors";
import type { AppEnv } from "../http";
import { buildOpenApi } from "../openapi";

export const openapi = new Hono<AppEnv>();

/** The API description; public, like /healthz: it reveals the contract, no secret or storage detail. */
openapi.get("/openapi.json", (c) => c.json(buildOpenApi(c.get("config")), 200, { "cache-control": "public, max-age=300" }));
openapi.all("/openapi.json", otherMethods(["GET", "HEAD"]));
