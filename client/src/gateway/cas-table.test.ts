import { describe, expect, it } from "vitest";
import { CasTable } from "./cas-table.js";

describe("CasTable", () => {
  it("one unique per (key, ETag), stable while remembered, never reused", () => {
    const table = new CasTable(10, 100n);
    const a1 = table.uniqueOf("a", '"e1"');
    expect(table.uniqueOf("a", '"e1"')).toBe(a1);
    const a2 = table.uniqueOf("a", '"e2"');
    const b1 = table.uniqueOf("b", '"e1"'); // the same ETag on another key is another version
    expect(new Set([a1, a2, b1]).size).toBe(3);
    expect(table.etagOf("a", a1)).toBe('"e1"');
    expect(table.etagOf("b", b1)).toBe('"e1"');
    expect(table.etagOf("b", a1)).toBeNull(); // a unique given for one key matches nothing on another
    expect(table.etagOf("a", 99999n)).toBeNull();
  });

  it("forgets the least recently used past its capacity: a forgotten unique matches nothing", () => {
    const table = new CasTable(2, 0n);
    const first = table.uniqueOf("k", "1");
    const second = table.uniqueOf("k", "2");
    table.uniqueOf("k", "1"); // used again: now the newest
    const third = table.uniqueOf("k", "3");
    expect(table.etagOf("k", second)).toBeNull();
    expect(table.etagOf("k", first)).toBe("1");
    expect(table.etagOf("k", third)).toBe("3");
    expect(table.uniqueOf("k", "2")).not.toBe(second); // seen again: a new unique, never the old one
  });
});
