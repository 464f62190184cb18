/**
 * Where an item lives in the bucket: `<prefix><namespace>/<generation>/<key>`. The generation is
 * the namespace's flush counter, so a flush only has to change it.
 */
export function objectKey(prefix: string, namespace: string, generation: number, key: string): string {
  return `${prefix}${namespace}/${generation}/${storedKeyName(key)}`;
}

/** The folder of every lease under the deployment's prefix. */
export const LEASES_FOLDER = ".leases/";

/**
 * Where an item's lease lives: `<prefix>.leases/<namespace>/<generation>/<key>`, apart from the
 * items (a key listing never shows it) and under the generation (a flush leaves its leases behind,
 * for the sweep).
 */
export function leaseObjectKey(prefix: string, namespace: string, generation: number, key: string): string {
  return `${prefix}${LEASES_FOLDER}${namespace}/${generation}/${storedKeyName(key)}`;
}

const LINE_SEPARATORS = /[\u2028\u2029]/g;
const ESCAPED_SEPARATORS = /\u007f[LP]/g;

/**
 * Line separators in the key are stored as DEL (U+007F) + `L` (U+2028) or + `P` (U+2029): the
 * embedded store's S3 endpoint (Miniflare's local R2) matches object paths with a regular expression
 * whose `.` stops at line terminators, so it answers 404 for any object named with one. DEL never
 * occurs in a valid key, so this naming is one-to-one and leaves every other key as it was (objects
 * written before keep their names); it maps prefixes to prefixes (a listing by prefix still works)
 * and never makes a name longer. Pure.
 */
export function storedKeyName(key: string): string {
  return key.replace(LINE_SEPARATORS, (c) => (c === "\u2028" ? "\u007fL" : "\u007fP"));
}

/** The item key an object's stored name stands for (the inverse of `storedKeyName`). Pure. */
export function keyOfStoredName(name: string): string {
  return name.replace(ESCAPED_SEPARATORS, (escaped) => (escaped === "\u007fL" ? "\u2028" : "\u2029"));
}

/**
 * Percent-encodes an object key for a path-style URL, segment by segment. `encodeURIComponent`
 * leaves `!'()*` alone, and aws4fetch would sign a raw `+` as a space: both are encoded, so the
 * signature every SigV4 server computes matches ours.
 */
export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeSegment).join("/");
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function objectUrl(endpoint: string, bucket: string, key: string): string {
  return `${endpoint}/${encodeSegment(bucket)}/${encodeKeyPath(key)}`;
}

/** The `x-amz-copy-source` of a copy from `key` in `bucket`. */
export function copySource(bucket: string, key: string): string {
  return `/${encodeURIComponent(bucket)}/${encodeKeyPath(key)}`;
}

/** A query string exactly as SigV4 canonicalizes it (RFC 3986 encoding, sorted): what is sent is what is signed. */
export function encodeQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${encodeSegment(name)}=${encodeSegment(params[name] ?? "")}`)
    .join("&");
}
