import { describe, expect, it } from "vitest";
import { secretsEqual } from "./secrets";

describe("secretsEqual", () => {
  it("accepts the same secret and refuses others, also of other lengths", async () => {
    expect(await secretsEqual("admin-token-1", "admin-token-1")).toBe(true);
    expect(await secretsEqual("admin-token-2", "admin-token-1")).toBe(false);
    expect(await secretsEqual("admin-token-1x", "admin-token-1")).toBe(false);
    expect(await secretsEqual("", "admin-token-1")).toBe(false);
    expect(secretsEqual("admin-token-", "admin-token-1")).toBe(false);
    // The expected secret is compared as if repeated: its repetitions must not pass.
    expect(secretsEqual("admin-token-1admin-token-1", "admin-token-1")).toBe(false);
    expect(secretsEqual("aa", "a")).toBe(false);
    expect(secretsEqual("a", "aa")).toBe(false);
  });

  it("stays right when the expected secret changes, and after many different ones", async () => {
    for (let i = 0; i < 40; i++) {
      const expected = `secret-${i}`;
      expect(await secretsEqual(expected, expected)).toBe(true);
      expect(await secretsEqual(`secret-${i + 1}`, expected)).toBe(false);
      expect(await secretsEqual("secret-0", expected)).toBe(i === 0);
    }
  });

  it("gives the same answers to concurrent checks", async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => secretsEqual(i % 2 === 0 ? "fresh-secret" : "wrong", "fresh-secret")));
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i % 2 === 0));
  });
});
