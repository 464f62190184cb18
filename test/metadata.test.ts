import { describe, expect, it } from "vitest";
import { faults, viaFaults } from "./faults";
import { api, expectError, uniqueNamespace } from "./helpers";

const put = (ns: string, key: string, headers: Record<string, string>, path = `/v1/${ns}/items/${key}`) =>
  api(path, { method: "PUT", body: "v", headers: { "content-type": "text/plain", ...headers } });
const batch = (ns: string, body: unknown) => api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify(body) });

// Spaces kept as they are (runs included), escapes, nesting, numbers as written.
const META = '{"b": 1.50,  "a":{"x":[1, 2]},"s":"caf\\u00e9 %20 100%",   "z":null}';

describe("X-Meta: an item's metadata", () => {
  it("round trips byte for byte through GET, HEAD, a no-cache GET, a location hit and batch gets", async () => {
    const ns = uniqueNamespace("meta");
    expect((await put(ns, "k", { "x-meta": META })).status).toBe(200);
    const first = await api(`/v1/${ns}/items/k`);
    expect(first.headers.get("x-meta")).toBe(META);
    await first.text();
    const hit = await api(`/v1/${ns}/items/k`);
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(hit.headers.get("x-meta")).toBe(META);
    await hit.text();
    expect((await api(`/v1/${ns}/items/k`, { method: "HEAD" })).headers.get("x-meta")).toBe(META);
    const fresh = await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } });
    expect(fresh.headers.get("x-meta")).toBe(META);
    await fresh.text();
    const answer = await batch(ns, { get: ["k"] });
    const text = await answer.text();
    expect(text).toContain(`"meta":${META}}`);
    expect((JSON.parse(text) as { get: { k: { meta: unknown } } }).get.k.meta).toEqual(JSON.parse(META));
  });

  it("is set by batch set and read back by batch get and GET (non-ASCII \\u-escaped)", async () => {
    const ns = uniqueNamespace("metab");
    const meta = { é: "ü", n: 3, list: [true, null] };
    const set = await batch(ns, { set: [{ key: "k", value: "v", meta, tags: ["t1"] }], get: ["k"] });
    const body = (await set.json()) as { get: { k: { meta: unknown; tags: string[] } } };
    expect(body.get.k.meta).toEqual(meta);
    expect(body.get.k.tags).toEqual(["t1"]);
    const read = await api(`/v1/${ns}/items/k`);
    expect(read.headers.get("x-meta")).toBe('{"\\u00e9":"\\u00fc","n":3,"list":[true,null]}');
    expect(read.headers.get("x-tags")).toBe("t1");
    await read.text();
  });

  it("is kept by touch, incr and expire, and absent from key listings", async () => {
    const ns = uniqueNamespace("metak");
    await put(ns, "n", { "x-meta": '{"kind":"counter"}', "x-tags": "a, b" }).then((r) => r.text());
    await api(`/v1/${ns}/items/n`, { method: "PUT", body: "1", headers: { "x-meta": '{"kind":"counter"}', "x-tags": "a, b" } }).then((r) => r.text());
    expect((await api(`/v1/${ns}/items/n?op=incr`, { method: "POST" })).status).toBe(200);
    expect((await api(`/v1/${ns}/items/n?op=touch&ttl=100`, { method: "POST" })).status).toBe(200);
    const read = await api(`/v1/${ns}/items/n`, { headers: { "cache-control": "no-cache" } });
    expect(await read.text()).toBe("2");
    expect(read.headers.get("x-meta")).toBe('{"kind":"counter"}');
    expect(read.headers.get("x-tags")).toBe("a, b");
    const listing = (await (await api(`/v1/${ns}/keys`)).json()) as { keys: Record<string, unknown>[] };
    expect(Object.keys(listing.keys[0] ?? {}).sort()).toEqual(["key", "lastModified", "size"]);
  });

  it("refuses invalid or too large metadata and tags with a 400 naming the header, before any storage call", async () => {
    const ns = uniqueNamespace("metabad");
    const cases: [Record<string, string>, string][] = [
      [{ "x-meta": "[1,2]" }, "X-Meta"],
      [{ "x-meta": "{nope" }, "X-Meta"],
      [{ "x-meta": `{"a":"${"x".repeat(1020)}"}` }, "X-Meta"],
      [{ "x-tags": "a,,b" }, "X-Tags"],
      [{ "x-tags": Array.from({ length: 17 }, (_, i) => `t${i}`).join(",") }, "X-Tags"],
      [{ "x-tags": "x".repeat(129) }, "X-Tags"],
      // Each within its own limit, but together past S3's 2 KB of metadata.
      [{ "x-tags": Array.from({ length: 16 }, (_, i) => `${i}`.padEnd(100, "t")).join(","), "x-meta": `{"a":"${"x".repeat(1000)}"}` }, "X-Tags and X-Meta"],
    ];
    for (const [headers, named] of cases) {
      const answer = await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "v", headers });
      const body = await expectError(answer, 400, "bad_request");
      expect(body.error.message).toContain(named);
    }
    const batchAnswer = await viaFaults(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ set: [{ key: "k", value: "v", meta: [1] }] }) });
    expect((await expectError(batchAnswer, 400, "bad_request")).error.message).toContain("meta");
    const tagsAnswer = await viaFaults(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ set: [{ key: "k", value: "v", tags: ["a b"] }] }) });
    expect((await expectError(tagsAnswer, 400, "bad_request")).error.message).toContain("tags");
    expect(await faults.requests(ns)).toEqual([]);
  });
});
