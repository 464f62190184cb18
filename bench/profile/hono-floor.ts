// Profile variant: a Hono app answering a constant through the same route shape as an item read.
import { Hono } from "hono";

const app = new Hono();
app.get("/v1/:ns/items/*", (c) => c.text("0123456789abcdef0123456789abcdef"));

export default { fetch: app.fetch } satisfies ExportedHandler;
