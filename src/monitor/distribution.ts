import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
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

/** The smallest buffer in front of a histogram, in values. @internal */
export const FLUSH_AT_LEAST = 4;
/** Buffer sizes run from {@link FLUSH_AT_LEAST} to FLUSH_AT_LEAST + FLUSH_SPREAD − 1, by instance. @internal */
export const FLUSH_SPREAD = 8;

/**
 * A distribution of millisecond durations kept in Node's built-in HDR histogram
 * (`perf_hooks.createHistogram`): constant memory, O(1) `record`, quantiles exact to the
 * histogram's precision (1 % with the default `figures: 2`) — no hand-rolled quantile estimation.
 * `count`, `mean` and `max` are kept exactly beside it.
 *
 * Values are stored as whole microseconds plus one (HDR histograms cannot hold 0, and a run that
 * takes 0 ms of virtual time is common under `TestScheduler`); the offset is removed again in
 * {@link Distribution.snapshot}, so 0 ms reads back as exactly 0.
 *
 * Memory: recorded values wait in a small array of this distribution (4–11 of them, staggered per
 * instance) that is moved into the native histogram when it fills. The histogram is created on the
 * first such flush or on a snapshot of two values or more (a task that runs once — every one-time
 * task — never pays for one). It holds one 8-byte counter per sub-bucket: ≈ 31 KB of native memory
 * with the defaults (`figures: 2`, up to 24 h), ≈ 1 KB with `figures: 1` (quantiles within ≈ 6 %);
 * each halving of `highestMs` saves ≈ 1 KB at `figures: 2`. Node's JS wrapper of a histogram
 * adds ≈ 1 KB of heap; the buffer (a `Float64Array` of 4–11 doubles, allocated on the first
 * value) ≈ 0.2 KB.
 *
 * Cost: `record` is a multiplication, a clamp, an array store and a few field updates, and every
 * `flushAt` values, that many native calls back to back on one warm histogram. The scheduler
 * records outside the burst of runs they belong to (see its run log).
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
   * Staggers when distributions flush (and first create) their histogram: creating one costs
   * 20–40 µs of native allocation, a flush is a burst of native calls, and 500 tasks ticking
   * together must not all pay it on the same tick. The spread is kept short (8 sizes), so that
   * a task's histograms exist by its 11th run: each comes with ≈ 1 KB of JS wrapper that outlives
   * the next scavenges, and every scavenge that meets such survivors copies and promotes them.
   * Spread over 8–63 values, 500 tasks on a 20 ms interval made their 1000 histograms through
   * their first 1.3 s, and those seconds' scavenges took 1.5–8 ms instead of under 1 ms (the
   * interval benchmark alone, 10 alternating isolated runs: median p99 3.16 → 2.16 ms).
   */
  private static created = 0;

  /** Created on the first flush (or the first snapshot of two values or more); null until then. */
  private histogram: RecordableHistogram | null = null;
  /** Values (µs + 1) recorded since the last flush into the histogram, in `pending[0..pendingCount)`. */
  private pending: Float64Array | null = null;
  /** How many of `pending` hold values. */
  private pendingCount = 0;
  /** How many values are buffered before they are flushed into the histogram (4–11, staggered). */
  private readonly flushAt: number;
  private readonly figures: 1 | 2 | 3 | 4 | 5;
  /** Largest storable value: highest µs + the offset of one. */
  private readonly highest: number;
  private n = 0;
  /** The first value recorded (µs + 1): a one-value snapshot reads it, with no histogram. */
  private first = 0;
  /** Exact sum of the recorded values, µs. */
  private sum = 0;
  /** Exact largest stored value (µs + 1); 0 when empty. */
  private maxMicros = 0;

  constructor(options: DistributionOptions = {}) {
    const figures = options.figures ?? 2;
    const highestMs = options.highestMs ?? DEFAULT_HIGHEST_MS;
    // Validated here because createHistogram's own errors would not name our option (and come later).
    if (!Number.isInteger(figures) || figures < 1 || figures > 5) {
      throw new InvalidOptionError('INVALID_OPTION', 'Distribution', 'figures', 'must be an integer from 1 to 5', figures);
    }
    if (typeof highestMs !== 'number' || !Number.isFinite(highestMs) || highestMs < 1) {
      throw new InvalidOptionError('INVALID_OPTION', 'Distribution', 'highestMs', 'must be a finite number >= 1', highestMs);
    }
    this.figures = figures;
    this.highest = Math.round(highestMs * 1000) + 1;
    this.flushAt = FLUSH_AT_LEAST + (Distribution.created++ % FLUSH_SPREAD);
  }

  /** How many values were recorded. */
  get count(): number {
    return this.n;
  }

  /**
   * Records one duration in ms. Negative values count as 0, values above `highestMs` as `highestMs`;
   * NaN is ignored. Values are buffered and moved into the histogram `flushAt` at a time: one
   * native `record` per value either way, but back to back on a warm histogram, instead of one
   * cold call per attempt into one of hundreds of histograms (measured on the 500-task timer
   * benchmark: ≈ 5.6 µs of CPU per fire recording directly, ≈ 3 µs buffered).
   */
  record(ms: number): void {
    if (ms !== ms) return; // NaN
    let micros = ms > 0 ? Math.round(ms * 1000) + 1 : 1;
    if (micros > this.highest) micros = this.highest;
    // HDR reports max and mean as bucket-equivalent values (up to 1 % off); these are exact.
    this.sum += micros - 1;
    if (micros > this.maxMicros) this.maxMicros = micros;
    if (this.n++ === 0) this.first = micros;
    // Values wait in a small buffer and go into the histogram `flushAt` at a time, back to back
    // on one warm histogram; the first flush creates it, so a task that runs once never has one,
    // and tasks created together create theirs on different runs (`flushAt` is staggered).
    // A fixed-size buffer, written by index: trimming an array to length 0 after every flush
    // gave its backing store back, to be allocated again as it refilled. A typed array, not an
    // array of boxed numbers: a scavenge copies at most its 4–11 doubles, and past 64 bytes
    // (8 values) only its header, V8 keeping larger contents off the JS heap — 500 tasks making
    // 1000 distributions in their first second is what the first scavenges of a busy scheduler
    // copy (interval benchmark alone, 18 alternating isolated runs: median p99 4.6 → 3.2 ms).
    const pending = (this.pending ??= new Float64Array(this.flushAt));
    pending[this.pendingCount++] = micros;
    if (this.pendingCount >= this.flushAt) this.flush();
  }

  /** Moves the buffered values into the histogram, creating it the first time. */
  private flush(): RecordableHistogram {
    const h = (this.histogram ??= createHistogram({ lowest: 1, highest: this.highest, figures: this.figures }));
    const pending = this.pending;
    const n = this.pendingCount;
    this.pendingCount = 0;
    if (pending !== null) for (let i = 0; i < n; i++) h.record(pending[i]);
    return h;
  }

  /**
   * The current summary in ms: `count`, `mean` and `max` exact, quantiles within the histogram's
   * precision (and never above `max`). Allocates one small object (≈ 1–2 µs: three native
   * quantile reads).
   */
  snapshot(): DistributionSnapshot {
    const count = this.n;
    if (count === 0) return EMPTY_DISTRIBUTION;
    const max = this.maxMicros;
    if (count === 1) {
      const only = (this.first - 1) / 1000;
      return { count, mean: only, p50: only, p95: only, p99: only, max: only };
    }
    // A snapshot is off the hot path: the place to flush what is buffered.
    const h = this.flush();
    return {
      count,
      mean: this.sum / count / 1000,
      p50: (Math.min(h.percentile(50), max) - 1) / 1000,
      p95: (Math.min(h.percentile(95), max) - 1) / 1000,
      p99: (Math.min(h.percentile(99), max) - 1) / 1000,
      max: (max - 1) / 1000,
    };
  }

  /** Forgets every recorded value (an existing histogram is kept and cleared). */
  reset(): void {
    this.histogram?.reset();
    this.pendingCount = 0;
    this.n = 0;
    this.first = 0;
    this.sum = 0;
    this.maxMicros = 0;
  }
}
