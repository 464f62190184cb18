// The console (GET /console) driven in the suite's Chromium against `npm run dev` itself (started
// here on a free port in a temporary directory, stopped after): sign in with scoped tokens, only
// what the token may do offered, the namespaces listed, list, open (tags and metadata), set, expire,
// delete, flush after a confirmation, mint (as the admin), the chart after traffic (the same numbers as
// `cloudcached stats` asked of the same server), and keys,
// values, tags and metadata that are HTML and script, which must never run. With
// CLOUDCACHED_SCREENSHOTS=1 it also rewrites docs/console.png and docs/console-xss.png.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type Launcher, launch, READY_MS, STOP_MS, stop, stopLaunched } from "../../test/node/dev-launcher.js";
import { type Chromium, launchChromium } from "./support/chromium.js";
import { cli } from "./support/cli.js";

const DOCS = join(import.meta.dirname, "../../docs");
const SCREENSHOTS = process.env.CLOUDCACHED_SCREENSHOTS === "1";
const RAN = "ran";
const SCRIPT = `<script>document.title="${RAN}"</script><img src=x onerror="document.title='${RAN}'">`;
const TITLE = "CloudCached console";

let browser: Chromium | undefined;
let page: Page;
let dev: Launcher | undefined;
let devDir: string | undefined;
let url = "";
let adminToken = "";
let counter = 0;

