import { describe, expect, it } from "vitest";
import { CONSOLE_POLICY } from "../src/console/page";
import { api, expectError, withBindings } from "./helpers";

describe("GET /console", () => {
  it("serves one page under its own strict policy: script and style from the Worker only, nothing inline", async () => {
    const page = await api("/console", { anonymous: true });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toBe(CONSOLE_POLICY);
    expect(page.headers.get("content-disposition")).toBeNull();
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const policy = CONSOLE_POLICY.split(";").map((part) => part.trim());
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(CONSOLE_POLICY).not.toContain("unsafe-inline");
    expect(CONSOLE_POLICY).not.toContain("http");
    const html = await page.text();
    // Every script has a src on this origin; no inline handler attributes.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/console/console.js" defer>']);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);

    for (const [path, type] of [["/console/console.js", "text/javascript; charset=utf-8"], ["/console/console.css", "text/css; charset=utf-8"]] as const) {
      const asset = await api(path, { anonymous: true });
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toBe(type);
      expect(asset.headers.get("content-security-policy")).toBe(CONSOLE_POLICY);
      const text = await asset.text();
      expect(text).not.toContain("innerHTML");
    }
    await expectError(await api("/console", { method: "POST", anonymous: true }), 405, "method_not_allowed");
  });

  it("offers nothing before it knows what the token may do: every section a token may lack starts hidden", async () => {
    const html = await (await api("/console", { anonymous: true })).text();
    for (const id of ["app", "traffic", "keys-section", "item", "set-section", "flush-section", "mint-section", "ns-other-field"]) {
      expect(html, id).toMatch(new RegExp(`id="${id}"[^>]*\\shidden[\\s>]`));
    }
    // It asks the API what the token may do, and which namespaces it may see.
    const script = await (await api("/console/console.js", { anonymous: true })).text();
    expect(script).toContain("'/v1/token'");
    expect(script).toContain("'/v1/namespaces'");
  });

  it("the API's answers keep their sandbox", async () => {
    const index = await api("/v1");
    expect(index.headers.get("content-security-policy")).toContain("sandbox");
  });

  it("CONSOLE=off: 404 no_such_route for the page and its assets", async () => {
    for (const path of ["/console", "/console/console.js", "/console/console.css"]) {
      const off = await withBindings({ CONSOLE: "off" } as Partial<Record<keyof Env, string>>, path);
      const body = await expectError(off, 404, "no_such_route");
      expect(body.error.message).toContain("CONSOLE=off");
      expect(off.headers.get("content-security-policy")).toContain("sandbox");
    }
    await expectError(await withBindings({ CONSOLE: "maybe" } as Partial<Record<keyof Env, string>>, "/console"), 500, "internal");
  });
});
