import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { MAX_BATCH_KEYS } from "../http/schema";
import {
  DEFAULT_SUBREQUEST_LIMIT,
  indexLimits,
  maxBatchKeys,
  maxBatchLeaseKeys,
  plannedKeyCalls,
  plannedLeaseCalls,
  MIN_SUBREQUEST_LIMIT,
  MIN_SWEEP_BUDGET,
  parseSubrequestLimit,
  PLANNED_CALLS,
  plannedBatchCalls,
  plannedBatchRetries,
  plannedBatchTagConfirmations,
  plannedBatchStorageCalls,
  plannedCalls,
  SubrequestBudget,
  sweepCallLimit,
} from "./budget";

describe("planning a batch", () => {
  it("adds the generation and each key's worst case, a get's one read retry included", () => {
    expect(plannedBatchCalls({ gets: 0, sets: 0, deletes: 0, fresh: false })).toBe(PLANNED_CALLS.generation);
    // Each get: its read (3), its read retry (1), and one tag's confirmation (1: storage; the location
    // cache's lookup before it is made only out of spare calls) in the batch's pool.
    expect(plannedBatchCalls({ gets: 10, sets: 2, deletes: 3, fresh: false })).toBe(2 + 10 * (3 + 1 + 1) + 2 * 3 + 3 * 2);
    expect(plannedBatchCalls({ gets: 10, sets: 0, deletes: 0, fresh: true })).toBe(2 + 10 * (2 + 1 + 1));
    expect(plannedBatchRetries(10)).toBe(10);
    expect(plannedBatchTagConfirmations(10, false)).toBe(10);
    expect(plannedBatchTagConfirmations(10, true)).toBe(10);
    // Through a binding a confirmation is a storage call alone: nothing planned against the limit.
    expect(plannedBatchTagConfirmations(10, false, "cache")).toBe(0);
    expect(plannedBatchTagConfirmations(10, true, "cache")).toBe(0);
  });

  it("the batch size that fits: any mix of that many keys is within the limit", () => {
    for (const limit of [20, 50, 64, 1000]) {
      const keys = maxBatchKeys(limit);
      for (const kind of ["gets", "sets", "deletes"] as const) {
        expect(plannedBatchCalls({ gets: 0, sets: 0, deletes: 0, fresh: false, [kind]: keys })).toBeLessThanOrEqual(limit);
      }
      if (keys < MAX_BATCH_KEYS) expect(plannedBatchCalls({ gets: keys + 1, sets: 0, deletes: 0, fresh: false })).toBeGreaterThan(limit);
    }
    expect(maxBatchKeys(50)).toBe(9);
    expect(maxBatchKeys(MIN_SUBREQUEST_LIMIT)).toBe(3);
    expect(maxBatchKeys(1000)).toBe(MAX_BATCH_KEYS);
  });

  it("gets asking for a lease: each its lease too, the dialect probe once; their own batch size fits, one more does not", () => {
    expect(plannedBatchCalls({ gets: 4, leases: 2, sets: 0, deletes: 0, fresh: false })).toBe(2 + 4 * (3 + 1 + 1) + 2 * PLANNED_CALLS.lease + PLANNED_CALLS.dialectProbe);
    expect(plannedBatchCalls({ gets: 4, leases: 0, sets: 0, deletes: 0, fresh: false })).toBe(plannedBatchCalls({ gets: 4, sets: 0, deletes: 0, fresh: false }));
    for (const limit of [20, 50, 64, 1000]) {
      const keys = maxBatchLeaseKeys(limit);
      expect(keys).toBeGreaterThanOrEqual(1);
      expect(plannedBatchCalls({ gets: keys, leases: keys, sets: 0, deletes: 0, fresh: false })).toBeLessThanOrEqual(limit);
      if (keys < MAX_BATCH_KEYS) expect(plannedBatchCalls({ gets: keys + 1, leases: keys + 1, sets: 0, deletes: 0, fresh: false })).toBeGreaterThan(limit);
    }
    expect(maxBatchLeaseKeys(50)).toBe(4);
    expect(maxBatchLeaseKeys(1000)).toBe(99);
    // What each key gives back once done is what it was planned (its read retry is held for the whole batch).
    expect(plannedKeyCalls("leaseGet", false)).toBe(PLANNED_CALLS.batchGet + PLANNED_CALLS.lease);
    expect(plannedKeyCalls("leaseGet", true)).toBe(PLANNED_CALLS.batchGetFresh + PLANNED_CALLS.lease);
  });
});

