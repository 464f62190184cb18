import { ApiError } from "./errors";

/**
 * A JSON request body as UTF-8 text, read whole (JSON needs it) but never past `limit` bytes: a
 * declared or streamed size over it is `tooLarge()`, without reading the rest.
 */
export async function readCappedText(request: Request, limit: number, tooLarge: () => ApiError): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d{1,16}$/.test(declared) || Number(declared) > limit)) throw tooLarge();
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError("bad_request", "the body is not valid UTF-8");
  }
}
