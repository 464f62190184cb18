// Profile variant: Hono with the observability middleware only (request id, Server-Timing, log line).
import { Hono } from "hono";
import type { AppEnv } from "../../src/http/http";
import { observability } from "../../src/http/observability";

const app = new Hono<AppEnv>();
app.use("*", observability());
app.get("/v1/:ns/items/*", (c) => c.text("0123456789abcdef0123456789abcdef"));

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
