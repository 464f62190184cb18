import { ApiError } from "../http/errors";
import { hasControlCharacter, MAX_KEY_BYTES, utf8Length } from "../items/names";
import { keyOfStoredName, objectKey } from "../storage/object-key";
import { NONCE_BYTES, type Storage } from "../storage/storage";
import { cursorParam, DEFAULT_LIST_LIMIT, limitParam, MAX_LIST_LIMIT, readInteger } from "../http/schema";

const CURSOR = new RegExp(cursorParam.schema.pattern ?? "");

/** `GET /v1/{ns}/keys`: the keys of a namespace's current generation, from a storage listing. */

export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT };

export interface ListedKey {
  key: string;
  /** Bytes of the value. */
  size: number;
  /** Unix seconds of the last write. */
  lastModified: number;
}

export interface KeyPage {
  keys: ListedKey[];
  cursor: string | null;
}

/** `limit`: 1 … 1000, default 100. Pure. */
export function parseLimit(raw: string | undefined): number {
  return readInteger(limitParam, raw) ?? DEFAULT_LIST_LIMIT;
}

/** `prefix`: any text a key could start with (no control characters, at most 512 bytes). Pure. */
export function parsePrefix(raw: string | undefined): string {
  if (raw === undefined) return "";
  if (hasControlCharacter(raw)) throw new ApiError("bad_request", "invalid prefix: contains a control character");
  if (/[\ud800-\udfff]/.test(raw.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) throw new ApiError("bad_request", "invalid prefix: not valid UTF-8");
  if (utf8Length(raw) > MAX_KEY_BYTES) throw new ApiError("bad_request", `invalid prefix: longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  return raw;
}

const CURSOR_VERSION = 1;

/** The opaque cursor: the last key a page listed (listing resumes after it), base64url JSON. Pure. */
export function encodeCursor(afterKey: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: CURSOR_VERSION, after: afterKey }));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The key a cursor resumes after, or 400. Pure. */
export function decodeCursor(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const invalid = () => new ApiError("bad_request", "invalid cursor: pass back a cursor this endpoint gave");
  if (!CURSOR.test(raw)) throw invalid();
  let parsed: unknown;
  try {
    const binary = atob(raw.replace(/-/g, "+").replace(/_/g, "/"));
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    parsed = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null) throw invalid();
  const { v, after } = parsed as { v?: unknown; after?: unknown };
  if (v !== CURSOR_VERSION || typeof after !== "string" || after === "" || utf8Length(after) > MAX_KEY_BYTES) throw invalid();
  return after;
}

/**
 * One page of keys. Tombstones (0-byte objects: shorter than a nonce) are left out, so a page may
 * hold fewer than `limit` keys while a cursor still follows; only a null cursor means the end.
 */
export async function listKeys(
  storage: Storage,
  options: { prefix: string; namespace: string; generation: number; keyPrefix: string; limit: number; after: string | null },
): Promise<KeyPage> {
  const at = (key: string) => objectKey(options.prefix, options.namespace, options.generation, key);
  const base = at("");
  const page = await storage.list({
    prefix: at(options.keyPrefix),
    maxKeys: options.limit,
    ...(options.after === null ? {} : { startAfter: at(options.after) }),
  });
  const keys: ListedKey[] = [];
  let last: string | null = null;
  for (const object of page.objects) {
    if (!object.key.startsWith(base)) continue;
    last = keyOfStoredName(object.key.slice(base.length));
    if (object.size < NONCE_BYTES) continue;
    keys.push({ key: last, size: object.size - NONCE_BYTES, lastModified: Math.floor(object.lastModified / 1000) });
  }
  return { keys, cursor: page.truncated && last !== null ? encodeCursor(last) : null };
}
