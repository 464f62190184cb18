import { tagVerdict, type TagVerdict } from "../cache/tag-state";
import type { RequestContext } from "../http/request-context";

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
