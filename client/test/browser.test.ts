// CORS (ALLOWED_ORIGINS) and scoped tokens (POST /v1/tokens) from a browser. A real Chromium
// (client/test/support/chromium.ts) loads a page from another origin than the Worker's;
// the page imports the client (bundled for the browser by esbuild) and, with a short-lived token
// limited to one prefix, writes and reads through CORS. The Worker's ALLOWED_ORIGINS lists the
// page's origin (client/test/support/stack.ts).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Chromium, launchChromium } from "./support/chromium.js";
import { adminClient, workerUrl } from "./support/helpers.js";

interface RoundTrip {
  text: unknown;
  json: unknown;
  bytes: number[];
  etagSeen: boolean;
  expiresAtSeen: boolean;
  casWithStale: boolean;
  casWithCurrent: boolean;
  addExisting: boolean;
  outside: { name: string; status: number; code: string } | null;
  deletedThenGet: unknown;
}

describe("the client in a real browser, across origins", () => {
  let browser: Chromium | undefined;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("writes and reads every type with a short-lived token limited to a prefix", async () => {
    const pageOrigin = inject("pageOrigin");
    expect(new URL(pageOrigin).origin).not.toBe(new URL(workerUrl()).origin);
    const admin = adminClient();
    const { token } = await admin.mintToken({ namespaces: [admin.namespace], prefix: "browser/", scopes: ["read", "write"], ttl: 120 });

    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => document.getElementById("out")?.textContent === "ready");
    const result = await page.evaluate(
      async ({ url, token, namespace }): Promise<RoundTrip> => {
        const { CloudCached, CloudCachedError } = (window as unknown as { cloudcached: typeof import("../src/index.js") }).cloudcached;
        const cache = new CloudCached({ url, token, namespace });
        await cache.set("browser/text", "42");
        await cache.set("browser/json", { hello: "from the page", n: [1, 2] });
        await cache.set("browser/bytes", new Uint8Array([0, 127, 128, 255]));
        const item = await cache.gets("browser/json");
        const stale = item?.etag ?? "";
        await cache.set("browser/json", { changed: true });
        const casWithStale = (await cache.cas("browser/json", { lost: true }, stale)) !== null;
        const current = await cache.gets("browser/json");
        const casWithCurrent = (await cache.cas("browser/json", { won: true }, current?.etag ?? "")) !== null;
        const addExisting = await cache.put("browser/text", "again");
        let outside: RoundTrip["outside"] = null;
        try {
          await cache.set("elsewhere/x", 1);
        } catch (err) {
          if (err instanceof CloudCachedError) outside = { name: err.name, status: err.status, code: err.code };
        }
        const bytes = (await cache.get("browser/bytes")) as Uint8Array;
        const out: RoundTrip = {
          text: await cache.get("browser/text"),
          json: await cache.get("browser/json"),
          bytes: [...bytes],
          etagSeen: /^"/.test(item?.etag ?? ""),
          expiresAtSeen: typeof item?.expiresAt === "number",
          casWithStale,
          casWithCurrent,
          addExisting,
          outside,
          deletedThenGet: null,
        };
        await cache.delete("browser/text");
        out.deletedThenGet = await cache.get("browser/text");
        document.getElementById("out")!.textContent = JSON.stringify(out);
        return out;
      },
      { url: workerUrl(), token, namespace: admin.namespace },
    );

    expect(result).toStrictEqual({
      text: "42",
      json: { won: true },
      bytes: [0, 127, 128, 255],
      etagSeen: true,
      expiresAtSeen: true,
      casWithStale: false,
      casWithCurrent: true,
      addExisting: false,
      outside: { name: "CloudCachedError", status: 403, code: "forbidden" },
      deletedThenGet: null,
    });
    // The page shows the round trip, and what the browser wrote is there for everyone.
    expect(JSON.parse((await page.textContent("#out")) ?? "{}")).toMatchObject({ json: { won: true } });
    expect(await admin.get("browser/bytes")).toStrictEqual(new Uint8Array([0, 127, 128, 255]));
    expect(await admin.get("browser/text")).toBeNull();
  });

  it("a page from an origin not in ALLOWED_ORIGINS cannot read the answer (network_error, suggesting ALLOWED_ORIGINS)", async () => {
    const admin = adminClient();
    await admin.set("k", "secret");
    const { token } = await admin.mintToken({ namespaces: [admin.namespace], scopes: ["read"], ttl: 60 });
    // Same server, other origin: "localhost" is not "127.0.0.1".
    const other = inject("pageOrigin").replace("127.0.0.1", "localhost");
    await page.goto(`${other}/`);
    await page.waitForFunction(() => document.getElementById("out")?.textContent === "ready");
    const outcome = await page.evaluate(
      async ({ url, token, namespace }) => {
        const { CloudCached, CloudCachedError } = (window as unknown as { cloudcached: typeof import("../src/index.js") }).cloudcached;
        const cache = new CloudCached({ url, token, namespace, retries: 0 });
        try {
          return { error: "none", message: String(await cache.get("k")) };
        } catch (err) {
          return err instanceof CloudCachedError ? { error: err.code, message: err.message } : { error: String(err), message: "" };
        }
      },
      { url: workerUrl(), token, namespace: admin.namespace },
    );
    expect(outcome).toMatchObject({ error: "network_error" });
    expect(outcome.message).toContain(`could not reach the server at ${workerUrl()}: Failed to fetch`);
    expect(outcome.message).toContain("ALLOWED_ORIGINS");
  });
});
