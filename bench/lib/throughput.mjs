// Requests per second at a fixed concurrency (autocannon), for sides measured in alternation.
import autocannon from "autocannon";

/** One autocannon run (a warm-up run first is the caller's choice): `{ rps, latencyP50Ms, non2xx, errors, requests, statuses }`. */
export async function load({ url, headers = {}, connections, durationS }) {
  const result = await autocannon({ url, headers, connections, duration: durationS, pipelining: 1 });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count]));
  return {
    rps: result.requests.average,
    latencyP50Ms: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requests: result.requests.total,
    statuses,
  };
}
