// Pure statistics over samples in milliseconds. Percentiles use the nearest-rank method, so a
// p99 of 10 runs is the slowest run: said as such in the table.

/** The value at percentile `p` (0–100) of `samples`, nearest rank; NaN for no samples. */
export function percentile(samples, p) {
  if (samples.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0–100, got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function median(samples) {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function sum(samples) {
  return samples.reduce((total, value) => total + value, 0);
}

/** The seed's columns (average and total seconds) and ours (p50, p99 in ms) for one row. */
export function summarize(samplesMs) {
  const total = sum(samplesMs);
  return {
    runs: samplesMs.length,
    avgS: samplesMs.length === 0 ? Number.NaN : total / samplesMs.length / 1000,
    totalS: total / 1000,
    p50Ms: median(samplesMs),
    p99Ms: percentile(samplesMs, 99),
  };
}

/**
 * The order in which the sides of a comparison run in round `round`: rotated each round, so no
 * side is always first (or always right after another) and the machine's drift falls on all.
 */
export function rotation(sides, round) {
  if (sides.length === 0) return [];
  const shift = round % sides.length;
  return [...sides.slice(shift), ...sides.slice(0, shift)];
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The order of the sides in round `round`: a shuffle seeded by the round (reproducible). Unlike a
 * rotation, no side always follows the same other side, so the background work a side leaves
 * behind (a store flushing a PUT) does not always fall on the same neighbour.
 */
export function shuffled(sides, round) {
  const random = mulberry32(0x9e3779b9 ^ round);
  const order = [...sides];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** A ratio with the goal it is held to: `met` when `value` is on the right side of `goal`. */
export function judge(value, goal, direction) {
  if (direction !== "atMost" && direction !== "atLeast") throw new TypeError(`unknown direction ${direction}`);
  const met = Number.isFinite(value) && (direction === "atMost" ? value <= goal : value >= goal);
  return { value, goal, direction, met };
}
