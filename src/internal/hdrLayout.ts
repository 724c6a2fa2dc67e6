/**
 * The bucket layout of an HDR histogram (Gil Tene's HdrHistogram, as in Node's `perf_hooks`
 * histograms and `hdr_histogram_c`): for values from 1 to `highest` (whole units), kept to
 * `figures` significant decimal digits. Values fall into buckets of doubling width, each split
 * into the same number of linear sub-buckets, so a value's slot is two shifts and a count of
 * leading zeros, and every value is kept within 10^-figures of itself.
 *
 * Only the index arithmetic lives here, shared by every histogram of the same precision and range
 * (see {@link hdrLayout}); a histogram is its `Float64Array` of counts. Why not Node's own: its
 * `createHistogram` costs ≈ 40 µs and ≈ 0.9 KB of JS heap per histogram on Node 20 (a
 * transferable wrapper object), and a scheduler makes two per task. With 500 tasks ticking
 * together that was 40 ms of CPU and ≈ 1 MB promoted to the old generation within their first
 * second — the longest scavenges of the interval benchmark. A typed array costs ≈ 2 µs and a
 * hundred-odd bytes of heap, its counts off the JS heap. The npm ports measured no better here
 * (`hdr-histogram-js`: 29 µs, 0.9 KB heap; `@datadog/sketches-js`: 22 µs, 2.2 KB heap), and
 * both take ≈ 220 ns per recorded value.
 * @internal
 */
export class HdrLayout {
  /** Slots of the whole range (a histogram may keep counts for only part of it: see `percentiles`). */
  readonly length: number;
  /** Linear sub-buckets in the lower half of every bucket: log2 of subBucketHalfCount. */
  private readonly halfMagnitude: number;
  /** Slots per half bucket: the unit a partial counts array is aligned to and grows by. */
  readonly subBucketHalfCount: number;
  private readonly subBucketMask: number;
  /** 63 − halfMagnitude: a value's bucket is this minus its 64-bit leading-zero count. */
  private readonly leadingZeroBase: number;

  constructor(
    /** Significant decimal digits, 1–5. */
    readonly figures: number,
    /** Largest value kept (whole units, ≥ 1); the caller clamps larger ones to it. */
    readonly highest: number,
  ) {
    // Single-unit resolution is needed up to 2 × 10^figures, so the sub-bucket count is the
    // power of two above it (32 for 1 figure, 256 for 2, 2048 for 3 …).
    const magnitude = Math.ceil(Math.log2(2 * 10 ** figures));
    this.halfMagnitude = magnitude - 1;
    const subBucketCount = 2 ** magnitude;
    this.subBucketHalfCount = subBucketCount / 2;
    this.subBucketMask = subBucketCount - 1;
    this.leadingZeroBase = 63 - this.halfMagnitude;
    let buckets = 1;
    for (let untrackable = subBucketCount; untrackable <= highest; untrackable *= 2) buckets++;
    this.length = (buckets + 1) * this.subBucketHalfCount;
  }

  /** The slot of `value` (a whole number from 1 to `highest`). */
  index(value: number): number {
    if (value < 0x80000000) {
      // Below 2^31 (µs: 35 minutes), 32-bit integer arithmetic: a leading-zero count and a shift.
      const bucket = this.leadingZeroBase - 32 - Math.clz32(value | this.subBucketMask);
      return ((bucket + 1) << this.halfMagnitude) + ((value >>> bucket) - this.subBucketHalfCount);
    }
    const bucket = this.leadingZeroBase - clz64(value, this.subBucketMask);
    const subBucket = Math.floor(value / 2 ** bucket);
    return ((bucket + 1) << this.halfMagnitude) + (subBucket - this.subBucketHalfCount);
  }

  /** The largest value that falls into slot `index` (what a quantile reads, as HdrHistogram does). */
  highestIn(index: number): number {
    let bucket = (index >> this.halfMagnitude) - 1;
    let subBucket = (index & (this.subBucketHalfCount - 1)) + this.subBucketHalfCount;
    if (bucket < 0) {
      subBucket -= this.subBucketHalfCount;
      bucket = 0;
    }
    const width = 2 ** bucket;
    return subBucket * width + width - 1;
  }

  /**
   * The values at the given percentiles (ascending, 0–100) of `counts` holding `total` values, in
   * one pass: each is the highest value of the slot where the running count reaches
   * round(p / 100 × total), at least 1 — HdrHistogram's `getValueAtPercentile`. `counts[0]` is
   * slot `first` (every slot outside `counts` holds 0).
   */
  percentiles(counts: Float64Array, first: number, total: number, percentiles: readonly number[]): number[] {
    const out: number[] = [];
    let running = 0;
    let k = 0;
    for (let i = 0; i < counts.length && k < percentiles.length; i++) {
      running += counts[i];
      while (k < percentiles.length && running >= Math.max(1, Math.round((percentiles[k] / 100) * total))) {
        out.push(this.highestIn(first + i));
        k++;
      }
    }
    return out;
  }
}

/** Leading zeros of `value | mask` as a 64-bit integer (`value` a whole number below 2^53, mask < 2^31). */
function clz64(value: number, mask: number): number {
  const high = Math.floor(value / 4294967296);
  // Below 2^32, `value | mask` has the value's bits (as an int32, which clz32 reads unsigned).
  return high !== 0 ? Math.clz32(high) : 32 + Math.clz32(value | mask);
}

const layouts = new Map<string, HdrLayout>();

/** The layout for `figures` and `highest`, one instance per pair (histograms share it). */
export function hdrLayout(figures: number, highest: number): HdrLayout {
  const key = `${figures}:${highest}`;
  let layout = layouts.get(key);
  if (layout === undefined) layouts.set(key, (layout = new HdrLayout(figures, highest)));
  return layout;
}
