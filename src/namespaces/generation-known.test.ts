import { describe, expect, it } from "vitest";
import { testConfig, testStorage, uniquePrefix } from "../../test/store";
import { Generations } from "./generation";

describe("Generations.known and background remembering (real store, a cache of its own)", () => {
  const setup = async () => {
    const config = testConfig({ S3_PREFIX: uniquePrefix("known") });
    const cache = await caches.open(`known-${Math.random()}`);
    return new Generations(testStorage(config), config.s3.prefix, cache, 60);
  };

  it("is null until the isolate has seen the namespace's generation, then the highest seen", async () => {
    const generations = await setup();
    expect(generations.known("ns")).toBeNull();
    expect(await generations.current("ns")).toBe(0);
    expect(generations.known("ns")).toBe(0);
    expect(await generations.flush("ns")).toBe(1);
    expect(generations.known("ns")).toBe(1);
    expect(generations.known("other")).toBeNull();
  });

  it("hands the location-cache write of a fresh read to `background`, and it lands", async () => {
    const generations = await setup();
    await generations.flush("ns");
    const handed: Promise<unknown>[] = [];
    expect(await generations.current("ns", { fresh: true, background: (promise) => handed.push(promise) })).toBe(1);
    expect(handed).toHaveLength(1);
    await Promise.all(handed);
    // Asked without `fresh`, the answer now comes from the location cache: same generation.
    expect(await generations.current("ns")).toBe(1);
  });
});