describe("planning asks for a lease (a single read's, a batch's gets')", () => {
  it("each ask's calls, and the dialect probe once for them all while the dialect is unknown", () => {
    expect(plannedLeaseCalls(0, true)).toBe(0);
    expect(plannedLeaseCalls(1, false)).toBe(PLANNED_CALLS.lease);
    expect(plannedLeaseCalls(1, true)).toBe(PLANNED_CALLS.lease + PLANNED_CALLS.dialectProbe);
    expect(plannedLeaseCalls(3, true)).toBe(3 * PLANNED_CALLS.lease + PLANNED_CALLS.dialectProbe);
  });

  it("through an R2 binding only the location cache's calls count: a lease has none", () => {
    expect(plannedLeaseCalls(4, true, "cache")).toBe(0);
  });

  it("is what a batch plans for its leases (as if the dialect were unknown)", () => {
    const plain = { gets: 5, sets: 1, deletes: 1, fresh: false };
    for (const metered of ["all", "cache"] as const) {
      expect(plannedBatchCalls({ ...plain, leases: 3 }, metered) - plannedBatchCalls(plain, metered)).toBe(plannedLeaseCalls(3, true, metered));
    }
  });
});

describe("a run of the sweep", () => {
  it("makes SWEEP_BUDGET calls, never more than SUBREQUEST_LIMIT", () => {
    expect(sweepCallLimit(45, 50)).toBe(45);
    expect(sweepCallLimit(500, 50)).toBe(50);
    expect(sweepCallLimit(500, 1000)).toBe(500);
  });
  it("the smallest SWEEP_BUDGET finishes the dearest object; every allowed SUBREQUEST_LIMIT holds it", () => {
    expect(MIN_SWEEP_BUDGET).toBe(14);
    expect(sweepCallLimit(MIN_SWEEP_BUDGET, MIN_SUBREQUEST_LIMIT)).toBe(MIN_SWEEP_BUDGET);
  });
});

describe("SUBREQUEST_LIMIT", () => {
  it("defaults to the Free plan's 50; accepts whole numbers from the minimum up", () => {
    expect(parseSubrequestLimit(undefined)).toBe(DEFAULT_SUBREQUEST_LIMIT);
    expect(DEFAULT_SUBREQUEST_LIMIT).toBe(50);
    expect(parseSubrequestLimit("1000")).toBe(1000);
    expect(parseSubrequestLimit(String(MIN_SUBREQUEST_LIMIT))).toBe(MIN_SUBREQUEST_LIMIT);
    for (const bad of [String(MIN_SUBREQUEST_LIMIT - 1), "0", "-5", "50.5", "lots", "1e3"]) expect(parseSubrequestLimit(bad)).toBeNull();
  });
});

