import { describe, expect, it } from "vitest";
import { parseConfig, REQUIRED_SETTINGS } from "./config";
import { S3_CONNECTION_SETTINGS } from "./required-settings";
import { ApiError } from "../http/errors";

const minimal = {
  S3_ENDPOINT: "http://127.0.0.1:9000/",
  S3_BUCKET: "bucket",
  S3_ACCESS_KEY_ID: "id",
  S3_SECRET_ACCESS_KEY: "very-secret-value",
  ADMIN_TOKEN: "admin-secret-value",
};

function failure(env: Record<string, string>): ApiError {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ApiError) return err;
  }
  throw new Error("expected an ApiError");
}

function s3Dialect(env: Record<string, string>): unknown {
  const { store } = parseConfig(env);
  return store.kind === "s3" ? store.s3.dialect : "not the S3 way";
}

describe("parseConfig", () => {
  it("applies API.md's defaults", () => {
    const config = parseConfig(minimal);
    expect(config).toMatchObject({
      defaultTtl: 3600,
      maxTtl: 31_536_000,
      maxValueBytes: 100_000_000,
      edgeTtl: 60,
      maxTokenTtl: 2_592_000,
      storageTimeoutMs: 10_000,
      subrequestLimit: 50,
      sweepBudget: 45,
      publicReadNamespaces: [],
    });
    expect(config.prefix).toBe("cloudcached/");
    expect(config.store).toMatchObject({ kind: "s3", s3: { endpoint: "http://127.0.0.1:9000", region: "auto", prefix: "cloudcached/" } });
  });
  it.each([...S3_CONNECTION_SETTINGS, ...REQUIRED_SETTINGS])("names a missing %s, never a value", (name) => {
    const err = failure({ ...minimal, [name]: "" });
    expect(err.status).toBe(500);
    expect(err.code).toBe("internal");
    expect(err.message).toContain(name);
    for (const value of Object.values(minimal)) expect(err.message).not.toContain(value);
  });
  it.each([
    ["DEFAULT_TTL", "-1"],
    ["MAX_TTL", "0"],
    ["EDGE_TTL", "1.5"],
    ["STORAGE_TIMEOUT_MS", "fast"],
    ["S3_ENDPOINT", "not a url"],
    ["S3_ENDPOINT", "ftp://x"],
    ["S3_DIALECT", "rgw"],
    ["S3_DIALECT", "Standard"],
    ["SUBREQUEST_LIMIT", "10"],
    ["SUBREQUEST_LIMIT", "many"],
    ["SWEEP_BUDGET", "13"],
    ["SWEEP_BUDGET", "lots"],
  ])("refuses %s=%j, naming it", (name, value) => {
    const err = failure({ ...minimal, [name]: value });
    expect(err.message).toContain(name);
    expect(err.message).not.toContain(value === "not a url" ? "very-secret" : "very-secret-value");
  });
  it("reads lists and a prefix", () => {
    const config = parseConfig({ ...minimal, PUBLIC_READ_NAMESPACES: " a, b ,", S3_PREFIX: "cache" });
    expect(config.publicReadNamespaces).toEqual(["a", "b"]);
    expect(config.prefix).toBe("cache/");
  });
  it("reads S3_DIALECT: a named dialect, or null (probe the store) when empty", () => {
    expect(s3Dialect(minimal)).toBeNull();
    expect(s3Dialect({ ...minimal, S3_DIALECT: " " })).toBeNull();
    expect(s3Dialect({ ...minimal, S3_DIALECT: "standard" })).toEqual({ ifMatch: "quoted", copyIfMatch: true });
    expect(s3Dialect({ ...minimal, S3_DIALECT: "ceph-rgw" })).toEqual({ ifMatch: "bare", copyIfMatch: false });
    expect(failure({ ...minimal, S3_DIALECT: "minio" }).message).toContain("standard, ceph-rgw");
  });
});

/** An R2 bucket binding as `parseConfig` tells one apart (the binding's own methods); never called here. */
const boundBucket = { head: () => null, get: () => null, put: () => null, list: () => null, delete: () => null } as unknown as R2Bucket;
const { S3_ENDPOINT: _e, S3_BUCKET: _b, S3_ACCESS_KEY_ID: _k, S3_SECRET_ACCESS_KEY: _s, ...withoutS3Settings } = minimal;
const withoutS3 = { ...withoutS3Settings, STORE_BUCKET: "cloudcached" };

describe("parseConfig with the R2 binding STORE", () => {
  it("needs no S3 setting: storage is the binding", () => {
    const config = parseConfig({ ...withoutS3, STORE: boundBucket, S3_PREFIX: "cache" });
    expect(config.store).toEqual({ kind: "r2", bucket: boundBucket, bucketName: "cloudcached" });
    expect(config.prefix).toBe("cache/");
  });
  it("needs STORE_BUCKET, the bound bucket's name, and refuses one R2 could not have", () => {
    const { STORE_BUCKET: _n, ...unnamed } = withoutS3;
    expect(failure({ ...unnamed, STORE: boundBucket } as unknown as Record<string, string>).message).toBe("server misconfigured: the setting STORE_BUCKET is missing");
    for (const name of ["Cloudcached", "ab", "-cache", "cache-", "my_cache", "a".repeat(64)]) {
      expect(failure({ ...withoutS3, STORE: boundBucket, STORE_BUCKET: name } as unknown as Record<string, string>).message, name).toContain("the setting STORE_BUCKET must be");
    }
    expect(parseConfig({ ...minimal, STORE_BUCKET: "Not A Bucket" }).store.kind).toBe("s3");
  });
  it.each(S3_CONNECTION_SETTINGS)("refuses the binding beside %s, naming both and no value", (name) => {
    const err = failure({ ...withoutS3, STORE: boundBucket, [name]: minimal[name] } as unknown as Record<string, string>);
    expect(err.status).toBe(500);
    expect(err.message).toContain("STORE");
    expect(err.message).toContain(name);
    expect(err.message).not.toContain(minimal[name]);
  });
  it("ignores S3 settings left empty, and refuses a STORE that is not a bucket", () => {
    expect(parseConfig({ ...withoutS3, STORE: boundBucket, S3_ENDPOINT: " " } as unknown as Record<string, string>).store.kind).toBe("r2");
    expect(failure({ ...minimal, STORE: "bucket" }).message).toContain("STORE");
  });
});
