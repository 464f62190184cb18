import assert from "node:assert/strict";
import { test } from "node:test";
import { renderStampede, summarizeStampede } from "./stampede.mjs";

test("summarizeStampede: factory runs per round (median and max), callers' p50/p99 (failed callers counted apart), the stale callers' p50", () => {
  const rounds = [
    { factoryRuns: 1, callers: [{ ms: 1 }, { ms: 2, stale: true }, { ms: 3, stale: true }, { ms: 100 }] },
    { factoryRuns: 3, callers: [{ ms: 4 }] },
    { factoryRuns: 2, callers: [{ ms: 0, error: "storage_unavailable" }] },
  ];
  const s = summarizeStampede(rounds);
  assert.equal(s.factoryRunsPerRound, 2);
  assert.equal(s.factoryRunsMax, 3);
  assert.equal(s.p50Ms, 3);
  assert.equal(s.p99Ms, 100);
  assert.equal(s.failed, 1);
  assert.equal(s.staleServed, 2);
  assert.equal(s.staleP50Ms, 2);
  assert.equal(summarizeStampede([{ factoryRuns: 64, callers: [{ ms: 5 }] }]).staleP50Ms, null);
});

test("renderStampede: a table of the ways and the stale callers' ratio to a hit against its goal", () => {
  const way = summarizeStampede([{ factoryRuns: 1, callers: [{ ms: 2, stale: true }] }]);
  const text = renderStampede({ callers: 64, factoryMs: 50, naive: way, getOrSet: way, getOrSetGrace: way, hit: way, staleOverHit: 1.05, staleGoal: 1.15 }).join("\n");
  assert.match(text, /getOrSet, stale within grace \| 1 \/ 1 \| 2\.00 \| 2\.00 \| 0 \| 1/);
  assert.match(text, /1\.05× \(goal ≤ 1\.15×: met\)/);
  assert.match(renderStampede({ missing: "no client" }).join("\n"), /left out \(no client\)/);
});