function namespace(label: string): string {
  counter += 1;
  return `${label}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, ...(init.headers as Record<string, string>) } });
}

async function put(ns: string, key: string, body: string, headers: Record<string, string> = {}): Promise<void> {
  const response = await admin(`/v1/${ns}/items/${key.split("/").map(encodeURIComponent).join("/")}`, { method: "PUT", headers: { "content-type": "text/plain", ...headers }, body });
  expect(response.status, await response.text()).toBe(200);
}

async function mint(namespaces: string[], scopes: string[], prefix?: string): Promise<string> {
  const response = await admin("/v1/tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ namespaces, scopes, ...(prefix ? { prefix } : {}) }) });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return (JSON.parse(text) as { token: string }).token;
}

/** Why a wait failed: what the page said. */
async function explain(err: unknown): Promise<never> {
  throw new Error(`${err}; status: ${await page.textContent("#status")}; sign-in: ${await page.textContent("#signin-error")}`);
}

async function signIn(token: string): Promise<void> {
  await page.goto(`${url}/console`);
  // Signed out first: the tab's sessionStorage outlives a page load.
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.fill("#token", token);
  await page.click("#signin-form button");
  await page.waitForFunction(() => (document.getElementById("who")?.textContent ?? "") !== "" && !document.getElementById("status")?.textContent?.startsWith("loading")).catch(explain);
}

/** Opens a namespace of the list; waits for its keys (and its chart, when the token may see it). */
async function openNamespace(ns: string, keys: number): Promise<void> {
  await page.selectOption("#ns", ns);
  await page.waitForFunction(() => document.getElementById("status")?.textContent === "").catch(explain);
  expect(await page.locator("#keys li").count()).toBe(keys);
}

const shown = (selector: string) => page.locator(selector).isVisible();
const options = () => page.locator("#ns option").allTextContents();

beforeAll(async () => {
  devDir = await mkdtemp(join(tmpdir(), "cloudcached-console-"));
  // As the README starts it: `npm run dev` (through a shell, the R2 binding), in a directory of its own.
  dev = launch(devDir, await freePort(), true, true);
  ({ url, token: adminToken } = await dev.ready());
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(8000);
}, READY_MS + 30_000);

afterAll(async () => {
  await browser?.close();
  if (dev) await stop(dev, "SIGTERM");
  await stopLaunched();
  if (devDir) await rm(devDir, { recursive: true, force: true });
}, STOP_MS + 20_000);

describe("the console in Chromium, against npm run dev", () => {
  it("with a scoped token: its namespaces listed, lists, opens (tags, metadata), sets, expires, deletes, flushes after a confirmation; the chart follows traffic", async () => {
    const ns = namespace("console");
    const other = namespace("console-other");
    await put(ns, "greeting", "hello", { "x-tags": "greetings,en", "x-meta": '{"author": "ann"}' });
    await put(ns, "data.json", '{"a":1}', { "content-type": "application/json" });
    await put(other, "k", "v");
    const token = await mint([ns, other], ["read", "write", "flush"]);
    await signIn(token);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(page.url()).not.toContain(token);
    // Its own namespaces, to pick from; not another's; no minting for a scoped token.
    expect((await options()).sort()).toEqual([ns, other].sort());
    expect(await shown("#ns-other")).toBe(false);
    expect(await shown("#mint-section")).toBe(false);
    expect(await page.textContent("#who")).toContain("read, write, flush");
    await openNamespace(ns, 2);
    const before = await page.textContent("#chart-1h .ratio");

    await page.click("#keys li:has-text('greeting')");
    await page.waitForFunction(() => document.getElementById("item-text")?.textContent === "hello");
    const meta = await page.textContent("#item-meta");
    expect(meta).toContain("5 bytes");
    expect(meta).toContain("text/plain");
    expect(meta).toContain("ETag");
    expect(meta).toContain("tagsgreetings, en");
    expect(meta).toContain('metadata{"author": "ann"}');

    // Traffic: reads through the API, then the chart shows more reads.
    for (let i = 0; i < 3; i++) await (await admin(`/v1/${ns}/items/greeting`)).text();
    await page.click("#refresh");
    await page.waitForFunction((old) => document.querySelector("#chart-1h .ratio")?.textContent !== old, before);
    expect(await page.textContent("#chart-1h .ratio")).toMatch(/of [1-9]\d* reads/);
    // `cloudcached stats`, asked of the same server with the same token, says the same (a stats
    // request is never a read, so neither's asking moves the other's numbers).
    const counted = await cli(["stats", "--ns", ns, "--json"], { CLOUDCACHED_URL: url, CLOUDCACHED_TOKEN: token });
    expect(counted.code, counted.stderr).toBe(0);
    const stats = JSON.parse(counted.stdout) as { reads: number; hitRatio: number; window: string };
    expect(stats.window).toBe("1h");
    expect(await page.textContent("#chart-1h .ratio")).toBe(`hit ratio ${(stats.hitRatio * 100).toFixed(1)} % of ${stats.reads} reads`);
    if (SCREENSHOTS) await page.screenshot({ path: join(DOCS, "console.png"), fullPage: true });

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

    // The flush asks first: dismissed, nothing is flushed; accepted, the namespace is.
    const asked: string[] = [];
    page.once("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.click("#flush");
    expect(asked).toEqual([`Flush every item of the namespace ${ns}?`]);
    expect((await admin(`/v1/${ns}/items/greeting`, { headers: { "cache-control": "no-cache" } })).status).toBe(200);
    page.once("dialog", (dialog) => void dialog.accept());
    await page.click("#flush");
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "flushed");
    expect((await admin(`/v1/${ns}/items/greeting`, { headers: { "cache-control": "no-cache" } })).status).toBe(404);
    expect((await admin(`/v1/${other}/items/k`)).status).toBe(200);
  });

  it("offers only what the token may do: a read-only token, a write-only token, a token limited to a key prefix", async () => {
    const ns = namespace("console-caps");
    await put(ns, "user/42/a", "mine");
    await put(ns, "user/7/b", "theirs");

    await signIn(await mint([ns], ["read"]));
    await openNamespace(ns, 2);
    expect(await shown("#traffic")).toBe(true);
    for (const hidden of ["#set-section", "#flush-section", "#mint-section"]) expect(await shown(hidden), hidden).toBe(false);
    await page.click("#keys li:has-text('user/42/a')");
    await page.waitForFunction(() => document.getElementById("item-text")?.textContent === "mine");
    expect(await shown("#item-actions")).toBe(false);

    await signIn(await mint([ns], ["write"]));
    expect(await shown("#set-section")).toBe(true);
    for (const hidden of ["#traffic", "#keys-section", "#flush-section", "#mint-section"]) expect(await shown(hidden), hidden).toBe(false);

    // Prefix-limited: no stats and no flush (namespace-wide), listing within its prefix.
    await signIn(await mint([ns], ["read", "write", "flush"], "user/42/"));
    await openNamespace(ns, 1);
    expect(await page.inputValue("#prefix")).toBe("user/42/");
    expect(await page.textContent("#keys")).toContain("user/42/a");
    for (const hidden of ["#traffic", "#flush-section", "#mint-section"]) expect(await shown(hidden), hidden).toBe(false);
    expect(await page.textContent("#status")).toBe("");

    // A token that is not valid never gets past the sign-in.
    await page.goto(`${url}/console`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.fill("#token", "not-a-token");
    await page.click("#signin-form button");
    await page.waitForFunction(() => (document.getElementById("signin-error")?.textContent ?? "").includes("unauthorized"));
    expect(await shown("#app")).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("as the admin: every namespace with items listed, any other can be typed, mints a scoped token", async () => {
    const ns = namespace("console-mint");
    await put(ns, "k", "v");
    // A slow namespace list: the sign-in is done only once the list is in, so nothing reads it empty.
    await page.route("**/v1/namespaces*", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    await signIn(adminToken);
    await page.unroute("**/v1/namespaces*");
    expect(await page.textContent("#who")).toBe("admin token");
    expect(await options()).toContain(ns);
    const listed = await options();
    expect([...listed].sort()).toEqual(listed);
    expect(await shown("#mint-section")).toBe(true);
    await page.selectOption("#ns", ns);
    await page.click("#mint-form button");
    await page.waitForFunction(() => (document.getElementById("minted")?.textContent ?? "").length > 20);
    const minted = (await page.textContent("#minted")) ?? "";
    const capabilities = await fetch(`${url}/v1/token`, { headers: { authorization: `Bearer ${minted}` } });
    expect(await capabilities.json()).toMatchObject({ admin: false, namespaces: [ns], scopes: ["read"], prefix: null });
    const write = await fetch(`${url}/v1/${ns}/items/k`, { method: "PUT", body: "v", headers: { authorization: `Bearer ${minted}` } });
    expect(write.status).toBe(403);

    // A namespace with no items yet: typed in.
    const fresh = namespace("console-typed");
    await page.fill("#ns-other", fresh);
    await page.click("#ns-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "").catch(explain);
    expect(await page.textContent("#chart-1h .ratio")).toBe("hit ratio 0.0 % of 0 reads");
    expect(await page.locator("#keys li").count()).toBe(0);
  });

  it("never runs keys, values, tags or metadata that are HTML and script", async () => {
    const ns = namespace("console-xss");
    const key = "x/<b>bold</b><script>document.title='ran'</script>";
    await put(ns, key, SCRIPT, { "x-tags": `<script>document.title='${RAN}'</script>,<img/src=x/onerror=document.title='${RAN}'>`, "x-meta": JSON.stringify({ html: SCRIPT }) });
    await put(ns, "page.html", `<html><body>${SCRIPT}</body></html>`, { "content-type": "text/html" });
    await signIn(await mint([ns], ["read", "write"]));
    await openNamespace(ns, 2);
    expect(await page.locator("#keys img, #keys script, #keys b").count()).toBe(0);
    await page.click("#keys li >> nth=1");
    await page.waitForFunction(() => (document.getElementById("item-text")?.textContent ?? "").includes("<script>")).catch(explain);
    expect(await page.textContent("#item-key")).toBe(key);
    const meta = (await page.textContent("#item-meta")) ?? "";
    expect(meta).toContain(`<script>document.title='${RAN}'</script>`);
    expect(meta).toContain("onerror");
    expect(await page.locator("#item-meta *:not(dt):not(dd)").count()).toBe(0);
    expect(await page.locator("#item img[src^='x'], #item script, #item b").count()).toBe(0);
    if (SCREENSHOTS) await page.screenshot({ path: join(DOCS, "console-xss.png"), fullPage: true });
    await page.click("#keys li:has-text('page.html')");
    await page.waitForFunction(() => document.getElementById("item-download")?.hidden === false).catch(explain);
    expect(await page.getAttribute("#item-download", "href")).toMatch(/^blob:/);
    expect(await page.locator("#item img[src^='x'], #item script").count()).toBe(0);
    expect(await page.title()).toBe(TITLE);
  });
});
