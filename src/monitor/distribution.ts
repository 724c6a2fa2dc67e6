import { InvalidOptionError } from '../errors';

/**
 * A summary of recorded durations, in milliseconds (sub-millisecond precision).
 * Every field is 0 when nothing was recorded.
 */
export interface DistributionSnapshot {
  /** How many values were recorded. */
  readonly count: number;
  /** Arithmetic mean, ms. */
  readonly mean: number;
  /** Median, ms. */
  readonly p50: number;
  /** 95th percentile, ms. */
  readonly p95: number;
  /** 99th percentile, ms. */
  readonly p99: number;
  /** Largest recorded value, ms. */
  readonly max: number;
}

/** Options of {@link Distribution}. */
export interface DistributionOptions {
  /**
   * Significant decimal digits kept by the histogram (1–5). 2 means every value is kept within 1 %.
   * Each extra digit multiplies the largest histogram size by about ten.
   * @default 2
   */
  readonly figures?: 1 | 2 | 3 | 4 | 5;
  /**
   * Largest value tracked, ms; larger values are recorded as this value (so `max` saturates here).
   * @default 86_400_000 (24 hours)
   */
  readonly highestMs?: number;
}

/** The snapshot of an empty distribution, shared so that empty snapshots allocate nothing. */
export const EMPTY_DISTRIBUTION: DistributionSnapshot = Object.freeze({
  count: 0,
  mean: 0,
  p50: 0,
  p95: 0,
  p99: 0,
  max: 0,
});

const DEFAULT_HIGHEST_MS = 86_400_000;

/**
 * k = ⌈log2(2·10^figures)⌉ for figures 1–5: values below 2^k are counted exactly. A table, because
 * `Math.log2` and `**` here were a measurable part of a task's first run.
 */
const EXACT_BITS: readonly number[] = [0, 5, 8, 11, 15, 18];

/** Distinct buckets counted as pairs before a distribution switches to a dense array. */
const SPARSE_MAX = 16;

/**
 * A distribution of millisecond durations: `count`, `mean` and `max` exact, quantiles from a
 * log-linear histogram with HDR's layout and precision (every value kept within 1 % with the
 * default `figures: 2`).
 *
 * Values are stored as whole microseconds plus one (so that 0 ms has a bucket of its own — a run
 * that takes 0 ms of virtual time is common under `TestScheduler`); the offset is removed again in
 * {@link Distribution.snapshot}, so 0 ms reads back as exactly 0.
 *
 * Why not Node's built-in HDR histogram (`perf_hooks.createHistogram`), which this used first:
 * its `record` is a validated native call, ≈ 40–80 ns, and every run records twice (wait and
 * duration) — 8 % of the dispatch benchmark's time. Here `record` is an index computation and an
 * increment in JS. The layout is HDR's: values below `2^k` (k = ⌈log2(2·10^figures)⌉, 256 for
 * `figures: 2`) are counted exactly; above, each power-of-two range is cut into 2^(k−1) equal
 * sub-buckets, so a bucket is never wider than 1/2^(k−1) of its values (< 1 % at `figures: 2`).
 * Quantiles are read like HDR's `valueAtPercentile`: the highest value of the bucket that holds
 * the requested rank.
 *
 * Memory: up to 16 distinct buckets, pairs of (bucket, count) — a few hundred bytes; past that,
 * a dense array of counts grown (by doubling) only as far as the largest value seen needs — with
 * the defaults ≈ 8 KB once values reach 10 ms, ≈ 16 KB at 1 s, at most 32 KB (up to 24 h).
 *
 * @example
 * ```ts
 * const d = new Distribution();
 * d.record(1.25);
 * d.record(4);
 * d.snapshot(); // { count: 2, mean: 2.625, p50: 1.25, p95: 4, p99: 4, max: 4 } (quantiles within 1 %)
 * ```
 */
