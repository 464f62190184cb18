// NEEDS tags and metadata (X-Tags, X-Meta, POST /v1/{ns}/tags/{tag}; API.md "Tags and metadata").
import { describe, expect, it } from "vitest";
import { cli } from "./support/cli.js";
import { CloudCachedError } from "../src/index.js";
import { adminClient, adminToken, workerUrl } from "./support/helpers.js";

describe("tags and metadata", () => {
  it("set carries tags and metadata; gets and info give them back; expireTag and deleteTag invalidate exactly their items", async () => {
    const cache = adminClient();
    const meta = { source: "pricing", é: [1, 2.5, null] };
    await cache.set("product/42", "page", { tags: ["product-42", "pages"], meta });
    await cache.set("product/42/price", "9.99", { tags: ["product-42"] });
    await cache.setMany([["product/7", "page", { tags: ["product/7..", "pages"], meta: { n: 1 } }]]);
    const item = await cache.gets("product/42", { fresh: true });
    expect(item?.tags).toStrictEqual(["product-42", "pages"]);
    expect(item?.meta).toStrictEqual(meta);
    expect((await cache.info("product/7", { fresh: true }))?.meta).toStrictEqual({ n: 1 });
    expect((await cache.info("product/7", { fresh: true }))?.tags).toStrictEqual(["product/7..", "pages"]);

    await cache.expireTag("product-42");
    expect(await cache.get("product/42")).toBeNull();
    expect(await cache.get("product/42/price")).toBeNull();
    expect(await cache.get("product/7")).toBe("page");
    await cache.deleteTag("product/7..");
    expect(await cache.get("product/7")).toBeNull();
  });

  it("add, replace and cas write tags and metadata; getMany with { items: true } gives each item's back", async () => {
    const cache = adminClient();
    expect(await cache.add("a", "1", { tags: ["t-add"], meta: { by: "add" } })).not.toBeNull();
    expect(await cache.replace("a", "2", { tags: ["t-replace"], meta: { by: "replace" } })).not.toBeNull();
    const before = await cache.gets("a", { fresh: true });
    expect(before).toMatchObject({ value: "2", tags: ["t-replace"], meta: { by: "replace" } });
    expect(await cache.cas("a", "3", before!.etag, { tags: ["t-cas", "t-shared"], meta: { by: "cas", "ü": "ünï" } })).not.toBeNull();
    await cache.set("plain", 7);

    const items = await cache.getMany(["a", "plain", "absent"], { items: true });
    const a = items.get("a");
    expect(a).toMatchObject({ value: "3", tags: ["t-cas", "t-shared"], meta: { by: "cas", "ü": "ünï" }, contentType: expect.stringMatching(/^text\/plain/) });
    expect(a instanceof CloudCachedError || a == null ? "" : a.etag).toBe((await cache.info("a", { fresh: true }))?.etag);
    expect(items.get("plain")).toMatchObject({ value: 7, tags: [], meta: null });
    expect(items.get("absent")).toBeNull();
    expect(await cache.getMany(["a", "plain"])).toStrictEqual(new Map<string, unknown>([["a", "3"], ["plain", 7]]));

    await cache.expireTag("t-shared");
    expect((await cache.getMany(["a"], { items: true })).get("a")).toBeNull();
  });

  it("getOrSet writes the computed value with its tags and metadata", async () => {
    const cache = adminClient();
    expect(await cache.getOrSet("page", () => "computed", { ttl: 60, tags: ["product-1"], meta: { renderedBy: "web-1" } })).toBe("computed");
    expect(await cache.info("page", { fresh: true })).toMatchObject({ tags: ["product-1"], meta: { renderedBy: "web-1" } });
    await cache.expireTag("product-1");
    expect(await cache.getOrSet("page", () => "again", { ttl: 60, tags: ["product-1"] })).toBe("again");
  });

  it("tags or metadata the Worker refuses are its 400, naming the header or the entry", async () => {
    const cache = adminClient();
    await expect(cache.set("k", "v", { tags: ["has space"] })).rejects.toMatchObject({ status: 400, code: "bad_request", message: expect.stringMatching(/X-Tags/i) });
    await expect(cache.set("k", "v", { meta: { big: "x".repeat(2000) } })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/X-Meta/i) });
    const many = await cache.setMany([["k", "v", { tags: ["a,b"] }]]);
    expect(many.get("k")).toMatchObject({ status: 400, message: expect.stringMatching(/tags/) });
    expect(await cache.get("k", { fresh: true })).toBeNull();
  });

  it("the CLI sets tags (--tag, repeatable) and metadata (--meta), and expires or deletes a tag", async () => {
    const cache = adminClient();
    const env = { CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: adminToken(), CLOUDCACHED_NAMESPACE: cache.namespace };
    expect((await cli(["set", "a", "1", "--tag", "t1", "--tag", "t2", "--meta", '{"by":"cli"}'], env)).code).toBe(0);
    expect((await cli(["set", "b", "2", "--tag", "t2"], env)).code).toBe(0);
    const info = await cache.info("a", { fresh: true });
    expect(info?.tags).toStrictEqual(["t1", "t2"]);
    expect(info?.meta).toStrictEqual({ by: "cli" });
    expect((await cli(["set", "c", "3", "--meta", "[1]"], env)).code).toBe(2);
    expect((await cli(["tag", "expire", "t1"], env)).code).toBe(0);
    expect(await cache.get("a")).toBeNull();
    expect(await cache.get("b")).toBe("2");
    expect((await cli(["tag", "delete", "t2"], env)).code).toBe(0);
    expect(await cache.get("b")).toBeNull();
    expect((await cli(["tag", "purge", "t2"], env)).code).toBe(2);
  });
});
