/**
 * Did a write land? When a PUT fails ambiguously — storage answered 5xx, the connection dropped,
 * the answer came too late — the write may or may not be stored. Every object starts with a random
 * nonce, and a single-part object's ETag is the MD5 of its bytes on S3, R2, MinIO, Ceph RGW and
 * the embedded store: so the Worker knows the ETag its own write would have, and one HEAD tells
 * whether the object now is that write. Nothing else could have produced that ETag.
 *
 * Measured on Ceph RGW 16: concurrent conditional PUTs of one key make it answer
 * `500 UnknownError` to the losers (where AWS answers 409 ConditionalRequestConflict), and a
 * counter retried blindly after such an answer could count twice. Resolved this way, it cannot.
 */

/** The ETag a single-part upload of `bytes` gets: its MD5, quoted. */
export async function uploadEtag(bytes: Uint8Array): Promise<string> {
  return etagOfDigest(await crypto.subtle.digest("MD5", bytes));
}

/** An MD5 digest as a quoted ETag. Pure. */
export function etagOfDigest(digest: ArrayBuffer): string {
  return `"${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

/**
 * What an ambiguous write turned out to be, from the ETag stored now (null: no object). `landed`:
 * it is stored; `lost`: it is not, and it can be sent again without writing twice. Pure.
 */
export function ambiguousWriteOutcome(ourEtag: string, storedEtag: string | null): "landed" | "lost" {
  return storedEtag === ourEtag ? "landed" : "lost";
}