export class Distribution {
  /**
   * Bucket counts, by index (see {@link Distribution.indexOf}); null until more than
   * {@link SPARSE_MAX} distinct buckets have been used. A plain array, not a typed one: typed
   * arrays are off-heap allocations, and hundreds of tasks creating theirs on one tick made that
   * tick late.
   */
  private dense: number[] | null = null;
  /**
   * Until then, the used buckets and their counts as pairs. Durations on a millisecond clock take
   * few distinct values (0, 1, 2 … ms) that are far apart in bucket space: a dense array would
   * hold hundreds of zeros for them (≈ 6 KB for values up to 3 ms).
   */
  /** The first bucket used and its count, in fields: a task's first run allocates no array here. */
  private k0 = -1;
  private c0 = 0;
  /** Further buckets as [bucket, count, bucket, count, …]; null until a second one is used. */
  private pairs: number[] | null = null;
  /** Position in `pairs` of the bucket used last (consecutive values often share one). */
  private last = 0;
  /** Values below this are counted exactly (2^k). */
  private readonly exactBelow: number;
  private readonly exactBits: number;
  /** Sub-buckets per power-of-two range above `exactBelow` (2^(k−1)). */
  private readonly half: number;
  /** Largest storable value: highest µs + the offset of one. */
  private readonly highest: number;
  private n = 0;
  /** Exact sum of the recorded values, µs. */
  private sum = 0;
  /** Exact largest stored value (µs + 1); 0 when empty. */
  private maxMicros = 0;

  constructor(options: DistributionOptions = {}) {
    const figures = options.figures ?? 2;
    const highestMs = options.highestMs ?? DEFAULT_HIGHEST_MS;
    if (!Number.isInteger(figures) || figures < 1 || figures > 5) {
      throw new InvalidOptionError('INVALID_OPTION', 'Distribution', 'figures', 'must be an integer from 1 to 5', figures);
    }
    if (typeof highestMs !== 'number' || !Number.isFinite(highestMs) || highestMs < 1) {
      throw new InvalidOptionError('INVALID_OPTION', 'Distribution', 'highestMs', 'must be a finite number >= 1', highestMs);
    }
    this.exactBits = EXACT_BITS[figures];
    this.exactBelow = 1 << this.exactBits;
    this.half = this.exactBelow >> 1;
    this.highest = Math.round(highestMs * 1000) + 1;
  }

  /** How many values were recorded. */
  get count(): number {
    return this.n;
  }

  /**
   * Records one duration in ms. Negative values count as 0, values above `highestMs` as `highestMs`;
   * NaN is ignored. Allocates only when the counts grow to a new largest value's bucket.
   */
  record(ms: number): void {
    // `x > 0` is false for NaN too, so NaN lands in the last branch and is dropped below.
    let micros = ms > 0 ? Math.round(ms * 1000) + 1 : ms <= 0 ? 1 : 0;
    if (micros === 0) return;
    if (micros > this.highest) micros = this.highest;
    this.sum += micros - 1;
    if (micros > this.maxMicros) this.maxMicros = micros;
    this.n++;
    const i = this.indexOf(micros);
    const dense = this.dense;
    if (dense !== null) {
      if (i >= dense.length) this.grow(dense, i);
      dense[i]++;
      return;
    }
    if (i === this.k0) {
      this.c0++;
      return;
    }
    if (this.k0 < 0) {
      this.k0 = i;
      this.c0 = 1;
      return;
    }
    const pairs = this.pairs;
    if (pairs === null) {
      this.pairs = [i, 1];
      this.last = 0;
      return;
    }
    if (pairs[this.last] === i) {
      pairs[this.last + 1]++;
      return;
    }
    for (let p = 0; p < pairs.length; p += 2) {
      if (pairs[p] === i) {
        pairs[p + 1]++;
        this.last = p;
        return;
      }
    }
    if (pairs.length < 2 * (SPARSE_MAX - 1)) {
      this.last = pairs.length;
      pairs.push(i, 1);
      return;
    }
    this.densify(i)[i]++;
  }