describe("SubrequestBudget", () => {
  it("counts planned calls and refuses one past the limit with a 503, never a 500", () => {
    const budget = new SubrequestBudget(3);
    budget.take("cache");
    budget.take("storage");
    budget.take("storage");
    expect(budget.calls).toEqual({ cache: 1, storage: 2 });
    let error: unknown;
    try {
      budget.take("storage");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).message).toContain("SUBREQUEST_LIMIT");
    expect(budget.used).toBe(3);
  });

  it("optional calls never take what planned work was promised", () => {
    const budget = new SubrequestBudget(10);
    budget.reserve(8, "this batch");
    expect(budget.tryTake("cache")).toBe(true);
    expect(budget.tryTake("cache")).toBe(true);
    expect(budget.tryTake("cache")).toBe(false);
    expect(budget.tryReserve(1)).toBe(false);
    // The planned work runs: 8 calls, all of them fit.
    for (let i = 0; i < 8; i++) budget.take("storage");
    expect(budget.used).toBe(10);
    budget.release(8);
    expect(budget.spare).toBe(0);
  });

  it("a reservation that cannot fit is a 400 naming the limit", () => {
    const budget = new SubrequestBudget(50);
    let error: unknown;
    try {
      budget.reserve(51, "a batch of 20 keys");
    } catch (err) {
      error = err;
    }
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toMatch(/a batch of 20 keys needs up to 51 .* limit of 50 .*SUBREQUEST_LIMIT/);
    expect(budget.spare).toBe(50);
  });

  it("optional work reserved while spare, given back when done", () => {
    const budget = new SubrequestBudget(5);
    expect(budget.tryReserve(5)).toBe(true);
    expect(budget.tryTake("cache")).toBe(false);
    budget.take("storage");
    budget.release(5);
    expect(budget.spare).toBe(4);
  });

  it("ifSpare runs optional work only out of spare calls, promised to it while it runs", async () => {
    const budget = new SubrequestBudget(4);
    budget.reserve(2, "planned work");
    const ran = await budget.ifSpare(2, async () => {
      expect(budget.spare).toBe(0);
      expect(await budget.ifSpare(1, async () => "nested")).toBeNull();
      budget.take("storage");
      return "retried";
    });
    expect(ran).toEqual({ value: "retried" });
    expect(budget.spare).toBe(1);
    expect(await budget.ifSpare(2, async () => "too many")).toBeNull();
  });

  it("allot: calls promised to planned work before it starts; retries cannot take them, nor can they fail for want of them", () => {
    const budget = new SubrequestBudget(5);
    const drop = budget.allot(1);
    expect(budget.spare).toBe(4);
    // Retries (optional) spend every spare call…
    for (let i = 0; i < 4; i++) expect(budget.tryTake("storage")).toBe(true);
    expect(budget.tryTake("storage")).toBe(false);
    // …and the promised call is still there.
    drop.take("cache");
    expect(budget.used).toBe(5);
    expect(budget.calls).toEqual({ storage: 4, cache: 1 });
    drop.close();
    expect(budget.spare).toBe(0);
  });

  it("allot: the calls not made are given back once; no room is a 503 before the work starts", () => {
    const budget = new SubrequestBudget(3);
    const publish = budget.allot(2);
    publish.take("cache");
    expect(budget.spare).toBe(1);
    publish.close();
    publish.close();
    expect(budget.spare).toBe(2);
    budget.take("storage");
    let error: unknown;
    try {
      budget.allot(2);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect(budget.tryAllot(2)).toBeNull();
    expect(budget.tryAllot(1)).not.toBeNull();
  });

  it("withinPlan: calls a caller's reservation already holds (a batch's), promising nothing more", () => {
    const budget = new SubrequestBudget(3);
    budget.reserve(3, "a batch");
    const drop = budget.withinPlan();
    drop.take("cache");
    drop.close();
    expect(budget.used).toBe(1);
    budget.release(3);
    expect(budget.spare).toBe(2);
  });

  it("planned read retries: taken only by a retry, first; others see them as promised; given back when the batch is done", () => {
    const budget = new SubrequestBudget(4);
    budget.reserve(4, "a batch");
    budget.planRetries(1);
    budget.release(3);
    expect(budget.spare).toBe(3);
    for (let i = 0; i < 3; i++) expect(budget.tryTake("cache")).toBe(true);
    expect(budget.tryTake("cache")).toBe(false);
    // A retry still has its planned call.
    expect(budget.tryTakeRetry("storage")).toBe(true);
    expect(budget.tryTakeRetry("storage")).toBe(false);
    expect(budget.used).toBe(4);
    const later = new SubrequestBudget(2);
    later.reserve(1, "a batch");
    later.planRetries(1);
    later.releaseRetries();
    expect(later.spare).toBe(2);
  });

  it("planned tag confirmations: promised out of the pool first, never to optional work; then only out of spare calls; given back when the batch is done", () => {
    const budget = new SubrequestBudget(6);
    budget.reserve(6, "a batch");
    budget.planTagConfirmations(4);
    budget.release(2);
    expect(budget.spare).toBe(2);
    // Optional work never takes the pool.
    expect(budget.tryReserve(3)).toBe(false);
    expect(budget.reserveTagConfirmation(2)).toBe(true);
    expect(budget.reserveTagConfirmation(2)).toBe(true);
    // The pool is spent: the spare calls, then nothing.
    expect(budget.reserveTagConfirmation(2)).toBe(true);
    expect(budget.reserveTagConfirmation(2)).toBe(false);
    budget.release(6);
    expect(budget.spare).toBe(6);
    const later = new SubrequestBudget(2);
    later.reserve(2, "a batch");
    later.planTagConfirmations(2);
    later.releaseTagConfirmations();
    expect(later.spare).toBe(2);
  });

  it("unbounded: for work with a budget of its own", () => {
    const budget = SubrequestBudget.unbounded();
    for (let i = 0; i < 5000; i++) budget.take("storage");
    expect(budget.tryReserve(1_000_000)).toBe(true);
  });
});

