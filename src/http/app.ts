import { Hono } from "hono";
import { authenticate } from "../auth/auth";
import { configFor } from "../platform/config";
import { contentSafety } from "./content-safety";
import { corsMiddleware } from "./cors";
import { ApiError } from "./errors";
import { onError } from "./on-error";
import type { AppEnv } from "./http";
import { observability } from "./observability";
import { RequestContext } from "./request-context";
import { StrictPatternRouter } from "./router";
import { consoleRoutes } from "./routes/console";
import { health } from "./routes/health";
import { index } from "./routes/index";
import { items } from "./routes/items";
import { namespaces } from "./routes/namespaces";
import { tags } from "./routes/tags";
import { openapi } from "./routes/openapi";
import { stats } from "./routes/stats";
import { tokens } from "./routes/tokens";

// Routes match as under Hono's default (its trie router, for these routes), with less work (router.ts).
export const app = new Hono<AppEnv>({ router: new StrictPatternRouter() });

app.onError(onError);
app.notFound(() => {
  throw new ApiError("no_such_route", "no such route: see /v1/openapi.json");
});

// First: a request id and timings for every answer, errors included (X-Request-Id, Server-Timing, one log line).
app.use("*", observability());

// Every answer, errors included, is safe to open in a browser: no sniffing, no script, active types downloaded.
app.use("*", contentSafety());

// CORS before everything else: a preflight needs no token, and every answer (errors too) carries its headers.
app.use("*", corsMiddleware());

// Configuration first: a missing setting is a clear 500 on every route, never an open Worker.
// Then the request's context, the one place its per-request objects are made (each at first use).
app.use("*", async (c, next) => {
  const config = configFor(c.env);
  c.set("config", config);
  c.set("context", new RequestContext(config, c.get("metrics"), c.executionCtx, c.req.header("cache-control")));
  await next();
});

app.route("/healthz", health);
// Public, like /healthz; before the token check, so that even a bad token gets the index.
app.route("/", index);
// The console's static page and assets; it calls the API like any client, with the user's token.
app.route("/", consoleRoutes);

app.use("/v1/*", async (c, next) => {
  c.set("principal", await authenticate(c.req.header("authorization"), c.get("config")));
  await next();
});
app.route("/v1", openapi);
app.route("/v1", tokens);
app.route("/v1", items);
app.route("/v1", namespaces);
app.route("/v1", tags);
app.route("/v1", stats);
