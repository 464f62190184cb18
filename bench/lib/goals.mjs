// The benchmark's goals and the ratios they judge, computed from one run's medians. Pure.

const MiB = 1024 * 1024;

/** Keys of `ratios` in bench/results/latest.json, each with its goal. */
export const GOALS = {
  hitOverCacheFloor: { goal: 1.15, direction: "atMost", says: "hit p50 (admin token) ≤ 1.15 × (floor + one Cache API lookup) p50" },
  hitOverCacheFloorScoped: { goal: 1.15, direction: "atMost", says: "hit p50 (scoped token) ≤ 1.15 × (floor + one Cache API lookup) p50" },
  hitTaggedOverCacheFloor: { goal: 1.15, direction: "atMost", says: "hit p50 on an item with 4 tags ≤ 1.15 × (floor + one Cache API lookup) p50" },
  absentReadOverStorage: { goal: 1.15, direction: "atMost", says: "read of an absent, uncached key p50 ≤ 1.15 × (floor + direct S3 GET) p50" },
  putOverStorage: { goal: 1.15, direction: "atMost", says: "PUT p50 ≤ 1.15 × (floor + direct S3 PUT) p50" },
  putTaggedOverStorage: { goal: 1.15, direction: "atMost", says: "PUT p50 with 4 tags ≤ 1.15 × (floor + direct S3 PUT) p50" },
  putOverStorageAtWan: { goal: 1.1, direction: "atMost", says: "at 28 ms from storage, PUT p50 ≤ 1.10 × (floor + direct S3 PUT) p50" },
  missOverStorageAtWan: { goal: 1.15, direction: "atMost", says: "at 28 ms from storage, no-cache read p50 ≤ 1.15 × (floor + direct S3 GET) p50" },
  hitSpeedupAtWan: { goal: 15, direction: "atLeast", says: "at 28 ms from storage, hit ≥ 15 × faster than direct S3 GET" },
  bindingHitOverCacheFloor: { goal: 1.15, direction: "atMost", says: "through the R2 binding, hit p50 ≤ 1.15 × (floor + one Cache API lookup) p50" },
  bindingAbsentReadOverStorage: { goal: 1.15, direction: "atMost", says: "through the R2 binding, read of an absent key p50 ≤ 1.15 × (a Worker making one binding GET) p50" },
  bindingPutOverStorage: { goal: 1.15, direction: "atMost", says: "through the R2 binding, PUT p50 ≤ 1.15 × (a Worker making one binding PUT) p50" },
  hitThroughputOverCacheFloor: { goal: 0.85, direction: "atLeast", says: "hit throughput ≥ 0.85 × (floor + one Cache API lookup)'s (32 concurrent)" },
  memoryGrowth: { goal: 64 * MiB, direction: "atMost", says: "≤ 64 MB peak RSS growth for 256 MB streamed" },
};

/**
 * The goal ratios of one run. `local` and `wan`: medians per side (`p50Ms`); `throughput`: req/s
 * per side at 32 connections; `ways`: the S3 way beside the R2 binding, with the cache floor and the
 * binding floor (a Worker making the one binding call) in the same loop. Storage-bound sides are
 * compared with the floor plus the direct storage call they cannot avoid; over S3 the floor is the
 * local one (the WAN proxy sits between Worker and store), through the binding only a Worker can
 * make the call, so its floor includes it.
 */
export function goalRatios({ local, wan, throughput, ways }) {
  const floor = local.floor.p50Ms;
  return {
    hitOverCacheFloor: local.hit.p50Ms / local.cacheFloor.p50Ms,
    hitOverCacheFloorScoped: local.hitScoped.p50Ms / local.cacheFloor.p50Ms,
    hitTaggedOverCacheFloor: local.hitTagged.p50Ms / local.cacheFloor.p50Ms,
    absentReadOverStorage: local.absent.p50Ms / (floor + local.s3Get.p50Ms),
    putOverStorage: local.put.p50Ms / (floor + local.s3Put.p50Ms),
    putTaggedOverStorage: local.putTagged.p50Ms / (floor + local.s3Put.p50Ms),
    putOverStorageAtWan: wan.put.p50Ms / (floor + wan.s3Put.p50Ms),
    missOverStorageAtWan: wan.miss.p50Ms / (floor + wan.s3Get.p50Ms),
    hitSpeedupAtWan: wan.s3Get.p50Ms / wan.hit.p50Ms,
    bindingHitOverCacheFloor: ways.bindingHit.p50Ms / ways.cacheFloor.p50Ms,
    bindingAbsentReadOverStorage: ways.bindingAbsent.p50Ms / ways.bindingFloorAbsent.p50Ms,
    bindingPutOverStorage: ways.bindingSet.p50Ms / ways.bindingFloorPut.p50Ms,
    hitThroughputOverCacheFloor: throughput.hitRps / throughput.cacheFloorRps,
  };
}

/** Where the time goes, beside the goals (same run). */
export function explainedRatios({ local, throughput }) {
  const floor = local.floor.p50Ms;
  return {
    cacheLookupOverFloor: local.cacheFloor.p50Ms / floor,
    hitOverFloor: local.hit.p50Ms / floor,
    missOverStorage: local.miss.p50Ms / (floor + local.s3Get.p50Ms),
    hitThroughputOverFloor: throughput.hitRps / throughput.floorRps,
  };
}