describe("through an R2 binding (storage calls count against the services limit)", () => {
  it("plans only the location cache's calls against SUBREQUEST_LIMIT: larger batches fit", () => {
    // The generation's lookup and each get's; its tag's confirmation is a storage call here.
    expect(plannedBatchCalls({ gets: 10, sets: 0, deletes: 0, fresh: false }, "cache")).toBe(1 + 10);
    expect(plannedBatchCalls({ gets: 10, sets: 0, deletes: 0, fresh: true }, "cache")).toBe(1);
    expect(plannedBatchCalls({ gets: 0, sets: 5, deletes: 5, fresh: false }, "cache")).toBe(1 + 5 + 5);
    // Each get: its GET, an empty value's HEAD, and its planned read retry, all storage calls here.
    expect(plannedBatchStorageCalls({ gets: 10, sets: 0, deletes: 0, fresh: false })).toBe(1 + 30 + 10);
    expect(plannedBatchRetries(10, "cache")).toBe(0);
    expect(plannedBatchRetries(10)).toBe(10);
    // A lease is storage calls alone (its probe too: counted, though a binding never probes).
    expect(plannedBatchCalls({ gets: 4, leases: 4, sets: 0, deletes: 0, fresh: false }, "cache")).toBe(1 + 4);
    expect(plannedBatchStorageCalls({ gets: 4, leases: 4, sets: 0, deletes: 0, fresh: false })).toBe(1 + 4 * 3 + 4 + 4 * PLANNED_CALLS.lease + PLANNED_CALLS.dialectProbe);
    expect(maxBatchKeys(50, "cache")).toBe(49);
    expect(maxBatchKeys(50)).toBe(9);
    expect(maxBatchKeys(1000, "cache")).toBe(100);
    expect(maxBatchLeaseKeys(50, "cache")).toBe(49);
    expect(maxBatchLeaseKeys(1000, "cache")).toBe(100);
    expect(indexLimits(50, "cache")).toEqual({ subrequestsPerRequest: 50, batchKeys: 49, batchLeaseKeys: 49 });
    expect(plannedKeyCalls("get", true, "cache")).toBe(0);
    expect(plannedCalls("dialectProbe", "cache")).toBe(0);
    expect(plannedCalls("generation", "all")).toBe(PLANNED_CALLS.generation);
  });

  it("counts storage calls apart, held to their own limit; planning and spare calls are the cache's", () => {
    const budget = new SubrequestBudget(20, 3);
    expect(budget.metered).toBe("cache");
    expect(new SubrequestBudget(20).metered).toBe("all");
    budget.reserve(19, "work");
    for (let i = 0; i < 3; i++) budget.take("storage");
    expect(budget.spare).toBe(1);
    expect(budget.tryTake("storage")).toBe(false);
    expect(() => budget.take("storage")).toThrow(/all 3 calls/);
    budget.take("cache");
    expect(budget.calls).toEqual({ storage: 3, cache: 1 });
    expect(budget.used).toBe(1);
  });
});
