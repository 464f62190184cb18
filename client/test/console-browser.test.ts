// The console (GET /console) driven in the suite's Chromium against the suite's Worker: sign in with
// a scoped token, list, open, set, expire, delete, flush, mint (as the admin), the chart after
// traffic, and keys and values that are HTML and script, which must never run. Screenshots of the
// page go to docs/ (docs/console.md shows them).
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Chromium, launchChromium } from "./support/chromium.js";
import { adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";

const DOCS = join(import.meta.dirname, "../../docs");
const RAN = "ran";
const SCRIPT = `<script>document.title="${RAN}"</script><img src=x onerror="document.title='${RAN}'">`;

let browser: Chromium | undefined;
let page: Page;

async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${workerUrl()}${path}`, { ...init, headers: { authorization: `Bearer ${adminToken()}`, ...(init.headers as Record<string, string>) } });
}

async function mint(ns: string, scopes: string[]): Promise<string> {
  const response = await admin("/v1/tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ namespaces: [ns], scopes }) });
  return ((await response.json()) as { token: string }).token;
}

async function signIn(token: string, ns: string): Promise<void> {
  await page.goto(`${workerUrl()}/console`);
  // Signed out first: the tab's sessionStorage outlives a page load.
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.fill("#token", token);
  await page.click("#signin-form button");
  await page.fill("#ns", ns);
  await page.click("#ns-form button[type=submit]");
  await page.waitForSelector("#chart-1h .ratio", { timeout: 10_000 }).catch(async (err) => {
    throw new Error(`${err}; status: ${await page.textContent("#status")}`);
  });
}

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(8000);
  page.on("dialog", (dialog) => void dialog.accept());
});

afterAll(async () => {
  await browser?.close();
});

describe("the console in Chromium", () => {
  it("signs in with a scoped token, lists, opens, sets, expires, deletes and flushes; the chart follows traffic", async () => {
    const ns = uniqueNamespace("console");
    await admin(`/v1/${ns}/items/greeting`, { method: "PUT", headers: { "content-type": "text/plain" }, body: "hello" });
    await admin(`/v1/${ns}/items/data.json`, { method: "PUT", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    const token = await mint(ns, ["read", "write", "flush"]);
    await signIn(token, ns);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(page.url()).not.toContain(token);
    await page.waitForFunction(() => document.querySelectorAll("#keys li").length === 2);
    const before = await page.textContent("#chart-1h .ratio");

    await page.click("#keys li:has-text('greeting')");
    await page.waitForFunction(() => document.getElementById("item-text")?.textContent === "hello");
    const meta = await page.textContent("#item-meta");
    expect(meta).toContain("5 bytes");
    expect(meta).toContain("text/plain");
    expect(meta).toContain("ETag");

    // Traffic: reads through the API, then the chart shows more reads.
    for (let i = 0; i < 3; i++) await (await admin(`/v1/${ns}/items/greeting`)).text();
    await page.click("#refresh");
    await page.waitForFunction((old) => document.querySelector("#chart-1h .ratio")?.textContent !== old, before);
    await page.screenshot({ path: join(DOCS, "console.png"), fullPage: true });

    await page.fill("#set-key", "new/key");
    await page.fill("#set-value", "set from the console");
    await page.click("#set-form button");
    await page.waitForFunction(() => document.querySelectorAll("#keys li").length === 3);
    expect(await (await admin(`/v1/${ns}/items/new/key`)).text()).toBe("set from the console");

    await page.click("#keys li:has-text('new/key')");
    await page.waitForFunction(() => document.getElementById("item-key")?.textContent === "new/key");
    await page.click("#item-expire");
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "no such item");
    expect((await admin(`/v1/${ns}/items/new/key`)).status).toBe(404);

    await page.click("#keys li:has-text('data.json')");
    await page.waitForFunction(() => document.getElementById("item-text")?.textContent === '{"a":1}');
    await page.click("#item-delete");
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "deleted");
    expect((await admin(`/v1/${ns}/items/data.json`)).status).toBe(404);

    await page.click("#flush");
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "flushed");
    expect((await admin(`/v1/${ns}/items/greeting`, { headers: { "cache-control": "no-cache" } })).status).toBe(404);
  });

  it("mints a scoped token when signed in as the admin", async () => {
    const ns = uniqueNamespace("console-mint");
    await signIn(adminToken(), ns);
    await page.click("#mint-form button");
    await page.waitForFunction(() => (document.getElementById("minted")?.textContent ?? "").length > 20);
    const minted = (await page.textContent("#minted")) ?? "";
    const read = await fetch(`${workerUrl()}/v1/${ns}/keys`, { headers: { authorization: `Bearer ${minted}` } });
    expect(read.status).toBe(200);
    const write = await fetch(`${workerUrl()}/v1/${ns}/items/k`, { method: "PUT", body: "v", headers: { authorization: `Bearer ${minted}` } });
    expect(write.status).toBe(403);
  });

  it("never runs keys or values that are HTML and script", async () => {
    const ns = uniqueNamespace("console-xss");
    const key = "x/<b>bold</b><script>document.title='ran'</script>";
    const path = `/v1/${ns}/items/${key.split("/").map(encodeURIComponent).join("/")}`;
    const put = await admin(path, { method: "PUT", headers: { "content-type": "text/plain" }, body: SCRIPT });
    expect(put.status, await put.text()).toBe(200);
    const htmlPath = `/v1/${ns}/items/page.html`;
    const putHtml = await admin(htmlPath, { method: "PUT", headers: { "content-type": "text/html" }, body: `<html><body>${SCRIPT}</body></html>` });
    expect(putHtml.status, await putHtml.text()).toBe(200);
    await signIn(await mint(ns, ["read", "write"]), ns);
    await page.waitForFunction(() => document.querySelectorAll("#keys li").length === 2, undefined, { timeout: 5000 }).catch(async (err) => {
      throw new Error(`${err}; keys: ${await page.textContent("#keys")}; status: ${await page.textContent("#status")}`);
    });
    expect(await page.locator("#keys img, #keys script").count()).toBe(0);
    await page.click("#keys li >> nth=1");
    await page.waitForFunction(() => (document.getElementById("item-text")?.textContent ?? "").includes("<script>"), undefined, { timeout: 5000 }).catch(async (err) => {
      throw new Error(`${err}; status: ${await page.textContent("#status")}; item: ${await page.textContent("#item")}`);
    });
    expect(await page.textContent("#item-key")).toBe(key);
    await page.click("#keys li:has-text('page.html')");
    await page.waitForFunction(() => document.getElementById("item-download")?.hidden === false).catch(async (err) => {
      throw new Error(`${err}; status: ${await page.textContent("#status")}; item: ${await page.textContent("#item")}`);
    });
    expect(await page.getAttribute("#item-download", "href")).toMatch(/^blob:/);
    expect(await page.locator("#item img[src^='x'], #item script").count()).toBe(0);
    await page.screenshot({ path: join(DOCS, "console-xss.png"), fullPage: true });
    expect(await page.title()).toBe("CloudCached console");
  });
});
