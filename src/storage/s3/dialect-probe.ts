import { dialectFromProbe, ifMatchValue, type ProbeAnswers, STANDARD_DIALECT, type StoreDialect } from "./dialect";
import { NONCE_BYTES } from "../object-format";
import { copySource } from "../object-key";
import type { Transport } from "./transport";

/**
 * Writes a scratch object under `<prefix>.dialect-probe/` and asks the store how it treats
 * `If-Match` on a PUT and `x-amz-copy-source-if-match` on a copy onto itself, then deletes it:
 * three or four PUTs and a DELETE.
 */
export async function probeDialect(transport: Transport): Promise<StoreDialect> {
  const { settings } = transport;
  const key = `${settings.prefix}.dialect-probe/${crypto.randomUUID()}`;
  const send = async (headers: Record<string, string>, body?: Uint8Array): Promise<Response> => {
    const response = await transport.callObject("PUT", key, { method: "PUT", headers, ...(body ? { body } : {}) }, { idempotent: false });
    await response.text().catch(() => "");
    return response;
  };
  const scratch = () => crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  try {
    const created = await send({ "if-none-match": "*" }, scratch());
    const etag = created.headers.get("etag");
    if (!created.ok || !etag) return await transport.fail("PUT", created);
    const answers: ProbeAnswers = { quotedIfMatch: 0, wrongCopyIfMatch: 0 };
    const quoted = await send({ "if-match": ifMatchValue(etag, STANDARD_DIALECT) }, scratch());
    answers.quotedIfMatch = quoted.status;
    let current = quoted.headers.get("etag") ?? etag;
    if (!quoted.ok) {
      const bare = await send({ "if-match": ifMatchValue(etag, { ...STANDARD_DIALECT, ifMatch: "bare" }) }, scratch());
      answers.bareIfMatch = bare.status;
      current = bare.headers.get("etag") ?? current;
    }
    const wrong = `"${current.replace(/"/g, "").split("").reverse().join("")}0"`;
    const copy = await send({
      "x-amz-copy-source": copySource(settings.bucket, key),
      "x-amz-copy-source-if-match": wrong,
      "x-amz-metadata-directive": "REPLACE",
      "content-type": "application/octet-stream",
    });
    answers.wrongCopyIfMatch = copy.status;
    return dialectFromProbe(answers);
  } finally {
    // Awaited: a promise left running after the response may be cancelled, leaving the scratch object.
    await transport
      .callObject("DELETE", key, { method: "DELETE" }, { idempotent: true })
      .then((response) => response.body?.cancel())
      .catch(() => undefined);
  }
}
