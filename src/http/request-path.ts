/**
 * The path of a request's URL exactly as sent (still percent-encoded), cut out of `request.url`
 * without parsing the URL again: the runtime hands the URL over already parsed and serialized. Pure.
 */
export function rawPathOf(url: string): string {
  const scheme = url.indexOf("://");
  const start = url.indexOf("/", scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return "/";
  let end = url.length;
  const query = url.indexOf("?", start);
  if (query !== -1) end = query;
  const fragment = url.indexOf("#", start);
  if (fragment !== -1 && fragment < end) end = fragment;
  return url.slice(start, end);
}
