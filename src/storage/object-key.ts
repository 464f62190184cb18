/**
 * Where an item lives in the bucket: `<prefix><namespace>/<generation>/<key>`. The generation is
 * the namespace's flush counter, so a flush only has to change it.
 */
export function objectKey(prefix: string, namespace: string, generation: number, key: string): string {
  return `${prefix}${namespace}/${generation}/${key}`;
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
