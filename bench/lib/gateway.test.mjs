// node --test bench/: the gateway's ratios and goal from a run's medians.
import assert from "node:assert/strict";
import { test } from "node:test";
import { breakEvenMs, GATEWAY_GOAL, gatewayGoal, gatewayRatios } from "./gateway.mjs";

const side = (p50Ms) => ({ p50Ms });
const near = (actual, expected, what) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, not ${expected}`);
const run = {
  hits: { httpHit: side(1), gatewayMemjsHit: side(1.4), memcachedMemjsGet: side(0.2) },
  typedHits: { gatewayMemjsHit: side(1.4), typedClientHit: side(1.75), typedClientNodeFetchHit: side(1.12) },
  batches: { httpBatch: side(8), gatewayMultiget: side(8.8) },
  near: { httpHit: side(4), gatewayMemjsHit: side(4.4) },
  pymemcache: { gateway: { p50Ms: 1.2, http: side(0.8) }, memcached: side(0.05) },
};

test("ratios: each comparison over its own HTTP side; the loopback floor is HTTP + memcached's round trip", () => {
  const r = gatewayRatios(run);
  near(r.memjsHitOverHttpHitNear, 1.1, "memjsHitOverHttpHitNear");
  near(r.memjsHitOverHttpHit, 1.4, "memjsHitOverHttpHit");
  near(r.loopbackFloor, 1.2, "loopbackFloor");
  near(r.memjsHitOverTypedClientHit, 0.8, "memjsHitOverTypedClientHit");
  near(r.memjsHitOverTypedClientNodeFetchHit, 1.25, "memjsHitOverTypedClientNodeFetchHit");
  near(r.memjsHitBeyondMemcachedOverHttpHit, 1.2, "memjsHitBeyondMemcachedOverHttpHit");
  near(r.pymemcacheHitOverHttpHit, 1.5, "pymemcacheHitOverHttpHit");
  near(r.multigetOverBatch, 1.1, "multigetOverBatch");
});

test("without memcached or pymemcache, their ratios are left out, not invented", () => {
  const r = gatewayRatios({ ...run, hits: { httpHit: side(1), gatewayMemjsHit: side(1.4) }, pymemcache: { missing: "apt-get …" } });
  assert.deepEqual(Object.keys(r).sort(), ["memjsHitOverHttpHit", "memjsHitOverHttpHitNear", "memjsHitOverTypedClientHit", "memjsHitOverTypedClientNodeFetchHit", "multigetOverBatch"]);
});

test("the goal is judged on the hit with the Worker at a distance", () => {
  assert.equal(gatewayGoal(gatewayRatios(run)).met, true);
  const slow = { ...run, near: { httpHit: side(4), gatewayMemjsHit: side(4.7) } };
  const goal = gatewayGoal(gatewayRatios(slow));
  assert.equal(goal.met, false);
  assert.equal(goal.goal, GATEWAY_GOAL.goal);
});

test("break-even: the HTTP hit from which the larger added time is within the goal", () => {
  near(breakEvenMs({ loopback: 0.3, near: 0.45 }), 3, "breakEvenMs");
  near(breakEvenMs({ loopback: 0.6, near: 0.45 }), 4, "breakEvenMs");
});
