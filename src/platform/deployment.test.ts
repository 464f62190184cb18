import { describe, expect, it } from "vitest";
import { deploymentHash } from "./deployment";

describe("deploymentHash", () => {
  it("is stable, short, and differs with the endpoint, the bucket or the prefix", () => {
    const base = deploymentHash("https://s3.example", "cache", "cloudcached/");
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(deploymentHash("https://s3.example", "cache", "cloudcached/")).toBe(base);
    const others = [
      deploymentHash("https://s3.example.org", "cache", "cloudcached/"),
      deploymentHash("https://s3.example", "cache2", "cloudcached/"),
      deploymentHash("https://s3.example", "cache", "staging/"),
      deploymentHash("https://s3.example", "cache", ""),
      // The separator keeps the parts apart: moving text from one to the next is another deployment.
      deploymentHash("https://s3.example", "cachec", "loudcached/"),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });
});
