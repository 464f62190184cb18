import { describe, expect, it } from "vitest";
import { remember } from "./bounded-memory";

describe("remember", () => {
  it("keeps at most max entries: a new key that finds the memory full empties it first", () => {
    const memory = new Map<string, number>();
    for (let i = 0; i < 3; i++) remember(memory, 3, `k${i}`, i);
    expect([...memory]).toEqual([["k0", 0], ["k1", 1], ["k2", 2]]);
    remember(memory, 3, "k3", 3);
    expect([...memory]).toEqual([["k3", 3]]);
  });
  it("never empties the memory to set a key it already holds", () => {
    const memory = new Map([["a", 1], ["b", 2]]);
    remember(memory, 2, "a", 10);
    expect([...memory]).toEqual([["a", 10], ["b", 2]]);
  });
});
