import { InvalidOptionError } from '../errors';
import { hdrLayout, type HdrLayout } from '../internal/hdrLayout';

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
   * Significant decimal digits kept by the HDR histogram (1–5). 2 means every value is kept within 1 %.
   * Each extra digit multiplies the histogram's memory by about ten.
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
const QUANTILES: readonly number[] = [50, 95, 99];

/**
 * A distribution of millisecond durations kept in an HDR histogram — the layout of Node's
 * built-in `perf_hooks` histograms (and HdrHistogram's), whose quantiles it reads back exactly
 * (the unit tests check that against `createHistogram`): constant memory, O(1) `record`,
 * quantiles within the histogram's precision (10^-figures: 1 % with the default `figures: 2`).
 * `count`, `mean` and `max` are kept exactly beside it. Why not Node's histogram object itself:
 * see `HdrLayout` — creating one costs ≈ 40 µs and ≈ 0.9 KB of JS heap, and per-task
 * distributions come two to a task.
 *
 * Values are stored as whole microseconds plus one (an HDR histogram's lowest value is 1, and a
 * run that takes 0 ms of virtual time is common under `TestScheduler`); the offset is removed
 * again in {@link Distribution.snapshot}, so 0 ms reads back as exactly 0.
 *
 * Memory: the counts (one `Float64Array`, off the JS heap) are made on the second value, so a task that runs once — every one-time task — never has
 * them: 8 bytes per slot, ≈ 31 KB with the defaults (`figures: 2`, up to 24 h), ≈ 4 KB with
 * `figures: 1` (quantiles within ≈ 6 %); each halving of `highestMs` saves one
 * bucket (≈ 1 KB at `figures: 2`). The JS object and the array's header are ≈ 250 bytes.
 *
 * Cost: `record` is a multiplication, a clamp, a leading-zero count, a shift and an increment,
 * no allocation (once the counts reach the value's half-bucket). The scheduler records outside
 * the burst of runs anyway (see its run log).
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
  /** Slot arithmetic for this precision and range, shared with every distribution like it. */
  private readonly layout: HdrLayout;
  /**
   * Counts of the slots from `low` on (see {@link HdrLayout}): only the span of slots values
   * have fallen into, in whole half-buckets, grown when a value falls outside. Made on the
   * second value; null until then.
   */
  private counts: Float64Array | null = null;
  /** The slot of `counts[0]`. */
  private low = 0;
  /** Largest storable value: highest µs + the offset of one. */
  private readonly highest: number;
  private n = 0;
  /** The first value recorded (µs + 1): a one-value snapshot reads it, with no counts. */
  private first = 0;
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
    this.highest = Math.round(highestMs * 1000) + 1;
    this.layout = hdrLayout(figures, this.highest);
  }

  /** How many values were recorded. */
  get count(): number {
    return this.n;
  }

  /**
   * Records one duration in ms. Negative values count as 0, values above `highestMs` as `highestMs`;
   * NaN is ignored.
   */
  record(ms: number): void {
    if (ms !== ms) return; // NaN
    let micros = ms > 0 ? Math.round(ms * 1000) + 1 : 1;
    if (micros > this.highest) micros = this.highest;
    // The histogram reads max and mean as slot-equivalent values (up to 10^-figures off); these are exact.
    this.sum += micros - 1;
    if (micros > this.maxMicros) this.maxMicros = micros;
    if (this.n++ === 0) {
      this.first = micros;
      return;
    }
    if (this.n === 2) this.add(this.layout.index(this.first));
    this.add(this.layout.index(micros));
  }

  /** Counts one value in slot `index`, widening the counts to reach it first. */
  private add(index: number): void {
    const counts = this.counts;
    const offset = index - this.low;
    if (counts !== null && offset >= 0 && offset < counts.length) counts[offset]++;
    else this.widen(index)[index - this.low]++;
  }

  /**
   * Counts reaching slot `index`: the current span and `index`, in whole half-buckets, plus one
   * more half-bucket on the side it grew (so values drifting one way do not copy every time).
   * Latencies gather in a few buckets, so this is typically 3–6 half-buckets — with
   * `figures: 1`, a few hundred bytes instead of the whole range's 4 KB, and a few µs to make
   * (a fresh off-heap array costs ≈ 5 µs per KB here, mostly page faults).
   */
  private widen(index: number): Float64Array {
    const unit = this.layout.subBucketHalfCount;
    const old = this.counts;
    const oldLow = this.low;
    const oldHigh = old === null ? index : oldLow + old.length;
    let low = Math.floor(Math.min(index, old === null ? index : oldLow) / unit) * unit;
    let high = Math.ceil(Math.max(index + 1, oldHigh) / unit) * unit;
    if (old !== null) {
      if (index < oldLow) low -= unit;
      else high += unit;
    }
    low = Math.max(0, low);
    high = Math.min(this.layout.length, high);
    const counts = new Float64Array(high - low);
    if (old !== null) counts.set(old, oldLow - low);
    this.counts = counts;
    this.low = low;
    return counts;
  }

  /**
   * The current summary in ms: `count`, `mean` and `max` exact, quantiles within the histogram's
   * precision (and never above `max`). Allocates the summary and reads the counts once for all
   * three quantiles (≈ 1 µs with `figures: 1`, ≈ 5 µs with 2).
   */
  snapshot(): DistributionSnapshot {
    const count = this.n;
    if (count === 0) return EMPTY_DISTRIBUTION;
    const max = this.maxMicros;
    if (count === 1) {
      const only = (this.first - 1) / 1000;
      return { count, mean: only, p50: only, p95: only, p99: only, max: only };
    }
    const [p50, p95, p99] = this.layout.percentiles(this.counts as Float64Array, this.low, count, QUANTILES);
    return {
      count,
      mean: this.sum / count / 1000,
      p50: (Math.min(p50, max) - 1) / 1000,
      p95: (Math.min(p95, max) - 1) / 1000,
      p99: (Math.min(p99, max) - 1) / 1000,
      max: (max - 1) / 1000,
    };
  }

  /** Forgets every recorded value (existing counts are kept and cleared). */
  reset(): void {
    this.counts?.fill(0);
    this.n = 0;
    this.first = 0;
    this.sum = 0;
    this.maxMicros = 0;
  }
}
