/**
 * A `Content-Type` header read as a browser reads it: the Fetch standard's "extract a MIME type"
 * (https://fetch.spec.whatwg.org/#concept-header-extract-mime-type) over MIME Sniffing's "parse a
 * MIME type" (https://mimesniff.spec.whatwg.org/#parse-a-mime-type). A header value is a list: a
 * comma outside a quoted string starts another type, and the last one that parses wins — so
 * `text/plain;,text/html` is HTML to a browser, whatever its first type says. Pure.
 */

export interface MimeType {
  type: string;
  subtype: string;
  /** Lower-case names, in order; the first of a repeated name wins. */
  parameters: Map<string, string>;
}

const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const HTTP_TAB_OR_SPACE = /^[\t ]+|[\t ]+$/g;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const QUOTED_STRING_TOKEN = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;

/** `type/subtype`, lower case. */
export function essence(mime: MimeType): string {
  return `${mime.type}/${mime.subtype}`;
}

/**
 * Collects an HTTP quoted string starting at `position` (a `"`): its value (escapes resolved) and
 * its raw text (quotes and backslashes kept), up to the closing quote or the end of the input.
 */
function quotedString(input: string, start: number): { value: string; raw: string; end: number } {
  let value = "";
  let position = start + 1;
  while (position < input.length) {
    const char = input[position] as string;
    position += 1;
    if (char === "\\") {
      if (position >= input.length) {
        value += "\\";
        break;
      }
      value += input[position];
      position += 1;
    } else if (char === '"') {
      break;
    } else {
      value += char;
    }
  }
  return { value, raw: input.slice(start, position), end: position };
}

/** MIME Sniffing's "parse a MIME type": null where it fails. */
export function parseMimeType(input: string): MimeType | null {
  const text = input.replace(HTTP_WHITESPACE, "");
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const type = text.slice(0, slash);
  if (!TOKEN.test(type)) return null;
  let position = slash + 1;
  const semicolon = text.indexOf(";", position);
  const subtype = text.slice(position, semicolon < 0 ? text.length : semicolon).replace(/[\t\n\r ]+$/, "");
  if (!TOKEN.test(subtype)) return null;
  const mime: MimeType = { type: type.toLowerCase(), subtype: subtype.toLowerCase(), parameters: new Map() };
  position = semicolon < 0 ? text.length : semicolon;
  while (position < text.length) {
    position += 1; // past ";"
    while (position < text.length && /[\t\n\r ]/.test(text[position] as string)) position += 1;
    let nameEnd = position;
    while (nameEnd < text.length && text[nameEnd] !== ";" && text[nameEnd] !== "=") nameEnd += 1;
    const name = text.slice(position, nameEnd).toLowerCase();
    position = nameEnd;
    if (position < text.length && text[position] === ";") continue;
    position += 1; // past "="
    if (position >= text.length) break;
    let value: string;
    if (text[position] === '"') {
      const quoted = quotedString(text, position);
      value = quoted.value;
      position = quoted.end;
      while (position < text.length && text[position] !== ";") position += 1;
    } else {
      const valueEnd = text.indexOf(";", position);
      value = text.slice(position, valueEnd < 0 ? text.length : valueEnd).replace(/[\t\n\r ]+$/, "");
      position = valueEnd < 0 ? text.length : valueEnd;
      if (value === "") continue;
    }
    if (name !== "" && TOKEN.test(name) && QUOTED_STRING_TOKEN.test(value) && !mime.parameters.has(name)) mime.parameters.set(name, value);
  }
  return mime;
}

/** A MIME type as text: parameter values quoted (and escaped) unless they are tokens. */
export function serializeMimeType(mime: MimeType): string {
  let text = essence(mime);
  for (const [name, value] of mime.parameters) {
    text += `;${name}=${TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`}`;
  }
  return text;
}

/**
 * Fetch's "getting, decoding, and splitting" of one header value: the values of its list, split at
 * commas outside quoted strings, each trimmed of tabs and spaces.
 */
export function splitHeaderValues(value: string): string[] {
  const values: string[] = [];
  let position = 0;
  let current = "";
  while (true) {
    let end = position;
    while (end < value.length && value[end] !== '"' && value[end] !== ",") end += 1;
    current += value.slice(position, end);
    position = end;
    if (position < value.length && value[position] === '"') {
      const quoted = quotedString(value, position);
      current += quoted.raw;
      position = quoted.end;
      if (position < value.length) continue;
    }
    values.push(current.replace(HTTP_TAB_OR_SPACE, ""));
    current = "";
    if (position >= value.length) return values;
    position += 1; // past ","
  }
}

/** Fetch's "extract a MIME type" from a `Content-Type` value: the type a browser uses, or null (failure). */
export function extractMimeType(value: string): MimeType | null {
  let charset: string | null = null;
  let current: string | null = null;
  let mime: MimeType | null = null;
  for (const part of splitHeaderValues(value)) {
    const parsed = parseMimeType(part);
    if (parsed === null || essence(parsed) === "*/*") continue;
    mime = parsed;
    if (essence(mime) !== current) {
      charset = null;
      const own = mime.parameters.get("charset");
      if (own !== undefined) charset = own;
      current = essence(mime);
    } else if (!mime.parameters.has("charset") && charset !== null) {
      mime.parameters.set("charset", charset);
    }
  }
  return mime;
}
