/**
 * API.md's rules for namespaces and keys, written once: the Worker refuses with them (as `400
 * bad_request`, src/items/names.ts) and the client refuses with them before any request leaves, with the
 * same message. Pure, web-standard code only: this file is part of the client package.
 */

/** 1–64 characters of a-z 0-9 _ -, starting with a letter or digit. */
export const NAMESPACE_PATTERN = "^[a-z0-9][a-z0-9_-]{0,63}$";
/** Longest key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 512;

const NAMESPACE = new RegExp(NAMESPACE_PATTERN);
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a namespace is invalid, or null when it is valid. */
export function namespaceProblem(namespace: string): string | null {
  return NAMESPACE.test(namespace) ? null : "invalid namespace: 1-64 characters of a-z 0-9 _ -, starting with a letter or digit";
}

/**
 * Why a key (already decoded) is invalid, or null when it is valid. `.` and `..` segments and empty
 * segments are refused: URL parsers resolve or merge them, so such a key would address another item.
 */
export function keyProblem(key: string): string | null {
  if (key.length === 0) return "invalid key: empty";
  if (utf8Length(key) > MAX_KEY_BYTES) return `invalid key: longer than ${MAX_KEY_BYTES} bytes of UTF-8`;
  if (hasControlCharacter(key)) return "invalid key: contains a control character";
  if (hasLoneSurrogate(key)) return "invalid key: not valid UTF-8";
  for (const segment of key.split("/")) {
    if (segment === "") return "invalid key: empty path segment";
    if (segment === "." || segment === "..") return "invalid key: '.' and '..' segments are not allowed";
  }
  return null;
}

/** Whether `text` holds a control character (U+0000–U+001F, U+007F): refused anywhere in a key or prefix. */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Bytes of `text` in UTF-8, as TextEncoder writes it (a lone surrogate as U+FFFD, 3 bytes), counted
 * without encoding it: the Worker checks every request's key. Pure.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Whether `text` holds half of a surrogate pair without the other half: no UTF-8 can say it. Pure. */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (isHighSurrogate(unit) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) i++;
    else if (isHighSurrogate(unit) || isLowSurrogate(unit)) return true;
  }
  return false;
}
