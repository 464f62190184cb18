import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/platform/config";
import { S3Storage } from "../src/storage/s3/s3-storage";
import { s3Of } from "./store";
import { api, uniqueNamespace } from "./helpers";

// Store-agnostic: run against the embedded store and against Ceph RGW (.ci/ceph-suite.sh), these
// prove the conditional writes stay atomic whatever dialect the store speaks (src/storage/s3/dialect.ts).
const config = parseConfig(env as unknown as Record<string, unknown>);
const storage = () => new S3Storage(s3Of(config), config.storageTimeoutMs);
const text = (value: string) => new TextEncoder().encode(value);

describe("conditional writes on this store", () => {
  it("a PUT conditional on the current ETag succeeds, on another ETag or a missing key it is refused", async () => {
    const key = `${config.prefix}dialect/${crypto.randomUUID()}`;
    const meta = { contentType: "text/plain", expiresAt: null };
    const first = await storage().put(key, text("one"), meta, { kind: "absent" });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const second = await storage().put(key, text("two"), meta, { kind: "match", etag: first.etag });
    expect(second).toMatchObject({ ok: true });
    const stale = await storage().put(key, text("three"), meta, { kind: "match", etag: first.etag });
    expect(stale).toEqual({ ok: false, reason: "precondition_failed" });
    const missing = await storage().put(`${key}-missing`, text("x"), meta, { kind: "match", etag: first.etag });
    expect(missing).toEqual({ ok: false, reason: "precondition_failed" });
    const got = await storage().get(key);
    expect(got && (await new Response(got.body).text())).toBe("two");
    await storage().delete(key);
  });

  it("a metadata rewrite conditional on a stale ETag changes nothing", async () => {
    const key = `${config.prefix}dialect/${crypto.randomUUID()}`;
    const first = await storage().put(key, text("value"), { contentType: "text/plain", expiresAt: null }, { kind: "none" });
    if (!first.ok) throw new Error("setup write failed");
    const second = await storage().put(key, text("value2"), { contentType: "text/plain", expiresAt: null }, { kind: "none" });
    if (!second.ok) throw new Error("setup write failed");
    const refused = await storage().replaceMeta(key, first.etag, { contentType: "text/plain", expiresAt: 1 });
    expect(refused).toEqual({ ok: false, reason: "precondition_failed" });
    const head = await storage().head(key);
    expect(head?.meta.expiresAt).toBeNull();
    expect(head?.etag).toBe(second.etag);
    const done = await storage().replaceMeta(key, second.etag, { contentType: "text/csv", expiresAt: 4102444800 });
    expect(done.ok).toBe(true);
    const after = await storage().get(key);
    expect(after?.meta).toEqual({ contentType: "text/csv", expiresAt: 4102444800, grace: 0 });
    expect(after && (await new Response(after.body).text())).toBe("value2");
    await storage().delete(key);
  });

  it("through the API: cas, touch and a conditional delete each act once on one version", async () => {
    const ns = uniqueNamespace("dialect");
    const put = await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v1", headers: { "content-type": "text/plain" } });
    const v1 = put.headers.get("etag") ?? "";
    const cas = await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v2", headers: { "if-match": v1 } });
    expect(cas.status).toBe(200);
    const v2 = cas.headers.get("etag") ?? "";
    expect(v2).not.toBe(v1);
    const casAgain = await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v3", headers: { "if-match": v1 } });
    expect(casAgain.status).toBe(412);
    await casAgain.body?.cancel();
    const touch = await api(`/v1/${ns}/items/k?op=touch&ttl=600`, { method: "POST" });
    expect(touch.status).toBe(200);
    const touched = (await touch.json()) as { etag: string; expiresAt: number };
    const read = await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } });
    expect(await read.text()).toBe("v2");
    expect(read.headers.get("x-expires-at")).toBe(String(touched.expiresAt));
    expect(read.headers.get("etag")).toBe(touched.etag);
    const del = await api(`/v1/${ns}/items/k`, { method: "DELETE", headers: { "if-match": touched.etag } });
    expect(del.status).toBe(204);
    const gone = await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } });
    expect(gone.status).toBe(404);
    await gone.body?.cancel();
    const touchGone = await api(`/v1/${ns}/items/k?op=touch&ttl=600`, { method: "POST" });
    expect(touchGone.status).toBe(404);
    await touchGone.body?.cancel();
  });
});
