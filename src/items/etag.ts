/** Parses `If-None-Match` / `If-Match` lists: `*`, or strong/weak quoted ETags. Pure. */
export function parseEtagList(header: string | null | undefined): "*" | string[] | null {
  if (header === null || header === undefined) return null;
  const value = header.trim();
  if (value === "*") return "*";
  const tags = value.match(/(?:W\/)?"[^"]*"/g);
  if (!tags || tags.join(",").replace(/\s/g, "") !== value.replace(/\s/g, "")) return [];
  return tags.map((tag) => tag.replace(/^W\//, ""));
}

/** Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET). */
export function noneMatchHits(header: string | null | undefined, etag: string): boolean {
  const list = parseEtagList(header);
  if (list === null) return false;
  return list === "*" || list.includes(etag);
}
