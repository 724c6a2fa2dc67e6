import { InvalidOptionError } from '../errors';

/** Options of {@link RateMeter}. */
export interface RateMeterOptions {
  /**
   * Length of the sliding window the rate is averaged over, ms.
   * @default 10_000
   */
  readonly windowMs?: number;
  /**
   * Number of buckets the window is split into; the window slides by `windowMs / buckets`.
   * @default 10
   */
  readonly buckets?: number;
}

/**
 * Events per second over a sliding window, read on the caller's clock (the scheduler's
 * `now()`, so it works in virtual time). Used for the scheduler's `firesPerSecond`.
 *
 * The window is a ring of per-bucket counts: `mark` is an index computation and an addition
 * (no allocation), `perSecond` sums the ring. Before a full window has passed since the first
 * mark (or {@link RateMeter.reset}), the rate is averaged over the time that has passed, at
 * least one bucket.
 *
 * @example
 * ```ts
 * const fires = new RateMeter({ windowMs: 10_000 });
 * fires.mark(0); fires.mark(500); fires.mark(1_500);
 * fires.perSecond(2_000); // 1.5 (3 fires in 2 s)
 * ```
 */
export class RateMeter {
  private readonly counts: Float64Array;
  private readonly bucketMs: number;
  /** Absolute index (time / bucketMs) of the newest bucket; NaN before the first mark. */
  private head = Number.NaN;
  /** When counting began; NaN until the first mark or reset. */
  private origin = Number.NaN;

  constructor(options: RateMeterOptions = {}) {
    const windowMs = options.windowMs ?? 10_000;
    const buckets = options.buckets ?? 10;
    if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
      throw new InvalidOptionError('INVALID_OPTION', 'RateMeter', 'windowMs', 'must be a finite number > 0', windowMs);
    }
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1000) {
      throw new InvalidOptionError('INVALID_OPTION', 'RateMeter', 'buckets', 'must be an integer from 1 to 1000', buckets);
    }
    this.counts = new Float64Array(buckets);
    this.bucketMs = windowMs / buckets;
  }

  /** Counts `n` events (default 1) at time `now` (ms). */
  mark(now: number, n = 1): void {
    if (this.origin !== this.origin) this.origin = now; // NaN check without a call
    const index = this.advance(now);
    this.counts[slot(index, this.counts.length)] += n;
  }

  /** Events per second over the window ending at `now`. */
  perSecond(now: number): number {
    if (this.origin !== this.origin) return 0;
    const index = this.advance(now);
    let sum = 0;
    for (let i = 0; i < this.counts.length; i++) sum += this.counts[i];
    const covered = (this.counts.length - 1) * this.bucketMs + (now - index * this.bucketMs);
    const elapsed = Math.max(this.bucketMs, Math.min(now - this.origin, covered));
    return (sum * 1000) / elapsed;
  }

  /** Forgets every count; the rate is measured from `now` on. */
  reset(now: number): void {
    this.counts.fill(0);
    this.head = Number.NaN;
    this.origin = now;
  }

  /** Moves the ring forward to the bucket of `now`, clearing the buckets it passes; returns that bucket's index. */
  private advance(now: number): number {
    const index = Math.floor(now / this.bucketMs);
    const head = this.head;
    if (index === head) return index;
    // A clock that steps back (a wall-clock jump) keeps counting into the newest bucket.
    if (index < head) return head;
    const n = this.counts.length;
    if (head !== head || index - head >= n) {
      this.counts.fill(0);
    } else {
      for (let i = head + 1; i <= index; i++) this.counts[slot(i, n)] = 0;
    }
    this.head = index;
    return index;
  }
}

/** Ring position of an absolute bucket index; also right for negative (pre-epoch virtual) times. */
function slot(index: number, length: number): number {
  const r = index % length;
  return r < 0 ? r + length : r;
}
