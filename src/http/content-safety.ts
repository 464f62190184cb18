import type { MiddlewareHandler } from "hono";
import { remember } from "../platform/bounded-memory";
import type { AppEnv } from "./http";
import { essence, extractMimeType, splitHeaderValues } from "./mime-type";

/**
 * What stops a stored value from running as a page on the API's own origin (anyone who may write to
 * a public-read namespace could otherwise publish a script every visitor of its URL runs):
 * - `nosniff`: a browser takes the stored Content-Type as given, never guesses HTML from the bytes;
 * - a CSP `sandbox` with nothing allowed: whatever a browser renders runs no script, in an opaque
 *   origin, and loads nothing (inline styles stay allowed, for a browser's own image and text views);
 * - `Content-Disposition: attachment` for every type a browser would render actively (HTML, SVG,
 *   XML, PDF, …): such a value is downloaded, never shown, when its URL is opened.
 * The stored Content-Type itself is always sent as written, so clients restore the value's type.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/**
 * Types a browser shows passively when their URL is opened: text, JSON, raster images, audio and
 * video. Anything else, unknown types included, is downloaded instead.
 */
const PASSIVE_TYPES = new Set(["text/plain", "text/csv", "application/json"]);
const PASSIVE_FAMILIES = new Set(["image", "audio", "video"]);

/**
 * Whether a response with this Content-Type must be sent as an attachment: true for every type not
 * known to be passive (`text/html`, `image/svg+xml`, `application/xml`, `application/pdf`, …, and an
 * unreadable type). The type judged is the one a browser uses (mime-type.ts: a comma starts another
 * type, and the last valid one wins), and a value that holds a list is downloaded whatever it holds,
 * so no part of it can be shown as something other than what was judged. Parameters and case do not
 * matter. Pure.
 */
export function mustDownload(contentType: string): boolean {
  if (contentType.length > MAX_REMEMBERED_TYPE_LENGTH) return judgeDownload(contentType);
  let verdict = verdicts.get(contentType);
  if (verdict === undefined) {
    verdict = judgeDownload(contentType);
    // Few distinct types reach an isolate: each is parsed once (the map is emptied if it fills).
    remember(verdicts, MAX_VERDICTS, contentType, verdict);
  }
  return verdict;
}

const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 256;
const MAX_REMEMBERED_TYPE_LENGTH = 200;

function judgeDownload(contentType: string): boolean {
  if (splitHeaderValues(contentType).length !== 1) return true;
  const mime = extractMimeType(contentType);
  if (mime === null) return true;
  const { type: family, subtype } = mime;
  // XML of any kind may carry script (SVG, XHTML) or a stylesheet that makes HTML of it.
  if (subtype.includes("xml") || subtype.includes("svg") || subtype.includes("html")) return true;
  if (PASSIVE_TYPES.has(essence(mime)) || subtype.endsWith("+json")) return false;
  return !PASSIVE_FAMILIES.has(family);
}

/**
 * Sets the headers above on every answer of the API (items from any tier, 304s, listings, batches
 * and errors alike); `attachment` on any answer whose Content-Type is not passive.
 */
export function contentSafety(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    let headers = c.res.headers;
    try {
      headers.set("x-content-type-options", "nosniff");
    } catch {
      // Headers of a response taken as it came (a fetch, a cache match) are immutable: copy it.
      c.res = new Response(c.res.body, c.res);
      headers = c.res.headers;
      headers.set("x-content-type-options", "nosniff");
    }
    // The console's pages (routes/console.ts) run their own script under their own strict policy;
    // only the Worker's code sets it, never a stored value.
    const pagePolicy = c.get("pagePolicy");
    if (pagePolicy !== undefined && c.res.status === 200) {
      headers.set("content-security-policy", pagePolicy);
      return;
    }
    headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
    const contentType = headers.get("content-type");
    if (contentType !== null && mustDownload(contentType)) headers.set("content-disposition", "attachment");
  };
}
