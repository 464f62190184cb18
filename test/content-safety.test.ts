import { describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../src/http/content-safety";
import { faults, viaFaults } from "./faults";
import { objectKey } from "../src/storage/object-key";
import { api, expectError, sleep, uniqueNamespace } from "./helpers";
import { testConfig, testStorage } from "./store";

// A stored value never runs as a page on the API's origin: every item answer (200 and 304, GET and
// HEAD, from every tier: MISS, HIT, STALE) carries nosniff and a CSP sandbox, and active types are
// sent as attachments, while the stored Content-Type and the bytes are given back unchanged.

const SCRIPT = "<script>document.title='ran'</script>";
const ITEMS: { key: string; type: string; body: string; download: boolean }[] = [
  { key: "page.html", type: "text/html; charset=utf-8", body: `<!doctype html><title>x</title>${SCRIPT}`, download: true },
  { key: "img.svg", type: "image/svg+xml", body: `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, download: true },
  { key: "doc.xml", type: "application/xml", body: `<?xml-stylesheet type="text/xsl" href="#"?><a/>`, download: true },
  { key: "page.xhtml", type: "application/xhtml+xml", body: `<html xmlns="http://www.w3.org/1999/xhtml">${SCRIPT}</html>`, download: true },
  { key: "bytes", type: "application/octet-stream", body: SCRIPT, download: true },
  { key: "note.txt", type: "text/plain; charset=utf-8", body: SCRIPT, download: false },
  { key: "data.json", type: "application/json", body: '{"a":"<script>"}', download: false },
  { key: "pic.png", type: "image/png", body: "\x89PNG", download: false },
];

function expectSafe(response: Response, download: boolean, what: string): void {
  expect(response.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(response.headers.get("content-security-policy"), what).toBe(CONTENT_SECURITY_POLICY);
  expect(response.headers.get("content-security-policy"), what).toMatch(/(^|;)\s*sandbox\b/);
  if (response.status === 200) expect(response.headers.get("content-disposition"), what).toBe(download ? "attachment" : null);
}

describe("item answers are safe to open in a browser", () => {
  it.each(ITEMS)("$type: GET and HEAD, MISS and HIT, 200 and 304", async ({ key, type, body, download }) => {
    const ns = uniqueNamespace("safe");
    const put = await api(`/v1/${ns}/items/${key}`, { method: "PUT", body, headers: { "content-type": type } });
    expect(put.status).toBe(200);
    expectSafe(put, false, "PUT"); // JSON
    const etag = put.headers.get("etag") ?? "";
    await put.text();

    const miss = await api(`/v1/${ns}/items/${key}`);
    expect(miss.headers.get("x-cache")).toBe("MISS");
    expectSafe(miss, download, "GET MISS");
    expect(miss.headers.get("content-type")).toBe(type); // the stored type, as written
    expect(await miss.text()).toBe(body);

    const hit = await api(`/v1/${ns}/items/${key}`);
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expectSafe(hit, download, "GET HIT");
    expect(hit.headers.get("content-type")).toBe(type);
    expect(await hit.text()).toBe(body);

    for (const [label, headers] of [["HEAD HIT", {}], ["HEAD MISS", { "cache-control": "no-cache" }]] as const) {
      const head = await api(`/v1/${ns}/items/${key}`, { method: "HEAD", headers });
      expect(head.status, label).toBe(200);
      expectSafe(head, download, label);
      expect(head.headers.get("content-type")).toBe(type);
    }
    for (const [label, headers] of [["304 HIT", { "if-none-match": etag }], ["304 MISS", { "if-none-match": etag, "cache-control": "no-cache" }]] as const) {
      const notModified = await api(`/v1/${ns}/items/${key}`, { headers });
      expect(notModified.status, label).toBe(304);
      expectSafe(notModified, download, label);
    }
  });

  it("STALE answers too (storage failing, the location's copy served)", async () => {
    const EDGE = { EDGE_TTL: "1" };
    const ns = uniqueNamespace("safe");
    const put = await viaFaults(`/v1/${ns}/items/p.html?ttl=60`, { method: "PUT", body: SCRIPT, headers: { "content-type": "text/html" } }, EDGE);
    expect(put.status).toBe(200);
    const etag = put.headers.get("etag") ?? "";
    await put.body?.cancel();
    const miss = await viaFaults(`/v1/${ns}/items/p.html`, {}, EDGE);
    expect(miss.headers.get("x-cache")).toBe("MISS");
    await miss.body?.cancel();
    await sleep(1100);
    await faults.fault({ mode: "error500", path: ns, count: 20 });
    try {
      const stale = await viaFaults(`/v1/${ns}/items/p.html`, {}, EDGE);
      expect(stale.headers.get("x-cache")).toBe("STALE");
      expectSafe(stale, true, "GET STALE");
      expect(stale.headers.get("content-type")).toBe("text/html");
      expect(await stale.text()).toBe(SCRIPT);
      const head = await viaFaults(`/v1/${ns}/items/p.html`, { method: "HEAD" }, EDGE);
      expect(head.headers.get("x-cache")).toBe("STALE");
      expectSafe(head, true, "HEAD STALE");
      const notModified = await viaFaults(`/v1/${ns}/items/p.html`, { headers: { "if-none-match": etag } }, EDGE);
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get("x-cache")).toBe("STALE");
      expectSafe(notModified, true, "304 STALE");
    } finally {
      await faults.clear(ns);
    }
  });

  it("errors, batches and listings (JSON) carry the same headers, shown inline", async () => {
    const ns = uniqueNamespace("safe");
    const missing = await api(`/v1/${ns}/items/none`);
    expectSafe(missing, false, "404");
    await expectError(missing, 404, "not_found");
    const refused = await api(`/v1/${ns}/items/x`, { anonymous: true });
    expectSafe(refused, false, "401");
    await refused.text();
    await (await api(`/v1/${ns}/items/p.html`, { method: "PUT", body: SCRIPT, headers: { "content-type": "text/html" } })).text();
    const batch = await api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: ["p.html"] }) });
    expect(batch.status).toBe(200);
    expectSafe(batch, false, "batch");
    expect(((await batch.json()) as { get: Record<string, { contentType: string }> }).get["p.html"]?.contentType).toBe("text/html");
    const keys = await api(`/v1/${ns}/keys`);
    expectSafe(keys, false, "keys");
    await keys.text();
  });
});

describe("a content type that is a list (a browser uses its last valid type: Fetch's MIME extraction)", () => {
  it("is refused on write, single and batch, naming Content-Type; one stored before is downloaded", async () => {
    const ns = uniqueNamespace("mimelist");
    for (const type of ["text/plain;,text/html", "text/plain, text/html", "image/png,image/svg+xml"]) {
      const put = await api(`/v1/${ns}/items/k`, { method: "PUT", body: SCRIPT, headers: { "content-type": type } });
      expectSafe(put, false, type);
      const error = await expectError(put, 400, "bad_request");
      expect(error.error.message, type).toMatch(/^invalid Content-Type: one type, not a list/);
      const batch = await api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ set: [{ key: "k", value: SCRIPT, contentType: type }] }) });
      const batchError = await expectError(batch, 400, "bad_request");
      expect(batchError.error.message, type).toMatch(/^set\[0\]\.contentType: invalid Content-Type: one type, not a list/);
    }
    expect((await api(`/v1/${ns}/items/k`)).status).toBe(404);
    // A comma inside a quoted parameter is part of the one type: stored, and shown as text.
    const quoted = 'text/plain;a="x,text/html"';
    expect((await api(`/v1/${ns}/items/q`, { method: "PUT", body: "text", headers: { "content-type": quoted } })).status).toBe(200);
    const shown = await api(`/v1/${ns}/items/q`);
    expect(shown.headers.get("content-type")).toBe(quoted);
    expectSafe(shown, false, quoted);
    await shown.text();

    // Written straight to the store (as one written before the refusal existed): sent as an attachment.
    const config = testConfig();
    const stored = await testStorage(config).put(objectKey(config.prefix, ns, 0, "old"), new TextEncoder().encode(SCRIPT), { contentType: "text/plain;,text/html", expiresAt: null }, { kind: "none" });
    expect(stored.ok).toBe(true);
    for (const tier of ["MISS", "HIT"]) {
      const got = await api(`/v1/${ns}/items/old`);
      expect(got.headers.get("x-cache")).toBe(tier);
      expect(got.headers.get("content-type")).toBe("text/plain;,text/html");
      expectSafe(got, true, tier);
      expect(await got.text()).toBe(SCRIPT);
    }
  });
});
