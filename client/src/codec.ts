// How a value's type survives the trip: by the Content-Type it is stored with (API.md, "An item").

import { base64ToBytes, bytesToBase64 } from "./base64.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a read gives back: a string (text/*), a JSON value (application/json, +json) or bytes (anything else). */
export type CachedValue = JsonValue | Uint8Array;

/**
 * What may be stored: a string, a number, a boolean, null, a JSON-serialisable object or array,
 * bytes (Uint8Array, any ArrayBufferView, ArrayBuffer), or, streamed, a Blob or a ReadableStream.
 */
export type Storable = string | number | boolean | null | object;

export const TEXT = "text/plain; charset=utf-8";
export const JSON_TYPE = "application/json";
export const BYTES = "application/octet-stream";

/** A value made ready for a request body. */
export interface EncodedValue {
  body: string | Uint8Array | Blob | ReadableStream<Uint8Array>;
  contentType: string;
  /** Byte length when it must be declared (a stream); other bodies' lengths are known to fetch. */
  size?: number;
  /** Whether the body can be sent again (false for a stream). */
  replayable: boolean;
}

export interface EncodeOptions {
  /** Overrides the content type (e.g. `text/html` for a string, `image/png` for bytes). */
  contentType?: string | undefined;
  /** The byte length of a ReadableStream value: required to stream it. */
  size?: number | undefined;
}

function isReadableStream(value: object): value is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== "undefined" && value instanceof ReadableStream;
}

function isBlob(value: object): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

function viewBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** JSON text of a value, or a TypeError for what JSON cannot hold without changing it. */
export function toJson(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError(`cannot store ${value}: JSON has no such number`);
  if (value instanceof Map || value instanceof Set) throw new TypeError("cannot store a Map or Set: convert it to an object or array first");
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`cannot store this value as JSON: ${(err as Error).message}`);
  }
  if (text === undefined) throw new TypeError(`cannot store ${typeof value} as a value`);
  return text;
}

export function encodeValue(value: Storable, options: EncodeOptions = {}): EncodedValue {
  const override = options.contentType;
  if (value === undefined) throw new TypeError("cannot store undefined (use null, or delete the key)");
  if (typeof value === "string") return { body: value, contentType: override ?? TEXT, replayable: true };
  if (typeof value === "object" && value !== null) {
    if (value instanceof Uint8Array) return { body: value, contentType: override ?? BYTES, replayable: true };
    if (value instanceof ArrayBuffer) return { body: new Uint8Array(value), contentType: override ?? BYTES, replayable: true };
    if (ArrayBuffer.isView(value)) return { body: viewBytes(value), contentType: override ?? BYTES, replayable: true };
    if (isBlob(value)) return { body: value, contentType: override ?? (value.type || BYTES), replayable: true };
    if (isReadableStream(value)) {
      const size = options.size;
      if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
        throw new TypeError("a ReadableStream value needs its byte length: pass { size } (or pass a Blob)");
      }
      return { body: value, contentType: override ?? BYTES, size, replayable: false };
    }
  }
  return { body: toJson(value), contentType: override ?? JSON_TYPE, replayable: true };
}

/** The media type of a Content-Type, lower-cased, without parameters. */
export function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export type ValueKind = "json" | "text" | "bytes";

export function kindOf(contentType: string | null | undefined): ValueKind {
  const type = mediaType(contentType);
  if (type === "application/json" || type.endsWith("+json")) return "json";
  if (type.startsWith("text/")) return "text";
  return "bytes";
}

/** The charset parameter of a Content-Type, if any. */
function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1];
}

function decodeText(bytes: Uint8Array, contentType: string): string {
  const charset = charsetOf(contentType);
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      // An unknown label: fall through to UTF-8.
    }
  }
  return new TextDecoder().decode(bytes);
}

/** Restores a value from its stored bytes and content type. */
export function decodeValue(bytes: Uint8Array, contentType: string | null | undefined): CachedValue {
  const type = contentType ?? BYTES;
  switch (kindOf(type)) {
    case "json":
      return JSON.parse(new TextDecoder().decode(bytes)) as JsonValue;
    case "text":
      return decodeText(bytes, type);
    default:
      return bytes;
  }
}

/** A value as a batch `set` entry carries it (API.md, Batch). */
export interface BatchValue {
  value: string;
  encoding?: "utf8" | "base64" | undefined;
  contentType: string;
}

export function encodeBatchValue(value: Storable, contentType?: string): BatchValue {
  const encoded = encodeValue(value, contentType === undefined ? {} : { contentType });
  const body = encoded.body;
  if (typeof body === "string") return { value: body, contentType: encoded.contentType };
  if (body instanceof Uint8Array) return { value: bytesToBase64(body), encoding: "base64", contentType: encoded.contentType };
  throw new TypeError("a batch cannot carry a Blob or a stream: use put/set for it");
}

/** A value as a batch `get` answer carries it. */
export function decodeBatchValue(value: string, encoding: string | undefined, contentType: string | undefined): CachedValue {
  const type = contentType ?? BYTES;
  if (encoding === "base64") return decodeValue(base64ToBytes(value), type);
  switch (kindOf(type)) {
    case "json":
      return JSON.parse(value) as JsonValue;
    case "text":
      return value;
    default:
      return new TextEncoder().encode(value);
  }
}
