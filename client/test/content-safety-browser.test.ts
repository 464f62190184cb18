// What a real Chromium does when a user opens a stored item's URL (src/http/content-safety.ts): items are
// written into a public-read namespace (readable with no token, like any link a visitor follows) and
// each URL is opened as a top-level navigation. Active types are downloaded with their exact bytes,
// even though the same answer carries CSP `sandbox` (Chromium blocks downloads a sandboxed document
// starts, not a download whose own answer is sandboxed); their scripts never run. Each active type is
// also opened through a route that takes the Worker's real answer and drops headers: without
// `attachment` alone the CSP sandbox still keeps the script from running, and without all of the
// safety headers the same script does run, which shows the marker works. Passive types are shown inline.
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Chromium, launchChromium } from "./support/chromium.js";
import { adminToken, workerUrl } from "./support/helpers.js";

/** Every fixture's script sets the title to this; its own title says "inert". */
const RAN = "ran";
const SCRIPT = `<script>document.title = "${RAN}"</script>`;
const HTML = `<!doctype html><html><head><title>inert</title></head><body><p>stored page</p>${SCRIPT}</body></html>`;
const XHTML = `<html xmlns="http://www.w3.org/1999/xhtml"><head><title>inert</title></head><body><p>stored page</p>${SCRIPT}</body></html>`;
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>inert</title>${SCRIPT}</svg>`;
/** A 1×1 PNG. */
const PNG = new Uint8Array(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64"));

const SAFETY_HEADERS = ["content-disposition", "content-security-policy", "x-content-type-options"];

interface Fixture {
  name: string;
  type: string;
  body: string | Uint8Array<ArrayBuffer>;
}

/** Types Chromium renders as a document that runs script when nothing stops it. */
const RENDERED_ACTIVE: Fixture[] = [
  { name: "html", type: "text/html; charset=utf-8", body: HTML },
  { name: "xhtml", type: "application/xhtml+xml", body: XHTML },
  { name: "svg", type: "image/svg+xml", body: SVG },
];
/** Other active or unknown types: each must be downloaded too. */
const OTHER_ACTIVE: Fixture[] = [
  { name: "octet-stream-holding-html", type: "application/octet-stream", body: HTML },
  { name: "xml", type: "application/xml", body: `<?xml version="1.0"?><doc>${SCRIPT}</doc>` },
  { name: "pdf", type: "application/pdf", body: "%PDF-1.4\n%%EOF\n" },
  { name: "javascript", type: "text/javascript", body: `document.title = "${RAN}";` },
];
/** Types shown inline: text, JSON, raster images (each holds a script where it can). */
const TEXT: Fixture = { name: "text", type: "text/plain; charset=utf-8", body: `${SCRIPT} plain text` };
const JSON_ITEM: Fixture = { name: "json", type: "application/json", body: JSON.stringify({ html: SCRIPT }) };
const PNG_ITEM: Fixture = { name: "png", type: "image/png", body: PNG };
const PASSIVE: Fixture[] = [TEXT, JSON_ITEM, PNG_ITEM];

let browser: Chromium | undefined;
const itemUrls = new Map<string, string>();
const run = Date.now().toString(36);

/** Stores a fixture as the admin in the public namespace; anyone may now open the returned URL. */
async function store(fixture: Fixture): Promise<string> {
  const url = `${workerUrl()}/v1/${inject("publicNamespace")}/items/content-safety/${run}/${fixture.name}`;
  const response = await fetch(url, {
    method: "PUT",
    headers: { authorization: `Bearer ${adminToken()}`, "content-type": fixture.type },
    body: fixture.body,
  });
  expect(response.status, `storing ${fixture.name}`).toBe(200);
  return url;
}

function urlOf(fixture: Fixture): string {
  const url = itemUrls.get(fixture.name);
  if (url === undefined) throw new Error(`${fixture.name} was not stored`);
  return url;
}

async function withPage<T>(use: (page: Page) => Promise<T>): Promise<T> {
  if (!browser) throw new Error("Chromium did not start");
  const page = await browser.context.newPage();
  try {
    return await use(page);
  } finally {
    await page.close();
  }
}

/**
 * Opens the URL as a top-level navigation that must end in a download; returns what was saved and
 * the headers of the answer Chromium downloaded.
 */
async function openAsDownload(page: Page, url: string): Promise<{ bytes: Buffer; pageUrl: string; headers: Record<string, string> }> {
  const answered = page.waitForResponse(url, { timeout: 20_000 });
  const downloading = page.waitForEvent("download", { timeout: 20_000 });
  const navigation = await page.goto(url).then(
    (response) => `shown as a page (status ${response?.status()})`,
    (err: Error) => err.message,
  );
  // Playwright ends a navigation that became a download with this error; a download Chromium blocked
  // ends it with net::ERR_ABORTED (or shows the page) instead, and fails here at once.
  expect(navigation, url).toMatch(/Download is starting/);
  const download = await downloading;
  expect(download.url()).toBe(url);
  expect(await download.failure()).toBeNull();
  const headers = await (await answered).allHeaders();
  return { bytes: await readFile(await download.path()), pageUrl: page.url(), headers };
}

/** Opens the URL as a top-level navigation that must show a document; returns it. */
async function openAsPage(page: Page, url: string): Promise<Page> {
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(200);
  expect(page.url()).toBe(url);
  return page;
}

/** Serves the Worker's real answer for this URL, without the named headers. */
async function routeWithout(page: Page, url: string, dropped: string[]): Promise<void> {
  await page.route(url, async (route) => {
    const response = await route.fetch();
    const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !dropped.includes(name)));
    await route.fulfill({ response, headers });
  });
}

describe("stored items opened in a real Chromium", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    for (const fixture of [...RENDERED_ACTIVE, ...OTHER_ACTIVE, ...PASSIVE]) itemUrls.set(fixture.name, await store(fixture));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("the items are readable with no token (the namespace is public)", async () => {
    const response = await fetch(urlOf(RENDERED_ACTIVE[0] as Fixture));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe("attachment");
    expect(response.headers.get("content-security-policy")).toMatch(/(^|;)\s*sandbox\b/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it.each(RENDERED_ACTIVE)("$type: downloaded with its bytes, never shown, its script never runs", async (fixture) => {
    const url = urlOf(fixture);
    await withPage(async (page) => {
      const { bytes, pageUrl, headers } = await openAsDownload(page, url);
      // Downloaded although the answer is sandboxed (no `allow-downloads`).
      expect(headers).toMatchObject({ "content-disposition": "attachment", "x-content-type-options": "nosniff" });
      expect(headers["content-security-policy"]).toMatch(/(^|;)\s*sandbox$/);
      expect(bytes.toString("utf8")).toBe(fixture.body);
      expect(pageUrl).toBe("about:blank");
      expect(await page.title()).not.toBe(RAN);
    });
    // Were `attachment` ignored, the CSP would still show it inert, in an opaque origin (the sandbox):
    // no cookies or storage of the API's origin.
    await withPage(async (page) => {
      await routeWithout(page, url, ["content-disposition"]);
      await openAsPage(page, url);
      expect(await page.title()).toBe("inert");
      expect(await page.evaluate(() => window.origin)).toBe("null");
    });
    // The same answer with none of the safety headers runs the script, on the API's origin: the
    // markers work.
    await withPage(async (page) => {
      await routeWithout(page, url, SAFETY_HEADERS);
      await openAsPage(page, url);
      expect(await page.title()).toBe(RAN);
      expect(await page.evaluate(() => window.origin)).toBe(new URL(url).origin);
    });
  });

  it.each(OTHER_ACTIVE)("$type: downloaded with its bytes, never shown", async (fixture) => {
    await withPage(async (page) => {
      const { bytes, pageUrl, headers } = await openAsDownload(page, urlOf(fixture));
      expect(headers["content-disposition"]).toBe("attachment");
      expect(bytes.toString("utf8")).toBe(fixture.body);
      expect(pageUrl).toBe("about:blank");
      expect(await page.title()).not.toBe(RAN);
    });
  });

  it("application/octet-stream holding HTML: downloaded even without `attachment`, never run", async () => {
    const url = urlOf(OTHER_ACTIVE[0] as Fixture);
    await withPage(async (page) => {
      await routeWithout(page, url, ["content-disposition"]);
      const { bytes } = await openAsDownload(page, url);
      expect(bytes.toString("utf8")).toBe(HTML);
      expect(await page.title()).not.toBe(RAN);
    });
  });

  it("text/plain holding a script: shown inline as text in an opaque origin, nothing runs, no download", async () => {
    await withPage(async (page) => {
      await openAsPage(page, urlOf(TEXT));
      expect(await page.locator("body").textContent()).toBe(TEXT.body);
      expect(await page.title()).not.toBe(RAN);
      expect(await page.evaluate(() => window.origin)).toBe("null");
    });
  });

  it("application/json holding a script: shown inline as text in an opaque origin, nothing runs, no download", async () => {
    await withPage(async (page) => {
      await openAsPage(page, urlOf(JSON_ITEM));
      expect(await page.locator("body").textContent()).toContain(JSON_ITEM.body);
      expect(await page.title()).not.toBe(RAN);
      expect(await page.evaluate(() => window.origin)).toBe("null");
    });
  });

  it("image/png: shown inline by the image viewer in an opaque origin, no download", async () => {
    await withPage(async (page) => {
      await openAsPage(page, urlOf(PNG_ITEM));
      const image = page.locator("img");
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
      expect(await image.getAttribute("src")).toBe(urlOf(PNG_ITEM));
      expect(await page.evaluate(() => window.origin)).toBe("null");
    });
  });
});
