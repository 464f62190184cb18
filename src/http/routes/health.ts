import { Hono } from "hono";
import { ApiError, otherMethods } from "../errors";
import type { AppEnv } from "../http";

export const health = new Hono<AppEnv>();

/** 200 when storage answers, 503 when it does not; nothing about the configuration is revealed. */
health.get("/", async (c) => {
  const config = c.get("config");
  try {
    await c.get("context").storage.ping(`${config.prefix}.healthz`);
    return c.json({ ok: true });
  } catch (err) {
    const error = err instanceof ApiError ? err.body().error : { code: "internal", message: "internal error" };
    return c.json({ ok: false, error }, 503);
  }
});
health.all("/", otherMethods(["GET", "HEAD"]));
