// Keys of another library's key space (Keyv's, unstorage's) as CloudCached keys. Those libraries
// accept any string; CloudCached refuses a few (API.md, Names): `/`-segments that are empty, `.` or
// `..`, and control characters. Escaping `%`, `/`, control characters and a leading `.` as `%XX`
// maps every key to a valid one and back (no two keys meet), and keeps a prefix a prefix, so a
// listing by prefix still finds them. Pure functions.

// With `/` escaped the whole key is one segment, so a leading `.` is all a `.` or `..` segment needs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
const ESCAPED = /^\.|[%/\u0000-\u001f\u007f]/g;

function escapeChar(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

/** The stored form of a key, or of a key's beginning (escaping a prefix gives the escaped keys' prefix). */
export function escapeKey(key: string): string {
  return key.replace(ESCAPED, escapeChar);
}

/** The key a stored key stands for (the inverse of `escapeKey`). */
export function unescapeKey(stored: string): string {
  return stored.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
