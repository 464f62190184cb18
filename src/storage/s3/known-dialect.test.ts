import { describe, expect, it } from "vitest";
import { dialectCacheUrl } from "./known-dialect";

describe("dialectCacheUrl", () => {
  const deployment = { endpoint: "https://s3.example.com", bucket: "b", prefix: "cloudcached/" };
  it("names the deployment: another endpoint, bucket or prefix is another entry", () => {
    const url = dialectCacheUrl(deployment);
    expect(new URL(url).host).toBe("cloudcached.cache");
    for (const other of [{ endpoint: "https://s3.example.org" }, { bucket: "c" }, { prefix: "staging/" }]) {
      expect(dialectCacheUrl({ ...deployment, ...other })).not.toBe(url);
    }
  });
  it("cannot be confused by a slash inside a part", () => {
    expect(dialectCacheUrl({ endpoint: "https://a", bucket: "b/c", prefix: "" })).not.toBe(dialectCacheUrl({ endpoint: "https://a", bucket: "b", prefix: "c" }));
  });
});
