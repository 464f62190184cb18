import { tagVerdict, type TagState, type TagVerdict } from "../cache/tag-state";
import type { RequestContext } from "../http/request-context";
import type { StoredHead } from "../storage/storage";

/**
 * What an item's tags make of it on a read: its tags' states (memory within the second, else all
 * confirmed at once) applied to its write time. An untagged item costs nothing, and neither does a
 * tagged one whose tags were all confirmed within the second: its verdict is given at once, not as
 * a promise (a hit awaits nothing for its tags).
 */
export function judgeTags(ctx: Pick<RequestContext, "tagStates" | "fresh">, namespace: string, item: { tags: readonly string[]; writtenAt: number | null; expiresAt: number | null }): TagVerdict | Promise<TagVerdict> {
  if (item.tags.length === 0) return { deleted: false, expiresAt: item.expiresAt };
  const known = ctx.tagStates.trusted(namespace, item.tags, ctx.fresh);
  if (known !== null) return tagVerdict(item.expiresAt, item.writtenAt, known);
  return ctx.tagStates.states(namespace, item.tags, ctx.fresh).then((states) => tagVerdict(item.expiresAt, item.writtenAt, states));
}

/** The states of a namespace's tags, as a request confirms them (TagStates.states). */
export type TagStatesOf = (namespace: string, tags: readonly string[]) => Promise<TagState[]>;

/**
 * A stored object as its tags' states make it, for every path that decides whether an item is there
 * (reads, and the conditional writes that need it present or absent): a delete after its write makes
 * it a tombstone (absent for everyone, its object still there to write over at its ETag); an expire
 * sets its expiry (stale for its grace). Pure.
 */
export function storedAfterTags<T extends StoredHead>(found: T, states: readonly TagState[]): T {
  const verdict = tagVerdict(found.meta.expiresAt, found.meta.writtenAt ?? null, states);
  if (verdict.deleted) return { ...found, tombstone: true };
  if (verdict.expiresAt === found.meta.expiresAt) return found;
  return { ...found, meta: { ...found.meta, expiresAt: verdict.expiresAt } };
}

/**
 * `storedAfterTags` with the object's tags' states confirmed (all at once): no call for an absent,
 * emptied or untagged object, nor for tags confirmed within the second.
 */
export async function judgeStored<T extends StoredHead>(statesOf: TagStatesOf, namespace: string, found: T | null): Promise<T | null> {
  const tags = found?.meta.tags;
  if (!found || found.tombstone || !tags || tags.length === 0) return found;
  return storedAfterTags(found, await statesOf(namespace, tags));
}
