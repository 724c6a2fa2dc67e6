import { InvalidOptionError } from '../errors';

/**
 * The first occurrence strictly after `after` of the series `anchor + k × interval` (k any integer).
 *
 * Interval triggers of cluster tasks are anchored: instead of "one interval after the trigger was
 * armed", every replica computes the same series from a shared anchor (the epoch by default), so
 * replicas started at different times — or with clocks a few ms apart — agree on each occurrence's
 * scheduled time and therefore on its {@link occurrenceKey}.
 *
 * @example
 * ```ts
 * nextAnchoredOccurrence(12_345, 5_000);        // 15_000
 * nextAnchoredOccurrence(15_000, 5_000);        // 20_000 (strictly after)
 * nextAnchoredOccurrence(12_345, 5_000, 1_000); // 16_000
 * ```
 * @throws {SchedulerError} `INVALID_INTERVAL` for an interval that is not a finite number > 0;
 *   `INVALID_OPTION` for a non-finite `after` or `anchor`
 */
export function nextAnchoredOccurrence(after: number, interval: number, anchor = 0): number {
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
    throw new InvalidOptionError('INVALID_INTERVAL', 'nextAnchoredOccurrence', 'interval', 'must be a finite number > 0', interval);
  }
  if (typeof after !== 'number' || !Number.isFinite(after)) {
    throw new InvalidOptionError('INVALID_OPTION', 'nextAnchoredOccurrence', 'after', 'must be a finite number', after);
  }
  if (typeof anchor !== 'number' || !Number.isFinite(anchor)) {
    throw new InvalidOptionError('INVALID_OPTION', 'nextAnchoredOccurrence', 'anchor', 'must be a finite number', anchor);
  }
  // floor() also handles `after` before the anchor (negative k), so the series extends both ways.
  let k = Math.floor((after - anchor) / interval) + 1;
  // Why: with fractional intervals the division can round up by one ulp; "strictly after" must hold.
  while (anchor + k * interval <= after) k++;
  return anchor + k * interval;
}
