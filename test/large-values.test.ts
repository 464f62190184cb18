import { describe, expect, it } from "vitest";
import { uniqueNamespace, withBindings } from "./helpers";

// A 256 MB value round-trips through the Worker, streamed both ways: generated on the fly, checked
// by SHA-256, never held whole — not by the Worker (128 MB of memory in production), not by the test.
const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const LIMITS = { MAX_VALUE_BYTES: String(300 * MiB), STORAGE_TIMEOUT_MS: "60000" };

/** SIZE bytes, 1 MiB at a time: one random block, each copy stamped with its index (order matters). */
function generated(seed: Uint8Array): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index * MiB >= SIZE) {
        controller.close();
        return;
      }
      const chunk = seed.slice();
      new DataView(chunk.buffer).setUint32(0, index);
      controller.enqueue(chunk);
      index += 1;
    },
  });
}

async function sha256(stream: ReadableStream<Uint8Array>): Promise<{ hex: string; bytes: number }> {
  const digest = new crypto.DigestStream("SHA-256");
  await stream.pipeTo(digest);
  const hex = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { hex, bytes: Number(digest.bytesWritten) };
}

describe("large values", () => {
  it("a 256 MB value round-trips through the Worker, streamed, byte for byte", { timeout: 240_000 }, async () => {
    const seed = new Uint8Array(MiB);
    for (let at = 0; at < MiB; at += 65536) crypto.getRandomValues(seed.subarray(at, at + 65536));
    const expected = await sha256(generated(seed));
    expect(expected.bytes).toBe(SIZE);
    const ns = uniqueNamespace("large");
    const put = await withBindings(LIMITS, `/v1/${ns}/items/big?ttl=600`, {
      method: "PUT",
      body: generated(seed),
      headers: { "content-length": String(SIZE), "content-type": "application/octet-stream" },
    });
    expect(put.status).toBe(200);
    const etag = put.headers.get("etag");
    await put.body?.cancel();

    const get = await withBindings(LIMITS, `/v1/${ns}/items/big`);
    expect(get.status).toBe(200);
    expect(get.headers.get("content-length")).toBe(String(SIZE));
    expect(get.headers.get("etag")).toBe(etag);
    const got = await sha256(get.body as ReadableStream<Uint8Array>);
    expect(got).toEqual(expected);

    const del = await withBindings(LIMITS, `/v1/${ns}/items/big`, { method: "DELETE" });
    expect(del.status).toBe(204);
  });

  it("over MAX_VALUE_BYTES is a 413 before anything is read or stored", async () => {
    const ns = uniqueNamespace("large");
    const put = await withBindings({ MAX_VALUE_BYTES: String(MiB) }, `/v1/${ns}/items/big`, {
      method: "PUT",
      body: generated(new Uint8Array(MiB)),
      headers: { "content-length": String(SIZE) },
    });
    expect(put.status).toBe(413);
    await put.body?.cancel();
    const get = await withBindings({}, `/v1/${ns}/items/big`, { headers: { "cache-control": "no-cache" } });
    expect(get.status).toBe(404);
    await get.body?.cancel();
  });
});
