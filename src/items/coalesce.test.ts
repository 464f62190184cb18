import { describe, expect, it } from "vitest";
import { Flights } from "./coalesce";

describe("Flights", () => {
  it("concurrent callers of one key share one call; other keys get their own", async () => {
    const flights = new Flights<number>();
    let calls = 0;
    let release: (n: number) => void = () => undefined;
    const start = () => {
      calls += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const a = flights.run("k", start);
    const b = flights.run("k", start);
    expect(a.leader).toBe(true);
    expect(b.leader).toBe(false);
    const other = flights.run("j", () => Promise.resolve(7));
    expect(other.leader).toBe(true);
    release(42);
    expect(await a.promise).toBe(42);
    expect(await b.promise).toBe(42);
    expect(await other.promise).toBe(7);
    expect(calls).toBe(1);
  });

  it("forgets a call once it settles, also when it fails", async () => {
    const flights = new Flights<number>();
    const failed = flights.run("k", () => Promise.reject(new Error("boom")));
    await expect(failed.promise).rejects.toThrow("boom");
    expect(flights.size).toBe(0);
    const next = flights.run("k", () => Promise.resolve(1));
    expect(next.leader).toBe(true);
    expect(await next.promise).toBe(1);
  });
});
