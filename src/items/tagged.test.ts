import { describe, expect, it } from "vitest";
import { TagStates } from "../cache/tag-state";
import type { StoredHead } from "../storage/storage";
import { testConfig, testStorage, uniquePrefix } from "../../test/store";
import { countSubrequests } from "../../test/subrequests";
import { judgeTags, storedAfterTags } from "./tagged";

const head = (meta: Partial<StoredHead["meta"]>): StoredHead => ({ etag: '"e"', size: 1, tombstone: false, meta: { contentType: "text/plain", expiresAt: 5000, tags: ["t"], writtenAt: 1_000_000, ...meta } });

describe("storedAfterTags", () => {
  it("keeps an item no state invalidated after its write as it is", () => {
    const found = head({});
    expect(storedAfterTags(found, [{ expiredAt: 999_999, deletedAt: 999_999 }])).toBe(found);
    expect(storedAfterTags(found, [{ expiredAt: 0, deletedAt: 0 }])).toBe(found);
  });

  it("makes an item a tag deleted after its write an emptied one (absent, its ETag kept)", () => {
    const judged = storedAfterTags(head({}), [{ expiredAt: 0, deletedAt: 0 }, { expiredAt: 0, deletedAt: 1_000_000 }]);
    expect(judged.tombstone).toBe(true);
    expect(judged.etag).toBe('"e"');
  });

  it("expires an item a tag expired after its write at that second, its grace kept", () => {
    const judged = storedAfterTags(head({ grace: 60 }), [{ expiredAt: 2_000_500, deletedAt: 0 }]);
    expect(judged.tombstone).toBe(false);
    expect(judged.meta.expiresAt).toBe(2000);
    expect(judged.meta.grace).toBe(60);
  });
});

describe("judgeTags", () => {
  it("judges an item at once, with no call, when its tags were confirmed within the second; else confirms them", async () => {
    const config = testConfig();
    const deployment = uniquePrefix("judge");
    const tagStates = new TagStates(testStorage(config), deployment, config.prefix, await caches.open(deployment), 60);
    const item = { tags: ["product-42", "pages", "catalog", "locale-en"], writtenAt: Date.now(), expiresAt: null };

    // Never seen in this isolate: confirmed (a promise).
    const first = judgeTags({ tagStates, fresh: false }, "ns", item);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ deleted: false, expiresAt: null });

    // Within the second: the verdict itself, nothing to await, and not one call.
    // (Wrapped, so that the async work does not flatten a promise into its value.)
    const counted = await countSubrequests(async () => ({ judged: judgeTags({ tagStates, fresh: false }, "ns", item) }));
    expect(counted.result.judged).not.toBeInstanceOf(Promise);
    expect(counted.result.judged).toEqual({ deleted: false, expiresAt: null });
    expect(counted.total).toBe(0);

    // A `no-cache` read confirms them all the same; so does any read past the second.
    const fresh = judgeTags({ tagStates, fresh: true }, "ns", item);
    expect(fresh).toBeInstanceOf(Promise);
    await fresh;
    expect(tagStates.trusted("ns", item.tags, false)).toHaveLength(4);
    expect(tagStates.trusted("ns", item.tags, false, Date.now() + 1000)).toBeNull();
    // One tag not confirmed: all are asked for (at once, in `states`).
    expect(tagStates.trusted("ns", [...item.tags, "other"], false)).toBeNull();
    expect(judgeTags({ tagStates, fresh: false }, "ns", { ...item, tags: [...item.tags, "other"] })).toBeInstanceOf(Promise);
  });

  it("costs nothing for an untagged item", () => {
    const tagStates = new TagStates(testStorage(), "never-asked", "", caches.default, 60);
    expect(judgeTags({ tagStates, fresh: true }, "ns", { tags: [], writtenAt: null, expiresAt: 7 })).toEqual({ deleted: false, expiresAt: 7 });
  });
});
