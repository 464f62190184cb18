// The stampede scenario: 64 concurrent callers on one expired key whose factory takes 50 ms, with
// the typed client's getOrSet against the naive get-then-set. Reported, never failed: how often the
// factory ran (goal: 1 against 64), the callers' p50/p99, and with grace the p50 of the callers that
// were served the stale value against a hit's (goal: within 1.15 ×).

import { loadTypedClient } from "./cloudcached-client.mjs";
import { median, percentile } from "./stats.mjs";

export const CALLERS = 64;
export const FACTORY_MS = 50;
export const STALE_GOAL = 1.15;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each caller's time and value (or that it failed: 64 writes of one key at once may overload the storage), all started together. */
async function together(calls) {
  return Promise.all(
    calls.map(async (call) => {
      const start = performance.now();
      try {
        const value = await call();
        return { ms: performance.now() - start, value };
      } catch (err) {
        return { ms: performance.now() - start, value: null, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

/** A factory that counts its runs and answers `value` after FACTORY_MS. */
function counted(value) {
  const factory = { runs: 0, run: async () => {
    factory.runs += 1;
    await sleep(FACTORY_MS);
    return value;
  } };
  return factory;
}

/** The numbers of one way of caching, over its rounds: factory runs per round, callers' latencies. */
export function summarizeStampede(rounds) {
  const all = rounds.flatMap((r) => r.callers.filter((c) => c.error === undefined).map((c) => c.ms));
  const stale = rounds.flatMap((r) => r.callers.filter((c) => c.stale).map((c) => c.ms));
  return {
    rounds: rounds.length,
    factoryRunsPerRound: median(rounds.map((r) => r.factoryRuns)),
    factoryRunsMax: Math.max(...rounds.map((r) => r.factoryRuns)),
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    staleServed: stale.length,
    failed: rounds.reduce((n, r) => n + r.callers.filter((c) => c.error !== undefined).length, 0),
    staleP50Ms: stale.length > 0 ? percentile(stale, 50) : null,
  };
}

export async function stampedeBench({ base, token, rounds }) {
  const typed = await loadTypedClient();
  if (!typed) return { missing: "the typed client's source is not in this checkout" };
  const fetch = typed.nodeFetch ? typed.nodeFetch({ maxSockets: CALLERS }) : undefined;
  // One client per caller, as 64 processes would have, over one connection pool.
  const clients = Array.from({ length: CALLERS }, () => new typed.CloudCached({ url: base, token, namespace: "bench-stampede", retries: 0, ...(fetch ? { fetch } : {}) }));
  const [first] = clients;
  const ways = { naive: [], getOrSet: [], getOrSetGrace: [], hit: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const tag = `${Date.now().toString(36)}-${round}`;

      // Naive: every caller misses, computes and writes.
      const naive = counted(`naive-${tag}`);
      const naiveCallers = await together(
        clients.map((client) => async () => {
          const got = await client.get(`naive-${tag}`);
          if (got !== null) return got;
          const value = await naive.run();
          await client.set(`naive-${tag}`, value, { ttl: 600 });
          return value;
        }),
      );
      ways.naive.push({ factoryRuns: naive.runs, callers: naiveCallers });

      // getOrSet on an absent key: one computes, the others wait for its value.
      const leased = counted(`leased-${tag}`);
      const leasedCallers = await together(clients.map((client) => () => client.getOrSet(`leased-${tag}`, leased.run, { ttl: 600, lease: 10 })));
      ways.getOrSet.push({ factoryRuns: leased.runs, callers: leasedCallers });

      // getOrSet on a stale key (grace): one refreshes in the background, every caller gets the stale value at once.
      // A popular key that expires: read while live (this location keeps its copy, as for the hit
      // below), then left to expire by its TTL.
      const key = `grace-${tag}`;
      // Two seconds: expiries are whole seconds, so a TTL of one may end within milliseconds of the
      // write (at the next second), before the read below; two always leave it at least one.
      await first.set(key, "stale", { ttl: 2, grace: 600 });
      const live = await first.gets(key);
      if (live === null) throw new Error(`stampede: ${key} was not there to read`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, (live.expiresAt ?? 0) * 1000 - Date.now()) + 100));
      const refresh = counted(`fresh-${tag}`);
      const background = [];
      const graceCallers = await together(
        clients.map((client) => () => client.getOrSet(key, refresh.run, { ttl: 600, grace: 600, lease: 10, timeout: 0, waitUntil: (p) => background.push(p) })),
      );
      await Promise.all(background);
      ways.getOrSetGrace.push({ factoryRuns: refresh.runs, callers: graceCallers.map((c) => ({ ...c, stale: c.value === "stale" })) });

      // A hit, the same 64 at once, for the stale callers' goal.
      const hitKey = `hit-${tag}`;
      await first.set(hitKey, "hit", { ttl: 600 });
      await first.get(hitKey);
      const hitCallers = await together(clients.map((client) => () => client.get(hitKey)));
      ways.hit.push({ factoryRuns: 0, callers: hitCallers });
    }
  } finally {
    fetch?.close();
  }
  const summary = Object.fromEntries(Object.entries(ways).map(([name, rounds_]) => [name, summarizeStampede(rounds_)]));
  const hitP50 = summary.hit.p50Ms;
  const staleRatio = summary.getOrSetGrace.staleP50Ms === null ? null : summary.getOrSetGrace.staleP50Ms / hitP50;
  return { callers: CALLERS, factoryMs: FACTORY_MS, ...summary, staleOverHit: staleRatio, staleGoal: STALE_GOAL };
}

const ms = (value) => (value === null || !Number.isFinite(value) ? "—" : value.toFixed(2));

export function renderStampede(result) {
  if (result.missing) return ["", `Stampede: left out (${result.missing}).`];
  const rows = [
    ["naive get-then-set", result.naive],
    ["getOrSet (lease)", result.getOrSet],
    ["getOrSet, stale within grace", result.getOrSetGrace],
    ["hit (the same 64 at once)", result.hit],
  ];
  const out = ["", `Stampede: ${result.callers} concurrent callers on one expired key, factory ${result.factoryMs} ms (${result.naive.rounds} rounds; goal: 1 factory run, not ${result.callers}):`, ""];
  out.push("| way | factory runs (median / max per round) | p50 ms | p99 ms | callers failed | stale served | stale p50 ms |");
  out.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, s] of rows) out.push(`| ${name} | ${s.factoryRunsPerRound} / ${s.factoryRunsMax} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${s.failed} | ${s.staleServed} | ${ms(s.staleP50Ms)} |`);
  const ratio = result.staleOverHit;
  out.push("", `Stale callers' p50 over a hit's: ${ratio === null ? "— (no caller was served a stale value)" : `${ratio.toFixed(2)}× (goal ≤ ${result.staleGoal}×: ${ratio <= result.staleGoal ? "met" : "not met"})`}. Reported, not failed.`);
  return out;
}
