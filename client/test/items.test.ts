// The typed client against the real Worker (Miniflare/workerd) and the embedded S3 store: the
// four original calls, the memcached verbs, types round-tripping by content type, and errors.
import { describe, expect, it } from "vitest";
import { CloudCached, CloudCachedError } from "../src/index.js";
import { adminClient, workerUrl } from "./support/helpers.js";

async function rawGet(cache: CloudCached, key: string): Promise<Response> {
  const path = `/v1/${cache.namespace}/items/${key.split("/").map(encodeURIComponent).join("/")}`;
  return fetch(`${workerUrl()}${path}`, { headers: { authorization: `Bearer ${(await import("./support/helpers.js")).adminToken()}`, "cache-control": "no-cache" } });
}

describe("the four original calls", () => {
  it("get → null for an absent key; put stores; put again without replace is false; with replace overwrites", async () => {
    const cache = adminClient();
    expect(await cache.get("greeting")).toBeNull();
    expect(await cache.put("greeting", "hello")).toBe(true);
    expect(await cache.get("greeting")).toBe("hello");
    expect(await cache.put("greeting", "again")).toBe(false);
    expect(await cache.get("greeting")).toBe("hello");
    expect(await cache.put("greeting", "again", 3600, true)).toBe(true);
    expect(await cache.get("greeting")).toBe("again");
    expect(await cache.put("greeting", "options form", { ttl: 60, replace: true })).toBe(true);
    expect(await cache.get("greeting")).toBe("options form");
  });

  it("put's ttl is the item's expiry; the default is 3600 s", async () => {
    const cache = adminClient();
    const before = Math.floor(Date.now() / 1000);
    await cache.put("default-ttl", 1);
    await cache.put("short", 1, 120);
    await cache.put("forever", 1, 0);
    const after = Math.floor(Date.now() / 1000);
    const d = await cache.gets("default-ttl");
    const s = await cache.gets("short");
    const f = await cache.gets("forever");
    expect(d?.expiresAt).toBeGreaterThanOrEqual(before + 3600);
    expect(d?.expiresAt).toBeLessThanOrEqual(after + 3600);
    expect(s?.expiresAt).toBeGreaterThanOrEqual(before + 120);
    expect(s?.expiresAt).toBeLessThanOrEqual(after + 120);
    expect(f?.expiresAt).toBeNull();
  });

  it("update → false when absent, true and overwritten when present", async () => {
    const cache = adminClient();
    expect(await cache.update("u", "x")).toBe(false);
    expect(await cache.get("u")).toBeNull();
    await cache.put("u", "first");
    expect(await cache.update("u", "second", 60)).toBe(true);
    expect(await cache.get("u")).toBe("second");
    expect(await cache.update("u", "third", { ttl: 0 })).toBe(true);
    expect((await cache.gets("u"))?.expiresAt).toBeNull();
  });

  it("delete removes (and is true for an absent key too)", async () => {
    const cache = adminClient();
    await cache.put("d", "x");
    expect(await cache.delete("d")).toBe(true);
    expect(await cache.get("d")).toBeNull();
    expect(await cache.delete("d")).toBe(true);
  });

  it("an item past its ttl is gone", async () => {
    const cache = adminClient();
    // ttl 2: expiresAt is whole seconds (now + 2, floored), so the item lives at least a second.
    await cache.put("brief", "soon gone", 2);
    const item = await cache.gets("brief", { fresh: true });
    expect(item?.value).toBe("soon gone");
    await new Promise((r) => setTimeout(r, (item?.expiresAt ?? 0) * 1000 - Date.now() + 150));
    expect(await cache.get("brief")).toBeNull();
    expect(await cache.get("brief", { fresh: true })).toBeNull();
  });
});

describe("maxBytes", () => {
  it("a value larger than maxBytes reads as absent; one within it is read", async () => {
    const cache = adminClient();
    await cache.set("sized", new Uint8Array(5000).fill(7));
    expect(await cache.getBytes("sized", { maxBytes: 4999 })).toBeNull();
    expect(await cache.get("sized", { maxBytes: 10 })).toBeNull();
    expect((await cache.getWithLease("sized", { maxBytes: 10 })).item).toBeNull();
    expect((await cache.getBytes("sized", { maxBytes: 5000 }))?.value.byteLength).toBe(5000);
    expect((await cache.getWithLease("sized", { maxBytes: 5000 })).item?.value.byteLength).toBe(5000);
    await expect(cache.getBytes("sized", { maxBytes: -1 })).rejects.toThrow(TypeError);
  });
});

