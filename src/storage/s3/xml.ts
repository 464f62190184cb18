import type { DeleteEntry, DeleteFailure, ListedObject, ListPage } from "../storage";

/**
 * The little XML that S3 answers with, read without a DOM parser (workerd has none). Pure functions.
 * S3's documents are flat and machine-written: elements hold text or other elements, never CDATA.
 */

const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes XML character and entity references in one pass (so `&amp;lt;` stays `&lt;`). */
export function decodeXml(text: string): string {
  return text.replace(ENTITY, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name] ?? whole;
    const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    if (!Number.isInteger(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
    return String.fromCodePoint(code);
  });
}

/** Escapes text for an XML element's content. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
}

/** Whether XML 1.0 can carry this text at all (no C0 controls but tab/CR/LF, no U+FFFE/U+FFFF). */
export function isXmlSafe(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding the characters XML cannot carry is its purpose.
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(text);
}

/** The text of the first `<name>` directly in `xml`, decoded; undefined when there is none. */
export function elementText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decodeXml(match[1]);
}

/** Every `<name>…</name>` block's inner XML, in document order. */
export function elementBlocks(xml: string, name: string): string[] {
  const blocks: string[] = [];
  const pattern = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g");
  for (let match = pattern.exec(xml); match !== null; match = pattern.exec(xml)) blocks.push(match[1] ?? "");
  return blocks;
}

/** The `<Code>` of an S3 error document (for logs and the few codes that matter); undefined when there is none. */
export function errorCode(xml: string): string | undefined {
  const code = elementText(xml, "Code");
  return code !== undefined && code.length > 0 && code.length <= 100 ? code : undefined;
}

/**
 * What a CopyObject answer says: CopyObject can answer 200 with an `<Error>` in its body, so a 2xx
 * is read for one. `etag` is the copy's ETag as the store wrote it (undefined when it gave none).
 */
export function parseCopyResult(xml: string): { ok: true; etag: string | undefined } | { ok: false; code: string | undefined } {
  if (/<Error>/.test(xml)) return { ok: false, code: errorCode(xml) };
  return { ok: true, etag: elementText(xml, "ETag") };
}

/** Reads a ListObjectsV2 answer (`<ListBucketResult>`); throws on anything it cannot read. */
export function parseListResult(xml: string): ListPage {
  if (!/<ListBucketResult[\s>]/.test(xml)) throw new Error("not a ListBucketResult");
  const objects: ListedObject[] = [];
  for (const block of elementBlocks(xml, "Contents")) {
    const key = elementText(block, "Key");
    const size = Number(elementText(block, "Size"));
    const lastModified = Date.parse(elementText(block, "LastModified") ?? "");
    if (key === undefined || !Number.isSafeInteger(size) || size < 0) throw new Error("a listed object without a key or size");
    objects.push({ key, size, lastModified: Number.isNaN(lastModified) ? 0 : lastModified, etag: elementText(block, "ETag") ?? "" });
  }
  // <IsTruncated> of the whole result: the last one, after every <Contents>.
  const truncated = /<IsTruncated>\s*true\s*<\/IsTruncated>/i.test(xml);
  return { objects, truncated };
}

/** The per-key failures of a DeleteObjects answer (`<DeleteResult>`); throws if it is not one. */
export function parseDeleteResult(xml: string): DeleteFailure[] {
  if (!/<DeleteResult[\s>/]/.test(xml)) throw new Error("not a DeleteResult");
  return elementBlocks(xml, "Error").map((block) => ({ key: elementText(block, "Key") ?? "", code: elementText(block, "Code") ?? "" }));
}

/** The body of a quiet DeleteObjects request. */
export function deleteRequestXml(entries: readonly DeleteEntry[]): string {
  const objects = entries
    .map((entry) => `<Object><Key>${escapeXml(entry.key)}</Key>${entry.etag ? `<ETag>${escapeXml(entry.etag)}</ETag>` : ""}</Object>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${objects}</Delete>`;
}
