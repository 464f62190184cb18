import { NONCE_BYTES, quoteEtag } from "../object-format";
import { firstBytes } from "../streams";
import type { Transport } from "./transport";

/**
 * Did a write land? When a PUT fails ambiguously — storage answered 5xx, the connection dropped,
 * the answer came too late — the write may or may not be stored. Every object starts with a random
 * nonce, and a single-part object's ETag is the MD5 of its bytes on S3, R2, MinIO, Ceph RGW and
 * the embedded store: so the Worker knows the ETag its own write would have, and one HEAD tells
 * whether the object now is that write. Nothing else could have produced that ETag. A streamed
 * value is not hashed on its way out (that would pass every chunk through JavaScript): its nonce
 * tells it apart instead, read back with a 16-byte Range GET.
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

/** What one write turns out to be; a landed write has the ETag storage gave it. */
export type WriteLanded = { landed: true; etag: string } | { landed: false };

/**
 * Whether the object at `key` now is the write whose ETag (or, for a streamed value, whose nonce)
 * is `ours`; throws when storage cannot tell.
 */
export async function resolveAmbiguousWrite(transport: Transport, key: string, ours: string | Uint8Array): Promise<WriteLanded> {
  if (ours instanceof Uint8Array) return resolveByNonce(transport, key, ours);
  const response = await transport.callObject("HEAD", key, { method: "HEAD" }, { idempotent: true });
  if (response.status !== 404 && !response.ok) return transport.fail("HEAD", response);
  const stored = response.status === 404 ? null : quoteEtag(response.headers.get("etag") ?? "");
  return ambiguousWriteOutcome(ours, stored) === "landed" ? { landed: true, etag: ours } : { landed: false };
}

/**
 * A streamed write landed when the object now starts with its nonce: 16 random bytes no other
 * write has. A partial upload cannot land (its length is fixed), so no hash of the value is needed.
 */
async function resolveByNonce(transport: Transport, key: string, nonce: Uint8Array): Promise<WriteLanded> {
  const response = await transport.callObject("GET", key, { headers: { range: `bytes=0-${NONCE_BYTES - 1}` } }, { idempotent: true });
  if (response.status === 404 || response.status === 416) {
    await response.body?.cancel();
    return { landed: false };
  }
  if (response.status !== 206 && response.status !== 200) return transport.fail("GET", response);
  const stored = await firstBytes(response.body, NONCE_BYTES);
  const etag = response.headers.get("etag");
  const same = stored.byteLength === NONCE_BYTES && stored.every((byte, i) => byte === nonce[i]);
  return same && etag ? { landed: true, etag: quoteEtag(etag) } : { landed: false };
}