describe("types round-trip by content type", () => {
  const cases: [string, unknown, string][] = [
    ["a string", "hello, wörld ✓", "text/plain; charset=utf-8"],
    ["a numeric string stays a string", "42", "text/plain; charset=utf-8"],
    ["an empty string", "", "text/plain; charset=utf-8"],
    ["a JSON-looking string stays a string", '{"a":1}', "text/plain; charset=utf-8"],
    ["an integer", 42, "application/json"],
    ["a float", -3.25, "application/json"],
    ["zero", 0, "application/json"],
    ["true", true, "application/json"],
    ["false", false, "application/json"],
    ["null", null, "application/json"],
    ["an object", { a: 1, b: [true, null, "x"], c: { d: "é" } }, "application/json"],
    ["an array", [1, "two", { three: 3 }], "application/json"],
    ["an empty array", [], "application/json"],
  ];
  for (const [label, value, contentType] of cases) {
    it(`${label} → ${contentType} → the same value`, async () => {
      const cache = adminClient();
      await cache.set("v", value as never);
      const item = await cache.gets("v", { fresh: true });
      expect(item?.contentType).toBe(contentType);
      expect(item?.value).toStrictEqual(value);
      // And from the location cache (a second read may be a HIT): same value, same type.
      expect(await cache.get("v")).toStrictEqual(value);
    });
  }

  it("bytes (Uint8Array, ArrayBuffer, other views) → application/octet-stream → Uint8Array, byte for byte", async () => {
    const cache = adminClient();
    const bytes = new Uint8Array(256).map((_, i) => i);
    await cache.set("u8", bytes);
    await cache.set("ab", bytes.slice().buffer);
    await cache.set("view", new DataView(bytes.buffer, 10, 5));
    for (const [key, expected] of [["u8", bytes], ["ab", bytes], ["view", bytes.subarray(10, 15)]] as const) {
      const item = await cache.gets(key);
      expect(item?.contentType).toBe("application/octet-stream");
      expect(item?.value).toBeInstanceOf(Uint8Array);
      expect(Array.from(item?.value as Uint8Array)).toStrictEqual([...expected]);
    }
  });

  it("a Blob is stored with its own type; a ReadableStream with its size", async () => {
    const cache = adminClient();
    await cache.set("blob", new Blob(['{"from":"blob"}'], { type: "application/json" }));
    expect(await cache.get("blob")).toStrictEqual({ from: "blob" });
    const parts = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    await cache.set("stream", stream, { size: 5 });
    expect([...((await cache.get("stream")) as Uint8Array)]).toStrictEqual([1, 2, 3, 4, 5]);
  });

  it("a stream without its size is refused before anything is sent", async () => {
    const cache = adminClient();
    await expect(cache.set("s", new ReadableStream<Uint8Array>())).rejects.toThrow(TypeError);
  });

  it("contentType overrides: text/html stays a string, application/ld+json is parsed", async () => {
    const cache = adminClient();
    await cache.set("page", "<p>hi</p>", { contentType: "text/html; charset=utf-8" });
    await cache.set("ld", '{"@id":"x"}', { contentType: "application/ld+json" });
    const page = await cache.gets("page");
    expect(page?.value).toBe("<p>hi</p>");
    expect(page?.contentType).toBe("text/html; charset=utf-8");
    expect(await cache.get("ld")).toStrictEqual({ "@id": "x" });
  });

  it("values JSON cannot hold unchanged are refused: undefined, NaN, Infinity, a Map, a function, a bigint", async () => {
    const cache = adminClient();
    for (const bad of [undefined, Number.NaN, Number.POSITIVE_INFINITY, new Map(), () => 1, 10n]) {
      await expect(cache.set("bad", bad as never)).rejects.toThrow(TypeError);
    }
    expect(await cache.get("bad")).toBeNull();
  });

  it("a large value streams both ways (getStream), byte for byte", async () => {
    const cache = adminClient();
    const size = 3 * 1024 * 1024 + 17;
    const chunk = 64 * 1024;
    let sent = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= size) return controller.close();
        const n = Math.min(chunk, size - sent);
        controller.enqueue(new Uint8Array(n).map((_, i) => (sent + i) % 251));
        sent += n;
      },
    });
    const written = await cache.set("big", source, { size });
    expect(written.etag).toMatch(/^"/);
    const streamed = await cache.getStream("big");
    expect(streamed?.size).toBe(size);
    let at = 0;
    let wrong = 0;
    for await (const part of streamed!.body as unknown as AsyncIterable<Uint8Array>) {
      for (let i = 0; i < part.byteLength; i += 1) if (part[i] !== (at + i) % 251) wrong += 1;
      at += part.byteLength;
    }
    expect(at).toBe(size);
    expect(wrong).toBe(0);
    expect(await cache.getStream("absent")).toBeNull();
  });
});

