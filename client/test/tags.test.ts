// NEEDS tags and metadata (X-Tags, X-Meta, POST /v1/{ns}/tags/{tag}; API.md "Tags and metadata").
import { describe, expect, it } from "vitest";
import { cli } from "./support/cli.js";
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
