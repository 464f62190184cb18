import { describe, expect, it } from "vitest";
import { encodeKeyPath, keyOfStoredName, leaseObjectKey, objectKey, objectUrl, storedKeyName } from "./object-key";

describe("object keys", () => {
  it("lays out prefix, namespace, generation and key", () => {
    expect(objectKey("cloudcached/", "ns", 3, "a/b")).toBe("cloudcached/ns/3/a/b");
  });
  it("keeps an item's lease apart from the items, under the same namespace and generation", () => {
    expect(leaseObjectKey("cloudcached/", "ns", 3, "a/b")).toBe("cloudcached/.leases/ns/3/a/b");
    expect(leaseObjectKey("p/", "ns", 0, "x\u2028y")).toBe(`p/.leases/ns/0/${storedKeyName("x\u2028y")}`);
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
  it("names line separators in the key DEL + L / DEL + P (the embedded store cannot route them), and reads them back", () => {
    expect(objectKey("p/", "ns", 0, "a\u2028b/\u2029")).toBe("p/ns/0/a\u007fLb/\u007fP");
    expect(storedKeyName("\u2028\u2029\u2028")).toBe("\u007fL\u007fP\u007fL");
    for (const key of ["a\u2028b", "\u2029", "L\u2028P", "plain/key", "\u0085\u00a0\u3000\ufeff", "\u{1f600}", "a\u2028\u2028/\u2029L"]) {
      expect(keyOfStoredName(storedKeyName(key)), JSON.stringify(key)).toBe(key);
      expect(storedKeyName(key)).not.toMatch(/[\u2028\u2029]/);
      expect(new TextEncoder().encode(storedKeyName(key)).byteLength).toBeLessThanOrEqual(new TextEncoder().encode(key).byteLength);
    }
  });
  it("leaves every other key's name as it was, so objects written before keep theirs", () => {
    for (const key of ["a", "L", "P", "a/b/c", "\u0085", "\u2027\u202a", "é", "%7F", "\\u2028"]) expect(storedKeyName(key)).toBe(key);
    // A name with no DEL in it (every object an earlier version wrote) reads back as itself.
    expect(keyOfStoredName("a\u2028b")).toBe("a\u2028b");
  });
  it("maps a prefix of a key to a prefix of its name", () => {
    const key = "x\u2028y\u2029z";
    for (let end = 0; end <= key.length; end++) expect(storedKeyName(key).startsWith(storedKeyName(key.slice(0, end)))).toBe(true);
  });
});
