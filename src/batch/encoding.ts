/** How a batch answers a value: UTF-8 text when it is valid UTF-8 and its type is textual, else base64. Pure. */

export type ValueEncoding = "utf8" | "base64";

/** `text/*`, `application/json`, and any `+json` type (parameters such as `charset` aside). */
export function isTextualType(contentType: string): boolean {
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return type.startsWith("text/") || type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

export function encodeValue(bytes: Uint8Array, contentType: string): { value: string; encoding: ValueEncoding } {
  if (isTextualType(contentType)) {
    try {
      // ignoreBOM: a leading BOM is part of the value and must come back.
      return { value: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes), encoding: "utf8" };
    } catch {
      // Not valid UTF-8: base64 below.
    }
  }
  return { value: toBase64(bytes), encoding: "base64" };
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}
