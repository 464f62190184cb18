import { ApiError } from "../http/errors";

/**
 * An item's tags (`X-Tags`) and its user metadata (`X-Meta`): what a write may carry, checked before
 * any storage call, and how they are kept in the object's user metadata. Pure.
 */

/** Tags on one item, at most. */
export const MAX_TAGS = 16;
/** Bytes of one tag, at most. */
export const MAX_TAG_BYTES = 128;
/** Bytes of an item's metadata (its JSON text), at most: as Workers KV allows. */
export const MAX_META_BYTES = 1024;

/** A tag: printable ASCII other than `,` (the list separator) and space. */
export const TAG_PATTERN = "^[\\x21-\\x2b\\x2d-\\x7e]{1,128}$";
const TAG = new RegExp(TAG_PATTERN);

/** Why a tag is refused, or null when it is a valid one. Pure. */
export function tagProblem(tag: string): string | null {
  return TAG.test(tag) ? null : `a tag is 1–${MAX_TAG_BYTES} bytes of printable ASCII other than ',' and space`;
}

/**
 * A list of tags, each once, in the order given; `where` names the header or field in the 400.
 * Empty: no tags.
 */
export function validateTags(tags: readonly string[], where: string): string[] {
  const unique = [...new Set(tags)];
  if (unique.length > MAX_TAGS) throw new ApiError("bad_request", `invalid ${where}: at most ${MAX_TAGS} tags`);
  for (const tag of unique) {
    const problem = tagProblem(tag);
    if (problem) throw new ApiError("bad_request", `invalid ${where}: ${problem}`);
  }
  return unique;
}

/** `X-Tags: a, b`: comma-separated, spaces around each tag ignored; absent → no tags. Pure. */
export function parseTagsHeader(raw: string | undefined | null): string[] {
  if (raw === undefined || raw === null) return [];
  const tags = raw.split(",").map((tag) => tag.trim());
  return validateTags(tags, "X-Tags header");
}

/**
 * `X-Meta`: a JSON object of at most MAX_META_BYTES of ASCII (other characters `\u`-escaped), kept
 * and answered exactly as sent; absent → none. Pure.
 */
export function validateMeta(raw: string | undefined | null, where = "X-Meta header"): string | null {
  if (raw === undefined || raw === null) return null;
  if (raw.length > MAX_META_BYTES) throw new ApiError("bad_request", `invalid ${where}: at most ${MAX_META_BYTES} bytes`);
  // Printable ASCII only: what S3 user metadata keeps as it is (JSON escapes everything else as \uXXXX).
  if (!/^[\x20-\x7e]*$/.test(raw)) throw new ApiError("bad_request", `invalid ${where}: ASCII only (escape other characters as \\uXXXX)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError("bad_request", `invalid ${where}: not JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ApiError("bad_request", `invalid ${where}: a JSON object`);
  return raw;
}

/** A JSON value's text with every character outside ASCII `\u`-escaped (as X-Meta carries it). Pure. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** User metadata header holding the tags, comma-separated; absent means none. */
export const TAGS_HEADER = "x-amz-meta-cc-tags";
/** User metadata header holding the item's metadata (JSON text, percent-escaped: see `encodeMetaValue`). */
export const META_HEADER = "x-amz-meta-cc-meta";
/** User metadata header holding when a tagged item was written (unix ms): what its tags' invalidations are compared with. */
export const WRITTEN_HEADER = "x-amz-meta-cc-written";

/**
 * The metadata as stored: `%` and space percent-encoded, because signers and stores may fold runs of
 * spaces in a header value, and the metadata must come back byte for byte. Pure.
 */
export function encodeMetaValue(meta: string): string {
  return meta.replace(/[% ]/g, (c) => (c === "%" ? "%25" : "%20"));
}

/** The inverse of `encodeMetaValue`; null for a value this Worker did not write. Pure. */
export function decodeMetaValue(raw: string | null): string | null {
  if (raw === null) return null;
  return raw.replace(/%(25|20)/g, (_, hex: string) => (hex === "25" ? "%" : " "));
}

/** Tags as stored, back as a list (a value this Worker did not write yields no valid tags, dropped). Pure. */
export function decodeTags(raw: string | null): string[] {
  if (raw === null || raw === "") return [];
  return raw.split(",").filter((tag) => tagProblem(tag) === null);
}

/** The write time as stored; null when absent or not one this Worker wrote. Pure. */
export function decodeWrittenAt(raw: string | null): number | null {
  return raw !== null && /^\d{1,16}$/.test(raw) ? Number(raw) : null;
}
