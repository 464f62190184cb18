import { tagVerdict, type TagVerdict } from "../cache/tag-state";
import type { RequestContext } from "../http/request-context";

/**
 * What an item's tags make of it on a read: its tags' states (memory within the second, else all
 * confirmed at once) applied to its write time. An untagged item costs nothing.
 */
export async function judgeTags(ctx: RequestContext, namespace: string, item: { tags: readonly string[]; writtenAt: number | null; expiresAt: number | null }): Promise<TagVerdict> {
  if (item.tags.length === 0) return { deleted: false, expiresAt: item.expiresAt };
  const states = await ctx.tagStates.states(namespace, item.tags, ctx.fresh);
  return tagVerdict(item.expiresAt, item.writtenAt, states);
}
