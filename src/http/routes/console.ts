import { Hono } from "hono";
import { CONSOLE_CSS, CONSOLE_HTML, CONSOLE_POLICY } from "../../console/page";
import { CONSOLE_JS } from "../../console/script";
import { ApiError, otherMethods } from "../errors";
import type { AppContext, AppEnv } from "../http";

/**
 * `GET /console`: the browser console, its script and its style, unless `CONSOLE=off`. Static
 * answers: the page reads everything through the API with the token the user pastes.
 */
export const consoleRoutes = new Hono<AppEnv>();

const ASSETS: Record<string, { body: string; type: string }> = {
  "/console": { body: CONSOLE_HTML, type: "text/html; charset=utf-8" },
  "/console/console.js": { body: CONSOLE_JS, type: "text/javascript; charset=utf-8" },
  "/console/console.css": { body: CONSOLE_CSS, type: "text/css; charset=utf-8" },
};

for (const path of Object.keys(ASSETS)) {
  consoleRoutes.get(path, serve);
  consoleRoutes.all(path, otherMethods(["GET", "HEAD"]));
}

function serve(c: AppContext): Response {
  if (!c.get("config").console) throw new ApiError("no_such_route", "no such route: the console is off (CONSOLE=off)");
  const asset = ASSETS[c.req.path] as { body: string; type: string };
  // content-safety.ts sends this policy instead of the API's sandbox, and no attachment.
  c.set("pagePolicy", CONSOLE_POLICY);
  return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "no-cache", "referrer-policy": "no-referrer", "x-frame-options": "DENY" });
}
