import { describe, expect, it } from "vitest";
import { testConfig, testStorage, uniquePrefix } from "../../test/store";
import { Generations } from "./generation";

/** Nothing listens there. */
const NOWHERE = "http://127.0.0.1:9";

describe("Generations.current with `background` (real store, caches of their own)", () => {
  const setup = async () => {
    const config = testConfig({ S3_PREFIX: uniquePrefix("bg") });
    const here = await caches.open(`bg-here-${Math.random()}`);
    // A flush made at another location: the same bucket, another cache.
    const elsewhere = new Generations(testStorage(config), config.s3.prefix, await caches.open(`bg-there-${Math.random()}`), 60);
    expect(await elsewhere.flush("ns")).toBe(1);
    const live = new Generations(testStorage(config), config.s3.prefix, here, 60);
    const offline = new Generations(testStorage(testConfig({ S3_PREFIX: config.s3.prefix, S3_ENDPOINT: NOWHERE })), config.s3.prefix, here, 60);
    return { live, offline };
  };

  it("hands the location-cache write of a fresh read to `background`, and it lands", async () => {
    const { live, offline } = await setup();
    const handed: Promise<unknown>[] = [];
    expect(await live.current("ns", { fresh: true, background: (promise) => handed.push(promise) })).toBe(1);
    expect(handed).toHaveLength(1);
    await Promise.all(handed);
    // Storage unreachable: the generation now comes from this location's cache.
    expect(await offline.current("ns")).toBe(1);
  });

  it("without `background`, the write is done when the answer comes", async () => {
    const { live, offline } = await setup();
    expect(await live.current("ns", { fresh: true })).toBe(1);
    expect(await offline.current("ns")).toBe(1);
  });
});
