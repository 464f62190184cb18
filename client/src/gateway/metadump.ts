// `lru_crawler metadump`: memcached's listing of item metadata, one `key=value …` line per item,
// made here from the Worker's key listing (the gateway keeps no items of its own). Pure.

import { DUMP_CLASS, SLAB_CLASSES } from "./stats.js";

/** What a `lru_crawler metadump <classes>` asks: every listed key, nothing (a class the gateway has no items in), or memcached's refusal. */
export type MetadumpScope = { kind: "all" } | { kind: "none" } | { kind: "badClass" };

/**
 * The scope of `lru_crawler metadump <classes>`: `all` and `hash` (memcached's walk of its hash
 * table) list everything, as does a list of class ids naming the one class the gateway reports its
 * items in; other valid ids list nothing; anything else is memcached's BADCLASS. Pure.
 */
export function metadumpScope(classes: string): MetadumpScope {
  if (classes === "all" || classes === "hash") return { kind: "all" };
  const ids = classes.split(",");
  let named = false;
  for (const id of ids) {
    if (!/^[0-9]{1,3}$/.test(id) || Number(id) >= SLAB_CLASSES) return { kind: "badClass" };
    if (Number(id) === DUMP_CLASS) named = true;
  }
  return named ? { kind: "all" } : { kind: "none" };
}

/** memcached's `uriencode`: every byte of the key but A–Z, a–z, 0–9 and `-._~` as `%XX` (upper case). Pure. */
export function uriEncodeKey(key: string): string {
  let out = "";
  for (const byte of Buffer.from(key, "utf8")) {
    const unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
    out += unreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** One listed key, as the Worker's listing gives it (`lastModified` in unix seconds). */
export interface ListedKey {
  key: string;
  size: number;
  lastModified: string | number;
}

/**
 * One item's line, in memcached's format and order (`key exp la cas fetch cls size`, a bare LF as
 * memcached ends them). The listing tells neither the expiry nor a CAS value nor whether the item
 * was read: `exp=-1` (as memcached says for no expiry), `cas=0`, `fetch=no`; `la` is the item's
 * last write, the last access the gateway can know. Pure.
 */
export function metadumpLine(item: ListedKey): string {
  const written = Math.max(0, Math.floor(Number(item.lastModified)) || 0);
  return `key=${uriEncodeKey(item.key)} exp=-1 la=${written} cas=0 fetch=no cls=${DUMP_CLASS} size=${item.size}\n`;
}
