import { describe, expect, it } from "vitest";
import { api, expectError, uniqueNamespace } from "./helpers";

const SECOND = 1;

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("PUT then GET/HEAD", () => {
  it("stores the value byte for byte with its content type, ETag and expiry", async () => {
    const ns = uniqueNamespace();
    const before = Math.floor(Date.now() / 1000);
    const put = await api(`/v1/${ns}/items/greeting?ttl=120`, { method: "PUT", body: "hello, wörld", headers: { "content-type": "text/plain; charset=utf-8" } });
    expect(put.status).toBe(200);
    expect(put.headers.get("content-type")).toContain("application/json");
    const written = await put.json<{ etag: string; expiresAt: number }>();
    expect(written.etag).toMatch(/^"[^"]+"$/);
    expect(written.expiresAt).toBeGreaterThanOrEqual(before + 120);
    expect(written.expiresAt).toBeLessThanOrEqual(before + 121 + SECOND);
    expect(put.headers.get("etag")).toBe(written.etag);
    expect(put.headers.get("x-expires-at")).toBe(String(written.expiresAt));

    const get = await api(`/v1/${ns}/items/greeting`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("hello, wörld");
    expect(get.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(get.headers.get("content-length")).toBe(String(new TextEncoder().encode("hello, wörld").byteLength));
    expect(get.headers.get("etag")).toBe(written.etag);
    expect(get.headers.get("x-expires-at")).toBe(String(written.expiresAt));
    expect(get.headers.get("cache-control")).toBe("private, no-cache");
    expect(get.headers.get("x-cache")).toMatch(/^(HIT|MISS)$/);

    const head = await api(`/v1/${ns}/items/greeting`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    for (const name of ["content-type", "etag", "x-expires-at", "cache-control"]) expect(head.headers.get(name)).toBe(get.headers.get(name));
    expect(head.headers.get("content-length")).toBe(get.headers.get("content-length"));
  });

  it("round-trips binary values, empty values and the default content type", async () => {
    const ns = uniqueNamespace();
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) % 256);
    expect((await api(`/v1/${ns}/items/bin`, { method: "PUT", body: bytes })).status).toBe(200);
    const get = await api(`/v1/${ns}/items/bin`, { headers: { "cache-control": "no-cache" } });
    expect(get.headers.get("content-type")).toBe("application/octet-stream");
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(bytes);

    expect((await api(`/v1/${ns}/items/empty`, { method: "PUT", body: "" })).status).toBe(200);
    const empty = await api(`/v1/${ns}/items/empty`, { headers: { "cache-control": "no-cache" } });
    expect(empty.status).toBe(200);
    expect(empty.headers.get("content-length")).toBe("0");
    expect(await empty.text()).toBe("");
  });

  it("streams a value larger than the in-memory limit through unchanged", async () => {
    const ns = uniqueNamespace();
    const size = 3 * 1024 * 1024 + 17;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) bytes[i] = (i / 4096) % 251;
    const put = await api(`/v1/${ns}/items/big`, { method: "PUT", body: bytes, headers: { "content-length": String(size) } });
    expect(put.status).toBe(200);
    const get = await api(`/v1/${ns}/items/big`, { headers: { "cache-control": "no-cache" } });
    expect(get.headers.get("content-length")).toBe(String(size));
    const back = new Uint8Array(await get.arrayBuffer());
    expect(back.byteLength).toBe(size);
    expect(await sha256(back)).toBe(await sha256(bytes));
  });

  it("a set answers 200 whether or not it created the item (an add answers 201), and a new ETag on every write, even of the same value", async () => {
    const ns = uniqueNamespace();
    const first = await api(`/v1/${ns}/items/k`, { method: "PUT", body: "same" });
    expect(first.status).toBe(200);
    const second = await api(`/v1/${ns}/items/k`, { method: "PUT", body: "same" });
    expect(second.status).toBe(200);
    const added = await api(`/v1/${ns}/items/k2`, { method: "PUT", body: "same", headers: { "if-none-match": "*" } });
    expect(added.status).toBe(201);
    await added.body?.cancel();
    const a = await first.json<{ etag: string }>();
    const b = await second.json<{ etag: string }>();
    expect(a.etag).not.toBe(b.etag);
  });

  it("ttl=0 never expires: no X-Expires-At, expiresAt null", async () => {
    const ns = uniqueNamespace();
    const put = await api(`/v1/${ns}/items/forever?ttl=0`, { method: "PUT", body: "x" });
    expect((await put.json<{ expiresAt: null }>()).expiresAt).toBeNull();
    expect(put.headers.get("x-expires-at")).toBeNull();
    const get = await api(`/v1/${ns}/items/forever`);
    expect(get.headers.get("x-expires-at")).toBeNull();
    expect(await get.text()).toBe("x");
  });

  it("uses DEFAULT_TTL (3600) without ttl", async () => {
    const ns = uniqueNamespace();
    const now = Math.floor(Date.now() / 1000);
    const body = await (await api(`/v1/${ns}/items/d`, { method: "PUT", body: "x" })).json<{ expiresAt: number }>();
    expect(body.expiresAt - now).toBeGreaterThanOrEqual(3599);
    expect(body.expiresAt - now).toBeLessThanOrEqual(3601);
  });

  it("answers 304 when If-None-Match names the current ETag, from storage and from the cache", async () => {
    const ns = uniqueNamespace();
    const { etag } = await (await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v" })).json<{ etag: string }>();
    const fromStorage = await api(`/v1/${ns}/items/k`, { headers: { "if-none-match": etag, "cache-control": "no-cache" } });
    expect(fromStorage.status).toBe(304);
    expect(fromStorage.headers.get("etag")).toBe(etag);
    expect(fromStorage.headers.get("x-cache")).toBe("MISS");
    await (await api(`/v1/${ns}/items/k`)).text(); // fills the location cache
    const fromCache = await api(`/v1/${ns}/items/k`, { headers: { "if-none-match": `"other", ${etag}` } });
    expect(fromCache.status).toBe(304);
    expect(fromCache.headers.get("x-cache")).toBe("HIT");
    const changed = await api(`/v1/${ns}/items/k`, { headers: { "if-none-match": '"stale"' } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe("v");
  });
});

describe("odd keys", () => {
  const keys = ["a b", "a+b", "a/b/c", "ключ/値/🔑", "100%", "x?y#z", "with'quote(s)*!", "a.b/..c", "~tilde"];
  it("stores each key as its own item, under its exact name", async () => {
    const ns = uniqueNamespace();
    for (const [i, key] of keys.entries()) {
      const path = key.split("/").map(encodeURIComponent).join("/");
      const put = await api(`/v1/${ns}/items/${path}`, { method: "PUT", body: `value ${i}` });
      expect(put.status, key).toBe(200);
    }
    for (const [i, key] of keys.entries()) {
      const path = key.split("/").map(encodeURIComponent).join("/");
      const get = await api(`/v1/${ns}/items/${path}`, { headers: { "cache-control": "no-cache" } });
      expect(await get.text(), key).toBe(`value ${i}`);
    }
  });

  it("keeps 'a b' and 'a+b' apart, and a raw + is a plus", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/a%20b`, { method: "PUT", body: "space" });
    await api(`/v1/${ns}/items/a+b`, { method: "PUT", body: "plus" });
    expect(await (await api(`/v1/${ns}/items/a%2Bb`, { headers: { "cache-control": "no-cache" } })).text()).toBe("plus");
    expect(await (await api(`/v1/${ns}/items/a%20b`, { headers: { "cache-control": "no-cache" } })).text()).toBe("space");
  });

  it("treats an encoded slash as a slash: a%2Fb is a/b", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/a%2Fb`, { method: "PUT", body: "slash" });
    expect(await (await api(`/v1/${ns}/items/a/b`)).text()).toBe("slash");
  });

  it("keeps namespaces apart", async () => {
    const one = uniqueNamespace();
    const two = uniqueNamespace();
    await api(`/v1/${one}/items/k`, { method: "PUT", body: "one" });
    expect((await api(`/v1/${two}/items/k`)).status).toBe(404);
  });
});

describe("validation before storage", () => {
  const ns = "valid-ns";
  it.each([
    ["/v1/Bad/items/k", "GET"],
    ["/v1/-x/items/k", "PUT"],
    [`/v1/${"n".repeat(65)}/items/k`, "GET"],
    [`/v1/${ns}/items/a%2F..%2Fb`, "GET"],
    [`/v1/${ns}/items/a%2F.%2Fb`, "PUT"],
    [`/v1/${ns}/items/a/%2e%2e`, "DELETE"],
    [`/v1/${ns}/items/a//b`, "GET"],
    [`/v1/${ns}/items/a%00b`, "GET"],
    [`/v1/${ns}/items/%FF`, "GET"],
    [`/v1/${ns}/items/${"k".repeat(513)}`, "PUT"],
    [`/v1/${ns}/items/`, "GET"],
    [`/v1/${ns}/items/k?ttl=-1`, "PUT"],
    [`/v1/${ns}/items/k?ttl=1.5`, "PUT"],
    [`/v1/${ns}/items/k?ttl=31536001`, "PUT"],
    [`/v1/${ns}/items/k?ttl=`, "PUT"],
    [`/v1/${ns}/items/k?op=explode`, "POST"],
    [`/v1/${ns}/items/k`, "POST"],
    [`/v1/${ns}/items/k?op=incr&by=-1`, "POST"],
    [`/v1/${ns}/items/k?op=incr&by=1.5`, "POST"],
    [`/v1/${ns}/items/k?op=incr&initial=x`, "POST"],
    [`/v1/${ns}/items/k?op=touch&ttl=abc`, "POST"],
  ])("%s (%s) → 400 bad_request", async (path, method) => {
    await expectError(await api(path, { method, ...(method === "PUT" ? { body: "x" } : {}) }), 400, "bad_request");
  });

  it("refuses a bad Content-Type, bad conditional headers and both at once", async () => {
    await expectError(await api(`/v1/${ns}/items/k`, { method: "PUT", body: "x", headers: { "content-type": "nonsense" } }), 400, "bad_request");
    await expectError(await api(`/v1/${ns}/items/k`, { method: "PUT", body: "x", headers: { "if-none-match": '"abc"' } }), 400, "bad_request");
    await expectError(await api(`/v1/${ns}/items/k`, { method: "PUT", body: "x", headers: { "if-match": "abc" } }), 400, "bad_request");
    await expectError(await api(`/v1/${ns}/items/k`, { method: "PUT", body: "x", headers: { "if-match": "*", "if-none-match": "*" } }), 400, "bad_request");
  });

  it("nothing refused is stored", async () => {
    const fresh = uniqueNamespace();
    await expectError(await api(`/v1/${fresh}/items/k?ttl=-5`, { method: "PUT", body: "x" }), 400, "bad_request");
    await expectError(await api(`/v1/${fresh}/items/k`), 404, "not_found");
  });
});

describe("DELETE", () => {
  it("answers 204 whether or not the item existed, and the item is gone", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v" });
    expect((await api(`/v1/${ns}/items/k`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/v1/${ns}/items/k`, { method: "DELETE" })).status).toBe(204);
    await expectError(await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } }), 404, "not_found");
    expect((await api(`/v1/${ns}/items/k`, { method: "HEAD" })).status).toBe(404);
  });

  it("with If-Match deletes only that version, else 412", async () => {
    const ns = uniqueNamespace();
    const { etag } = await (await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v1" })).json<{ etag: string }>();
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v2" });
    await expectError(await api(`/v1/${ns}/items/k`, { method: "DELETE", headers: { "if-match": etag } }), 412, "precondition_failed");
    const get = await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } });
    expect(await get.text()).toBe("v2");
    const current = get.headers.get("etag") as string;
    expect((await api(`/v1/${ns}/items/k`, { method: "DELETE", headers: { "if-match": current } })).status).toBe(204);
    await expectError(await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } }), 404, "not_found");
    await expectError(await api(`/v1/${ns}/items/k`, { method: "DELETE", headers: { "if-match": current } }), 412, "precondition_failed");
    await expectError(await api(`/v1/${ns}/items/missing`, { method: "DELETE", headers: { "if-match": "*" } }), 412, "precondition_failed");
  });

  it("an item can be written again after a conditional delete", async () => {
    const ns = uniqueNamespace();
    const { etag } = await (await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v1" })).json<{ etag: string }>();
    await api(`/v1/${ns}/items/k`, { method: "DELETE", headers: { "if-match": etag } });
    const add = await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v2", headers: { "if-none-match": "*" } });
    expect(add.status).toBe(201);
    expect(await (await api(`/v1/${ns}/items/k`)).text()).toBe("v2");
  });
});
