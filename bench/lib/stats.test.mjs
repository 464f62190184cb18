// node --test bench/: the benchmark's pure parts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { judge, median, percentile, rotation, shuffled, summarize } from "./stats.mjs";

test("percentile: nearest rank; p99 of 10 samples is the slowest", () => {
  const tenRuns = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10];
  assert.equal(percentile(tenRuns, 99), 10);
  assert.equal(percentile(tenRuns, 50), 5);
  assert.equal(percentile(tenRuns, 0), 1);
  assert.equal(percentile(Array.from({ length: 200 }, (_, i) => i + 1), 99), 198);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 101), RangeError);
});

test("median: odd and even counts, input left unsorted", () => {
  const input = [3, 1, 2];
  assert.equal(median(input), 2);
  assert.deepEqual(input, [3, 1, 2]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test("summarize: the seed's average and total seconds next to p50/p99 in ms", () => {
  const row = summarize([10, 20, 30, 40]);
  assert.equal(row.runs, 4);
  assert.equal(row.totalS, 0.1);
  assert.equal(row.avgS, 0.025);
  assert.equal(row.p50Ms, 25);
  assert.equal(row.p99Ms, 40);
});

test("rotation: each side leads once per cycle; the sides are never lost", () => {
  const sides = ["floor", "hit", "s3"];
  assert.deepEqual(rotation(sides, 0), ["floor", "hit", "s3"]);
  assert.deepEqual(rotation(sides, 1), ["hit", "s3", "floor"]);
  assert.deepEqual(rotation(sides, 5), ["s3", "floor", "hit"]);
  const leaders = new Set([0, 1, 2].map((round) => rotation(sides, round)[0]));
  assert.equal(leaders.size, 3);
});

test("judge: at-most and at-least goals; NaN never meets one", () => {
  assert.equal(judge(1.1, 1.15, "atMost").met, true);
  assert.equal(judge(1.2, 1.15, "atMost").met, false);
  assert.equal(judge(12, 10, "atLeast").met, true);
  assert.equal(judge(Number.NaN, 10, "atLeast").met, false);
  assert.throws(() => judge(1, 1, "about"), TypeError);
});

test("shuffled: a reproducible permutation; neighbours and leaders vary across rounds", () => {
  const sides = ["floor", "hit", "miss", "s3Get", "put", "s3Put"];
  const rounds = Array.from({ length: 600 }, (_, round) => shuffled(sides, round));
  for (const order of rounds) assert.deepEqual([...order].sort(), [...sides].sort());
  assert.deepEqual(shuffled(sides, 7), shuffled(sides, 7));
  const leads = Object.fromEntries(sides.map((side) => [side, 0]));
  const afterPut = new Set();
  for (const order of rounds) {
    leads[order[0]]++;
    const next = order[order.indexOf("put") + 1];
    if (next) afterPut.add(next);
  }
  for (const side of sides) assert.ok(leads[side] > 60 && leads[side] < 140, `${side} led ${leads[side]} of 600 rounds`);
  assert.equal(afterPut.size, sides.length - 1, "every other side sometimes runs right after a PUT");
});
