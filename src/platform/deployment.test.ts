import { describe, expect, it } from "vitest";
import type { Config } from "./config";
import { deploymentHash, deploymentOf, R2_BINDING_ENDPOINT } from "./deployment";

const store = { endpoint: "https://s3.example", bucket: "cache", prefix: "cloudcached/", accessKeyId: "AKIATENANTA" };

describe("deploymentHash", () => {
  it("is stable, short, and differs with the endpoint, the bucket, the prefix or the access key id", () => {
    const base = deploymentHash(store);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(deploymentHash({ ...store })).toBe(base);
    const others = [
      deploymentHash({ ...store, endpoint: "https://s3.example.org" }),
      deploymentHash({ ...store, bucket: "cache2" }),
      deploymentHash({ ...store, prefix: "staging/" }),
      deploymentHash({ ...store, prefix: "" }),
      // Two tenants' same-named buckets on one endpoint (Ceph RGW tenants): told apart by the key id.
      deploymentHash({ ...store, accessKeyId: "AKIATENANTB" }),
      // The separator keeps the parts apart: moving text from one to the next is another deployment.
      deploymentHash({ ...store, bucket: "cachec", prefix: "loudcached/" }),
      deploymentHash({ ...store, prefix: "cloudcached/A", accessKeyId: "KIATENANTA" }),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it("names the access key id and leaves the secret key out", () => {
    const settings = (secretAccessKey: string, accessKeyId = store.accessKeyId): Pick<Config, "prefix" | "store"> => ({
      prefix: store.prefix,
      store: { kind: "s3", s3: { ...store, accessKeyId, region: "auto", secretAccessKey, dialect: null } },
    });
    expect(deploymentOf(settings("one secret", "AKIATENANTB"))).not.toBe(deploymentOf(settings("one secret")));
    expect(deploymentOf(settings("one secret"))).toBe(deploymentOf(settings("another secret")));
    expect(deploymentOf(settings("one secret"))).toBe(deploymentHash(store));
  });
});

describe("deploymentOf through the R2 binding", () => {
  const bucket = {} as R2Bucket;
  const bound = (bucketName: string, prefix = "cloudcached/", adminToken = "one token"): Pick<Config, "prefix" | "store" | "adminToken"> => ({
    prefix,
    store: { kind: "r2", bucket, bucketName },
    adminToken,
  });

  it("is named by the bound bucket's name (STORE_BUCKET) and the prefix, never by a secret", () => {
    const base = deploymentOf(bound("cloudcached"));
    expect(deploymentOf(bound("cloudcached", "cloudcached/", "a rotated token"))).toBe(base);
    expect(deploymentOf(bound("cloudcached-staging"))).not.toBe(base);
    expect(deploymentOf(bound("cloudcached", "staging/"))).not.toBe(base);
    expect(base).toBe(deploymentHash({ endpoint: R2_BINDING_ENDPOINT, bucket: "cloudcached", prefix: "cloudcached/", accessKeyId: "" }));
    // Not the S3 way's name for a same-named bucket: the endpoint tells the ways apart.
    expect(base).not.toBe(deploymentHash({ ...store, bucket: "cloudcached" }));
  });
});
