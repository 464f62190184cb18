import { quoteEtag, readHead, type StoredHead } from "../object-format";

/**
 * Objects through an R2 binding, in the same format as through the S3 API: an S3 user-metadata
 * header `x-amz-meta-<name>` is the binding's custom metadata `<name>` (R2 maps one to the other),
 * so one bucket reads the same both ways. Pure.
 */

const USER_METADATA = "x-amz-meta-";

/** The binding's custom metadata for the S3 user-metadata headers among `headers`. Pure. */
export function customMetadataOf(headers: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(USER_METADATA)) metadata[name.slice(USER_METADATA.length)] = value;
  }
  return metadata;
}

/** What an object says of itself, as the binding describes it (its metadata and its size with the nonce). */
export interface R2ObjectFacts {
  etag: string;
  size: number;
  httpMetadata?: { contentType?: string };
  customMetadata?: Record<string, string>;
}

/**
 * An object's facts as the binding gives them, read by the S3 way's own reader (object-format.ts)
 * from the headers an S3 answer would carry: one reading of the metadata for both ways. Pure.
 */
export function headOfR2Object(object: R2ObjectFacts): StoredHead {
  const headers = new Headers({ etag: object.etag });
  if (object.httpMetadata?.contentType) headers.set("content-type", object.httpMetadata.contentType);
  for (const [name, value] of Object.entries(object.customMetadata ?? {})) headers.set(`${USER_METADATA}${name}`, value);
  return readHead(headers, object.size);
}

/** The binding's `onlyIf` for a write condition on a quoted ETag (`If-Match` / `If-None-Match: *`). Pure. */
export function onlyIfHeaders(condition: { kind: "none" } | { kind: "absent" } | { kind: "match"; etag: string }): Headers | undefined {
  switch (condition.kind) {
    case "none":
      return undefined;
    case "absent":
      return new Headers({ "if-none-match": "*" });
    case "match":
      return new Headers({ "if-match": quoteEtag(condition.etag) });
  }
}
