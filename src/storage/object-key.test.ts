import { describe, expect, it } from "vitest";
import { encodeKeyPath, objectKey, objectUrl } from "./object-key";

describe("object keys", () => {
  it("lays out prefix, namespace, generation and key", () => {
    expect(objectKey("cloudcached/", "ns", 3, "a/b")).toBe("cloudcached/ns/3/a/b");
  });
  it("encodes each segment, keeping slashes between them", () => {
    expect(encodeKeyPath("a b/c+d")).toBe("a%20b/c%2Bd");
    expect(encodeKeyPath("!'()*")).toBe("%21%27%28%29%2A");
    expect(encodeKeyPath("✓")).toBe("%E2%9C%93");
    expect(encodeKeyPath("100%/x?y#z")).toBe("100%25/x%3Fy%23z");
  });
  it("keeps a + and a space apart (aws4fetch signs a raw + as a space)", () => {
    expect(encodeKeyPath("a+b")).not.toBe(encodeKeyPath("a b"));
    expect(encodeKeyPath("a+b")).not.toContain("+");
  });
  it("builds path-style URLs", () => {
    expect(objectUrl("http://127.0.0.1:9000", "bucket", "p/ns/0/k ey")).toBe("http://127.0.0.1:9000/bucket/p/ns/0/k%20ey");
  });
});
