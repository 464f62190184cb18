import { describe, expect, it } from "vitest";
import { parseConfig, REQUIRED_SETTINGS } from "./config";
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
    expect(config.s3).toMatchObject({ endpoint: "http://127.0.0.1:9000", region: "auto", prefix: "cloudcached/" });
  });
  it.each(REQUIRED_SETTINGS)("names a missing %s, never a value", (name) => {
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
    expect(config.s3.prefix).toBe("cache/");
  });
  it("reads S3_DIALECT: a named dialect, or null (probe the store) when empty", () => {
    expect(parseConfig(minimal).s3.dialect).toBeNull();
    expect(parseConfig({ ...minimal, S3_DIALECT: " " }).s3.dialect).toBeNull();
    expect(parseConfig({ ...minimal, S3_DIALECT: "standard" }).s3.dialect).toEqual({ ifMatch: "quoted", copyIfMatch: true });
    expect(parseConfig({ ...minimal, S3_DIALECT: "ceph-rgw" }).s3.dialect).toEqual({ ifMatch: "bare", copyIfMatch: false });
    expect(failure({ ...minimal, S3_DIALECT: "minio" }).message).toContain("standard, ceph-rgw");
  });
});
