/**
 * Whether an answer's Content-Length says its value is larger than `maxBytes` (`ReadOptions.maxBytes`),
 * so the value need not be downloaded. No limit, or no length given (a streamed answer): false. Pure.
 */
export function overLimit(contentLength: string | null, maxBytes: number | undefined): boolean {
  if (maxBytes === undefined || contentLength === null || !/^\d+$/.test(contentLength)) return false;
  return Number(contentLength) > maxBytes;
}
