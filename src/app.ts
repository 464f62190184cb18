import { Hono } from "hono";
import { authenticate } from "./auth";
import { configFor } from "./config";
import { ApiError, onError } from "./errors";
import type { AppEnv } from "./http";
import { health } from "./routes/health";
import { items } from "./routes/items";

export const app = new Hono<AppEnv>();

app.onError(onError);
app.notFound(() => {
  throw new ApiError("not_found", "no such route");
});

// Configuration first: a missing setting is a clear 500 on every route, never an open Worker.
app.use("*", async (c, next) => {
  c.set("config", configFor(c.env));
  await next();
});

app.route("/healthz", health);

app.use("/v1/*", async (c, next) => {
  c.set("principal", await authenticate(c.req.header("authorization"), c.get("config")));
  await next();
});
app.route("/v1", items);
