import { describe, expect, it } from "vitest";
import { mustDownload } from "./content-safety";

describe("mustDownload: active types are downloaded, never shown inline", () => {
  it.each([
    "text/html",
    "TEXT/HTML; charset=utf-8",
    " text/html ",
    "application/xhtml+xml",
    "image/svg+xml",
    "image/svg",
    "image/SVG+XML;charset=utf-8",
    "text/xml",
    "application/xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/mathml+xml",
    "text/xsl",
    "application/xslt+xml",
    "text/javascript",
    "application/javascript",
    "text/css",
    "application/pdf",
    "message/rfc822",
    "multipart/x-mixed-replace; boundary=x",
    "application/octet-stream",
    "application/wasm",
    "font/woff2",
    "text/markdown",
    "text/vtt",
    "text/cache-manifest",
    "application/x-shockwave-flash",
    "image/x-html",
    "video/xml",
    "nonsense",
    "",
    "text/",
    "/plain",
    "text/plain/x",
    // A list: a browser uses its last valid type (Fetch's "extract a MIME type"), so none is shown.
    "text/plain;,text/html",
    "text/plain,text/html",
    "text/plain; charset=utf-8, text/html",
    'text/plain;a="b",text/html',
    "image/png,image/svg+xml",
    "text/plain,text/plain",
    "text/plain,",
  ])("%j", (type) => {
    expect(mustDownload(type)).toBe(true);
  });
});

describe("mustDownload: passive types are shown", () => {
  it.each([
    "text/plain",
    "text/plain; charset=utf-8",
    "Text/Plain",
    "text/csv",
    "application/json",
    "application/json; charset=UTF-8",
    "application/problem+json",
    "application/ld+json",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "audio/mpeg",
    "audio/ogg",
    "video/mp4",
    "video/webm",
    // A comma inside a quoted parameter is part of the one type.
    'text/plain;a="x,text/html"',
  ])("%j", (type) => {
    expect(mustDownload(type)).toBe(false);
  });
});

describe("mustDownload: a verdict remembered per isolate is the verdict", () => {
  it("answers the same for a type asked again, whatever was asked in between", () => {
    const types = ["text/html", "text/plain", "image/svg+xml", "image/png", "application/json", "application/xml", "text/plain, text/html"];
    const first = types.map((type) => mustDownload(type));
    expect(first).toEqual([true, false, true, false, false, true, true]);
    for (let round = 0; round < 3; round++) expect(types.map((type) => mustDownload(type))).toEqual(first);
  });

  it("judges types longer than those it remembers, and more types than it keeps, the same way", () => {
    const long = `text/plain; ${"x=y; ".repeat(60)}`;
    const longActive = `text/html; ${"x=y; ".repeat(60)}`;
    expect([mustDownload(long), mustDownload(long), mustDownload(longActive), mustDownload(longActive)]).toEqual([false, false, true, true]);
    for (let i = 0; i < 600; i++) expect(mustDownload(`image/x-test-${i}`)).toBe(false);
    expect(mustDownload("text/html")).toBe(true);
    expect(mustDownload("image/x-test-1")).toBe(false);
  });
});