  /** Moves the sparse counts into a dense array reaching index `i` (once, when the pairs are full). */
  private densify(i: number): number[] {
    const dense: number[] = [];
    const pairs = this.pairs ?? [];
    let top = Math.max(i, this.k0);
    for (let p = 0; p < pairs.length; p += 2) top = Math.max(top, pairs[p]);
    this.grow(dense, top);
    if (this.k0 >= 0) dense[this.k0] = this.c0;
    for (let p = 0; p < pairs.length; p += 2) dense[pairs[p]] = pairs[p + 1];
    this.clearSparse();
    return (this.dense = dense);
  }

  private clearSparse(): void {
    this.k0 = -1;
    this.c0 = 0;
    this.pairs = null;
    this.last = 0;
  }

  /** The bucket of `v` (an integer ≥ 1): `v` itself below `exactBelow`, else log-linear. */
  private indexOf(v: number): number {
    if (v < this.exactBelow) return v;
    if (v < 0x80000000) {
      // Shift that brings v into [exactBelow / 2, exactBelow): its bit length minus k.
      const shift = 32 - Math.clz32(v) - this.exactBits;
      return shift * this.half + (v >>> shift);
    }
    return this.indexOfLarge(v);
  }

  /** {@link indexOf} past 2^31 µs (≈ 36 min), where bit operations no longer apply. */
  private indexOfLarge(v: number): number {
    let e = Math.floor(Math.log2(v));
    if (2 ** e > v) e--;
    else if (2 ** (e + 1) <= v) e++;
    const shift = e - this.exactBits + 1;
    return shift * this.half + Math.floor(v / 2 ** shift);
  }

  /** Highest value that falls in bucket `i` (what HDR's quantiles report). */
  private highestIn(i: number): number {
    if (i < this.exactBelow) return i;
    const shift = Math.floor(i / this.half) - 1;
    return (i - shift * this.half + 1) * 2 ** shift - 1;
  }

  /** Extends `counts` with zeros to a power-of-two length above index `i`. */
  private grow(counts: number[], i: number): void {
    let size = Math.max(64, counts.length);
    while (size <= i) size *= 2;
    while (counts.length < size) counts.push(0);
  }

  /** The value at `percentile` (0–100): HDR's rule, the highest value of the bucket reaching the rank. */
  private valueAt(percentile: number): number {
    const rank = Math.max(1, Math.floor((percentile / 100) * this.n + 0.5));
    let seen = 0;
    const dense = this.dense;
    if (dense !== null) {
      for (let i = 0; i < dense.length; i++) {
        seen += dense[i];
        if (seen >= rank) return this.highestIn(i);
      }
      return this.maxMicros;
    }
    const buckets: Array<[number, number]> = this.k0 >= 0 ? [[this.k0, this.c0]] : [];
    const pairs = this.pairs ?? [];
    for (let p = 0; p < pairs.length; p += 2) buckets.push([pairs[p], pairs[p + 1]]);
    buckets.sort((a, b) => a[0] - b[0]);
    for (const [bucket, count] of buckets) {
      seen += count;
      if (seen >= rank) return this.highestIn(bucket);
    }
    return this.maxMicros;
  }

  /**
   * The current summary in ms: `count`, `mean` and `max` exact, quantiles within the histogram's
   * precision (and never above `max`). Allocates one small object.
   */
  snapshot(): DistributionSnapshot {
    const count = this.n;
    if (count === 0) return EMPTY_DISTRIBUTION;
    const max = this.maxMicros;
    return {
      count,
      mean: this.sum / count / 1000,
      p50: (Math.min(this.valueAt(50), max) - 1) / 1000,
      p95: (Math.min(this.valueAt(95), max) - 1) / 1000,
      p99: (Math.min(this.valueAt(99), max) - 1) / 1000,
      max: (max - 1) / 1000,
    };
  }

  /** Forgets every recorded value (dense counts are kept, zeroed). */
  reset(): void {
    this.dense?.fill(0);
    this.clearSparse();
    this.n = 0;
    this.sum = 0;
    this.maxMicros = 0;
  }
}

