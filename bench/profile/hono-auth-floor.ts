// Profile variant: the Hono app with the Worker's configuration and authentication middleware, and
// a constant answer: what every request pays before its route runs.
import { Hono } from "hono";
import { authenticate } from "../../src/auth/auth";
import { configFor } from "../../src/platform/config";
import type { AppEnv } from "../../src/http/http";

const app = new Hono<AppEnv>();
app.use("*", async (c, next) => {
  c.set("config", configFor(c.env));
  await next();
});
app.use("/v1/*", async (c, next) => {
  c.set("principal", await authenticate(c.req.header("authorization"), c.get("config")));
  await next();
});
app.get("/v1/:ns/items/*", (c) => c.text("0123456789abcdef0123456789abcdef"));

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
