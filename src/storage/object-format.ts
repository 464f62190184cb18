import { ApiError } from "../http/errors";
import { decodeMetaValue, decodeTags, decodeWrittenAt, META_HEADER, TAGS_HEADER, WRITTEN_HEADER } from "../items/labels";
import { decodeExpiry, decodeGrace, encodeItemMetadata, EXPIRES_HEADER, GRACE_HEADER, MAX_USER_METADATA_BYTES, TOMBSTONE_HEADER, userMetadataBytes, type ItemMeta } from "../items/item";

/**
 * What an item's object looks like in the bucket, and how its facts are read back from an answer's
 * headers. Pure.
 */

/**
 * Every stored object starts with 16 random bytes before the value. S3 ETags are the MD5 of the
 * bytes, so without them writing the same value twice would give the same ETag, and a
 * compare-and-swap or an add over an expired item could be won twice (ABA). With them, every write
 * has its own ETag. Reads skip them with a Range request.
 */
export const NONCE_BYTES = 16;

export interface StoredHead {
  /** The object's ETag as the store gives it (quoted): the item's ETag. */
  etag: string;
  /** Bytes of the value (without the nonce). */
  size: number;
  meta: ItemMeta;
  /** An emptied, expired object left by a conditional delete. */
  tombstone: boolean;
}

export interface StoredObject extends StoredHead {
  body: ReadableStream<Uint8Array>;
}

/** ETags are strong and quoted in the API, whatever quoting a store uses. */
export function quoteEtag(etag: string): string {
  const bare = etag.replace(/^W\//, "").replace(/^"|"$/g, "");
  return `"${bare}"`;
}

/** An object's facts from a HEAD's or GET's headers; `objectSize` counts the nonce. */
export function readHead(headers: Headers, objectSize: number): StoredHead {
  return {
    etag: quoteEtag(headers.get("etag") ?? ""),
    size: Math.max(0, objectSize - NONCE_BYTES),
    meta: {
      contentType: headers.get("content-type") ?? "application/octet-stream",
      expiresAt: decodeExpiry(headers.get(EXPIRES_HEADER)),
      grace: decodeGrace(headers.get(GRACE_HEADER)),
      ...labelsOf(headers),
    },
    tombstone: headers.get(TOMBSTONE_HEADER) === "1",
  };
}

/** An object's tags, write time and user metadata, each only when it has one. */
function labelsOf(headers: Headers): Pick<ItemMeta, "tags" | "userMeta" | "writtenAt"> {
  const labels: Pick<ItemMeta, "tags" | "userMeta" | "writtenAt"> = {};
  const tags = decodeTags(headers.get(TAGS_HEADER));
  if (tags.length > 0) labels.tags = tags;
  const writtenAt = decodeWrittenAt(headers.get(WRITTEN_HEADER));
  if (writtenAt !== null) labels.writtenAt = writtenAt;
  const userMeta = decodeMetaValue(headers.get(META_HEADER));
  if (userMeta !== null) labels.userMeta = userMeta;
  return labels;
}

/** An item's metadata (expiry, grace, tags, write time, user metadata) as S3 user-metadata headers (the binding's custom metadata): what both ways write. Pure. */
export function itemMetadata(meta: ItemMeta): Record<string, string> {
  return encodeItemMetadata(meta);
}

/** Refuses a write whose metadata headers S3 would refuse (2 KB of user metadata). */
export function checkMetadata(headers: Record<string, string>): void {
  if (userMetadataBytes(headers) > MAX_USER_METADATA_BYTES) {
    throw new ApiError("bad_request", "item metadata exceeds the 2 KB that S3 allows");
  }
}