describe("keys", () => {
  it("any Unicode, spaces, +, %, ?, # and / round-trip, each segment encoded", async () => {
    const cache = adminClient();
    const keys = ["a b", "a+b", "100%", "what?", "#hash", "user/42/profile", "ключ/値/🔑", "a%2Fb", "x&y=z"];
    for (const [i, key] of keys.entries()) await cache.set(key, i);
    for (const [i, key] of keys.entries()) expect(await cache.get(key)).toBe(i);
    // "a%2Fb" is a key of its own (a literal percent sign), not "a/b".
    expect(await cache.get("a/b")).toBeNull();
    const raw = await rawGet(cache, "user/42/profile");
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe("5");
  });

  it("keys the URL would rewrite ('.', '..', empty segments) are refused before anything is sent", async () => {
    const requested: string[] = [];
    const cache = adminClient({
      fetch: (input, init) => {
        requested.push(input);
        return fetch(input, init);
      },
    });
    for (const key of ["", "a/../b", "./a", "a//b", "a/", "/a", ".."]) {
      const err = await cache.get(key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CloudCachedError);
      expect((err as CloudCachedError).code).toBe("bad_request");
    }
    expect(requested).toStrictEqual([]);
  });
});

describe("the memcached verbs", () => {
  it("set / add / replace answer etag and expiry; add and replace say null when not stored", async () => {
    const cache = adminClient();
    const first = await cache.set("k", "v1", { ttl: 100 });
    expect(Object.keys(first).sort()).toStrictEqual(["etag", "expiresAt"]);
    expect(first.etag).toMatch(/^"/);
    expect(first.expiresAt).toBeGreaterThan(Date.now() / 1000);
    const second = await cache.set("k", "v2");
    expect(second.etag).not.toBe(first.etag);
    expect(await cache.add("k", "v3")).toBeNull();
    const added = await cache.add("k2", "v");
    expect(added?.etag).toMatch(/^"/);
    expect(await cache.put("k2", "again")).toBe(false);
    expect(await cache.put("k3", "new")).toBe(true);
    expect(await cache.replace("absent", "v")).toBeNull();
    const replaced = await cache.replace("k", "v4");
    expect(replaced?.etag).toMatch(/^"/);
    expect(await cache.get("k")).toBe("v4");
  });

  it("gets + cas: only the holder of the current ETag wins", async () => {
    const cache = adminClient();
    await cache.set("doc", { n: 1 });
    const item = await cache.gets<{ n: number }>("doc");
    expect(item?.value).toStrictEqual({ n: 1 });
    const won = await cache.cas("doc", { n: 2 }, item!.etag);
    expect(won).not.toBeNull();
    expect(await cache.cas("doc", { n: 3 }, item!.etag)).toBeNull();
    expect(await cache.get("doc")).toStrictEqual({ n: 2 });
    expect(await cache.cas("absent", 1, item!.etag)).toBeNull();
  });

  it("of many concurrent adds exactly one wins", async () => {
    const cache = adminClient();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => cache.add("race", i)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it("incr / decr: counts, null when absent, initial creates, errors for non-numbers", async () => {
    const cache = adminClient();
    expect(await cache.incr("n")).toBeNull();
    expect(await cache.incr("n", 5, { initial: 10 })).toBe(10);
    expect(await cache.incr("n")).toBe(11);
    expect(await cache.incr("n", 4)).toBe(15);
    expect(await cache.decr("n", 20)).toBe(-5);
    // A counter created by `initial` is stored as text (the server's choice): it reads back a string.
    expect(await cache.get("n")).toBe("-5");
    // One put as a number keeps its JSON type through incr: it reads back a number.
    await cache.set("j", 7);
    expect(await cache.incr("j")).toBe(8);
    expect(await cache.get("j")).toBe(8);
    await cache.set("text", "abc");
    const err = await cache.incr("text").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudCachedError);
    expect((err as CloudCachedError).status).toBe(409);
    expect((err as CloudCachedError).code).toBe("not_a_number");
    // A counter stored as text by put (the original way) counts too.
    await cache.set("s", "41");
    expect(await cache.incr("s")).toBe(42);
    await expect(cache.incr("n", -1)).rejects.toThrow(TypeError);
  });

  it("touch sets a new expiry without the value; null when absent", async () => {
    const cache = adminClient();
    expect(await cache.touch("absent", 10)).toBeNull();
    await cache.set("t", "keep", { ttl: 60 });
    const touched = await cache.touch("t", 0);
    expect(touched?.expiresAt).toBeNull();
    expect(await cache.get("t")).toBe("keep");
    const later = await cache.touch("t", 500);
    expect(later?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 400);
  });

  it("delete with an etag deletes only that version", async () => {
    const cache = adminClient();
    const old = await cache.set("cd", "one");
    await cache.set("cd", "two");
    expect(await cache.delete("cd", { etag: old.etag })).toBe(false);
    expect(await cache.get("cd")).toBe("two");
    const current = await cache.gets("cd");
    expect(await cache.delete("cd", { etag: current!.etag })).toBe(true);
    expect(await cache.get("cd")).toBeNull();
  });

  it("has (HEAD)", async () => {
    const cache = adminClient();
    expect(await cache.has("h")).toBe(false);
    await cache.set("h", "x");
    expect(await cache.has("h")).toBe(true);
  });

  it("info (HEAD): the ETag, expiry and content type a read would give, without the value; null when absent", async () => {
    const cache = adminClient();
    expect(await cache.info("i")).toBeNull();
    const written = await cache.set("i", { a: 1 }, { ttl: 90 });
    const info = await cache.info("i", { fresh: true });
    expect(info).toMatchObject({ etag: written.etag, expiresAt: written.expiresAt, contentType: "application/json" });
    expect(info).not.toHaveProperty("value");
    const { value, ...read } = (await cache.gets("i"))!;
    expect(value).toStrictEqual({ a: 1 });
    expect({ ...read, cache: null }).toStrictEqual({ ...info, cache: null });
    await cache.set("forever", "x", { ttl: 0 });
    expect((await cache.info("forever"))?.expiresAt).toBeNull();
  });

  it("withNamespace isolates", async () => {
    const a = adminClient();
    const b = a.withNamespace(`${a.namespace}-b`);
    await a.set("same", "in a");
    expect(await b.get("same")).toBeNull();
    await b.set("same", "in b");
    expect(await a.get("same")).toBe("in a");
  });

  it("health answers ok", async () => {
    expect(await adminClient().health()).toStrictEqual({ ok: true });
  });
});

describe("errors", () => {
  it("one CloudCachedError with status, API.md code and message", async () => {
    const anonymous = new CloudCached({ url: workerUrl(), namespace: "somewhere" });
    const err = await anonymous.get("x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudCachedError);
    expect(err).toMatchObject({ status: 401, code: "unauthorized" });
    expect((err as CloudCachedError).message).not.toBe("");

    const wrong = new CloudCached({ url: workerUrl(), token: "not-the-token" });
    await expect(wrong.set("x", 1)).rejects.toMatchObject({ status: 401, code: "unauthorized" });

    const cache = adminClient();
    await expect(cache.set("x", 1, { ttl: 10 ** 9 })).rejects.toMatchObject({ status: 400, code: "bad_request" });
    // A namespace the server would refuse is refused as the server would, before any request.
    let refused: unknown = null;
    try {
      adminClient({ namespace: "Not_Valid!" });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(CloudCachedError);
    expect(refused).toMatchObject({ status: 400, code: "bad_request" });
  });

  it("a server that cannot be reached is a network_error (status 0), after the retries", async () => {
    const cache = new CloudCached({ url: "http://127.0.0.1:9", retries: 1, timeoutMs: 2000 });
    await expect(cache.get("x")).rejects.toMatchObject({ status: 0, code: "network_error" });
  });
});
