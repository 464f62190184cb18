// Profile variant: the Worker's own middleware chain (observability with its log line, CORS,
// configuration + request context, authentication) before a constant answer: what every request
// pays before its route runs, so that `hit − chainFloor − (cacheFloor − floor)` is the route's own work.
import { Hono } from "hono";
import { authenticate } from "../../src/auth/auth";
import { configFor } from "../../src/platform/config";
import { corsMiddleware } from "../../src/http/cors";
import type { AppEnv } from "../../src/http/http";
import { observability } from "../../src/http/observability";
import { RequestContext } from "../../src/http/request-context";

const app = new Hono<AppEnv>();
app.use("*", observability());
app.use("*", corsMiddleware());
app.use("*", async (c, next) => {
  const config = configFor(c.env);
  c.set("config", config);
  c.set("context", new RequestContext(config, c.get("metrics"), c.executionCtx, c.req.header("cache-control")));
  await next();
});
app.use("/v1/*", async (c, next) => {
  c.set("principal", await authenticate(c.req.header("authorization"), c.get("config")));
  await next();
});
app.get("/v1/:ns/items/*", (c) => c.text("0123456789abcdef0123456789abcdef"));

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
