// Run by client/test/runtimes.test.ts under Bun and under Deno (never Node): it is copied next to
// `cloudcached-client.mjs`, the client bundled by esbuild, and run as
//   <runtime> runtime-roundtrip.mjs <workerUrl> <token> <namespace>
// It prints one JSON line: what the runtime is and what each call answered, with each value's type,
// so the test can tell a restored type from a look-alike. Any unexpected failure exits non-zero.
import { CloudCached, CloudCachedError } from "./cloudcached-client.mjs";

const deno = globalThis.Deno;
const bun = globalThis.Bun;
if (!deno && !bun) throw new Error("runtime-roundtrip.mjs is meant for Bun or Deno");
const runtime = deno ? { name: "deno", version: deno.version.deno } : { name: "bun", version: bun.version };
const [url, token, namespace] = deno ? deno.args : bun.argv.slice(2);
if (!url || !token || !namespace) throw new Error("usage: runtime-roundtrip.mjs <url> <token> <namespace>");

/** A value with what it is, so `"42"` and `42`, or bytes and an array, cannot pass for each other. */
function describe(value) {
  if (value === null) return { type: "null" };
  if (value instanceof Uint8Array) return { type: "Uint8Array", value: [...value] };
  if (Array.isArray(value)) return { type: "array", value };
  return { type: typeof value, value };
}

async function caught(promise) {
  try {
    return { resolved: describe(await promise) };
  } catch (err) {
    if (err instanceof CloudCachedError) return { error: "CloudCachedError", status: err.status, code: err.code };
    return { error: String(err) };
  }
}

async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(...chunk);
  return chunks;
}

const cache = new CloudCached({ url, token, namespace, timeoutMs: 10_000 });
const out = { runtime };

// A string (a numeric one must stay a string), a JSON object, bytes.
out.putText = await cache.put("text", "42");
out.text = describe(await cache.get("text"));
out.putJson = await cache.put("json", { name: "Ada", tags: ["a", "b"], n: 1.5, ok: true, none: null });
out.json = describe(await cache.get("json"));
out.putBytes = await cache.put("bytes", new Uint8Array([0, 1, 2, 127, 128, 255]));
out.bytes = describe(await cache.get("bytes"));

// put without replace is memcached add: false on an existing key, and the value is unchanged.
out.putExisting = await cache.put("text", "other");
out.textAfterPutExisting = describe(await cache.get("text"));
out.putReplace = await cache.put("text", "replaced", 60, true);
out.textAfterReplace = describe(await cache.get("text"));
out.updateAbsent = await cache.update("never-stored", "x");

// A Blob keeps its type and is sent with its length; getStream reads a value as a stream.
out.setBlob = typeof (await cache.set("blob", new Blob(["<b>hi</b>"], { type: "text/html" }))).etag === "string";
out.blob = describe(await cache.get("blob"));
out.setPng = typeof (await cache.set("png", new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" }))).etag === "string";
out.png = describe(await cache.get("png"));
const blobStream = await cache.getStream("png");
out.blobStream = blobStream && { size: blobStream.size, contentType: blobStream.contentType, bytes: await readAll(blobStream.body) };

// A ReadableStream with its size is sent as a streamed body (duplex "half") with that Content-Length,
// which the server needs. A runtime that drops the header (Deno does) gets the server's 411.
const streamed = new ReadableStream({
  start(controller) {
    controller.enqueue(new Uint8Array([1, 2, 3]));
    controller.enqueue(new Uint8Array([4, 5]));
    controller.close();
  },
});
out.setStream = await caught(cache.set("stream", streamed, { size: 5 }).then((result) => typeof result.etag === "string"));
const gotStream = await cache.getStream("stream");
out.stream = gotStream && { size: gotStream.size, bytes: await readAll(gotStream.body) };

// gets/cas: a stale ETag is refused (null), the current one is accepted.
const item = await cache.gets("json");
await cache.set("json", { name: "Bob" });
out.casStale = await cache.cas("json", { name: "Cy" }, item.etag);
const current = await cache.gets("json");
out.casCurrent = (await cache.cas("json", { name: "Cy" }, current.etag)) !== null;
out.jsonAfterCas = describe(await cache.get("json"));

// Counters.
out.incrAbsent = await cache.incr("hits");
out.incrInitial = await cache.incr("hits", 5, { initial: 10 });
out.incr = await cache.incr("hits", 5);
out.decr = await cache.decr("hits", 3);

// delete, then the key is absent; a delete of a changed version is refused.
out.has = await cache.has("bytes");
out.delete = await cache.delete("bytes");
out.afterDelete = describe(await cache.get("bytes"));
out.hasAfterDelete = await cache.has("bytes");
out.deleteStaleEtag = await cache.delete("json", { etag: item.etag });

// Errors are CloudCachedError with API.md's code and the HTTP status.
out.incrNotANumber = await caught(cache.incr("blob"));
out.wrongToken = await caught(new CloudCached({ url, token: "not-a-token", namespace }).get("text"));
out.badKey = await caught(cache.get("a/../b"));

console.log(JSON.stringify(out));
