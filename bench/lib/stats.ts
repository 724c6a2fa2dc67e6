// Small statistics helpers shared by the runner and the scenarios.

/** Linear-interpolated quantile (q in [0, 1]) of an ascending-sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Sorts a copy (numeric, ascending). Typed arrays sort numerically by default. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(values as ArrayLike<number>);
  copy.sort();
  return copy;
}

export interface Distribution {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** p50 / p99 / max / mean of raw samples. */
export function distribution(values: ArrayLike<number>): Distribution {
  const s = sortedCopy(values);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i];
  return {
    n: s.length,
    p50: quantileSorted(s, 0.5),
    p99: quantileSorted(s, 0.99),
    min: s.length ? s[0] : NaN,
    max: s.length ? s[s.length - 1] : NaN,
    mean: s.length ? sum / s.length : NaN,
  };
}

/** Median and spread of one metric over repetitions. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
}

export function summarize(values: number[]): Summary {
  const s = sortedCopy(values.filter((v) => typeof v === 'number' && !Number.isNaN(v)));
  return {
    n: s.length,
    median: quantileSorted(s, 0.5),
    min: s.length ? s[0] : NaN,
    max: s.length ? s[s.length - 1] : NaN,
    q1: quantileSorted(s, 0.25),
    q3: quantileSorted(s, 0.75),
  };
}

/** A seeded PRNG (mulberry32) so every implementation sees the same random workload. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
