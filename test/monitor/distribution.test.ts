import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Distribution, EMPTY_DISTRIBUTION } from '../../src/monitor/distribution';
import { InvalidOptionError } from '../../src/errors';

/** HDR keeps 2 significant digits by default: every quantile is within 1 % (+1 µs of rounding). */
function near(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.01 + 0.001);
}

describe('Distribution', () => {
  it('is empty before the first value', () => {
    const d = new Distribution();
    expect(d.count).toBe(0);
    expect(d.snapshot()).toBe(EMPTY_DISTRIBUTION);
    expect(EMPTY_DISTRIBUTION).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  it('summarizes 1..100 ms with quantiles within 1 %', () => {
    const d = new Distribution();
    for (let ms = 1; ms <= 100; ms++) d.record(ms);
    const s = d.snapshot();
    expect(s.count).toBe(100);
    near(s.mean, 50.5);
    near(s.p50, 50);
    near(s.p95, 95);
    near(s.p99, 99);
    near(s.max, 100);
  });

  it('keeps sub-millisecond precision', () => {
    const d = new Distribution();
    d.record(0.25);
    d.record(0.75);
    const s = d.snapshot();
    near(s.mean, 0.5);
    near(s.p50, 0.25);
    near(s.max, 0.75);
  });

  it('reads 0 ms back as exactly 0 (virtual-time runs take no time)', () => {
    const d = new Distribution();
    d.record(0);
    d.record(0);
    expect(d.snapshot()).toEqual({ count: 2, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  it('counts negative values as 0 and ignores NaN', () => {
    const d = new Distribution();
    d.record(-5);
    d.record(Number.NaN);
    expect(d.snapshot()).toEqual({ count: 1, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  it('saturates at highestMs instead of dropping larger values', () => {
    const d = new Distribution({ highestMs: 1_000 });
    d.record(5_000);
    d.record(Number.POSITIVE_INFINITY);
    const s = d.snapshot();
    expect(s.count).toBe(2);
    near(s.p50, 1_000);
    near(s.max, 1_000);
  });

  it('reports a single value exactly (quantiles equal the value)', () => {
    const d = new Distribution();
    d.record(1.2345);
    expect(d.snapshot()).toEqual({ count: 1, mean: 1.235, p50: 1.235, p95: 1.235, p99: 1.235, max: 1.235 });
  });

  it('keeps the first value exact when a second one comes', () => {
    const d = new Distribution();
    d.record(100);
    d.record(1);
    const s = d.snapshot();
    expect(s.count).toBe(2);
    near(s.p50, 1);
    near(s.p99, 100);
    expect(s.max).toBe(100);
    expect(s.mean).toBe(50.5);
  });

  it('is usable again after reset, with one value and with many', () => {
    const d = new Distribution();
    for (let i = 0; i < 10; i++) d.record(50);
    d.reset();
    d.record(7);
    expect(d.snapshot()).toEqual({ count: 1, mean: 7, p50: 7, p95: 7, p99: 7, max: 7 });
    d.record(9);
    expect(d.snapshot()).toMatchObject({ count: 2, mean: 8, max: 9 });
    near(d.snapshot().p50, 7);
  });

  it('honours figures: 1 (coarser quantiles, exact mean and max)', () => {
    const d = new Distribution({ figures: 1 });
    for (let ms = 1; ms <= 100; ms++) d.record(ms);
    const s = d.snapshot();
    expect(s.mean).toBe(50.5);
    expect(s.max).toBe(100);
    expect(Math.abs(s.p95 - 95)).toBeLessThanOrEqual(95 * 0.07);
  });

  it('forgets everything on reset', () => {
    const d = new Distribution();
    d.record(3);
    d.reset();
    expect(d.count).toBe(0);
    expect(d.snapshot()).toBe(EMPTY_DISTRIBUTION);
  });

  it('returns snapshots detached from later records', () => {
    const d = new Distribution();
    d.record(1);
    const first = d.snapshot();
    d.record(100);
    expect(first.count).toBe(1);
    expect(d.snapshot().count).toBe(2);
  });

  it.each([
    ['figures', { figures: 0 }, 0],
    ['figures', { figures: 6 }, 6],
    ['figures', { figures: 2.5 }, 2.5],
    ['highestMs', { highestMs: 0 }, 0],
    ['highestMs', { highestMs: Number.POSITIVE_INFINITY }, Number.POSITIVE_INFINITY],
    ['highestMs', { highestMs: Number.NaN }, Number.NaN],
  ])('rejects %s %o', (field, options, received) => {
    try {
      new Distribution(options as never);
      expect.unreachable('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidOptionError);
      const e = err as InvalidOptionError;
      expect(e.code).toBe('INVALID_OPTION');
      expect(e.field).toBe(field);
      expect(e.received).toBe(received);
      expect(e.message).toMatch(new RegExp(`^Distribution: ${field} must`));
    }
  });
});

describe('Distribution histogram layout', () => {
  it('keeps every single value within its precision (figures 1–3), from 0 ms up to hours — also past 2^31 µs', () => {
    // Relative width of a bucket: 1 / 2^(k−1), k = ⌈log2(2·10^figures)⌉.
    const bound: Record<number, number> = { 1: 1 / 16, 2: 1 / 128, 3: 1 / 1024 };
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3), fc.double({ min: 0, max: 86_000_000, noNaN: true }), (figures, ms) => {
        const d = new Distribution({ figures: figures as 1 | 2 | 3 });
        d.record(0); // a second value, so p50 is read from the histogram, not from max
        d.record(ms);
        const s = d.snapshot();
        const stored = Math.round(ms * 1000) / 1000;
        expect(s.max).toBe(stored);
        // p99 of {0, ms} is ms's bucket: its highest value, capped at max — never above, at most one bucket below.
        expect(s.p99).toBeLessThanOrEqual(stored);
        expect(stored - s.p99).toBeLessThanOrEqual(stored * bound[figures] + 0.001);
      }),
      { numRuns: 500 },
    );
  });

  it('reads quantiles by rank like HDR: 1..1000 ms uniformly', () => {
    const d = new Distribution();
    for (let ms = 1; ms <= 1000; ms++) d.record(ms);
    const s = d.snapshot();
    for (const [q, v] of [[s.p50, 500], [s.p95, 950], [s.p99, 990]]) {
      expect(q).toBeGreaterThanOrEqual(v);
      expect(q).toBeLessThanOrEqual(v * (1 + 1 / 128));
    }
  });

  it('counts few distinct values as pairs, then switches to dense counts grown only as far as the largest value needs', () => {
    const d = new Distribution();
    const inner = d as unknown as { dense: number[] | null; k0: number; pairs: number[] | null };
    d.record(5);
    d.record(5);
    expect([inner.k0 >= 0, inner.pairs, inner.dense]).toEqual([true, null, null]); // one bucket: no array at all
    for (let k = 0; k < 3; k++) for (const ms of [0, 1, 2, 3, 10, 250]) d.record(ms);
    expect(inner.dense).toBeNull();
    expect(inner.pairs!.length).toBe(2 * 6); // 5 ms in the fields, six more buckets as pairs
    let s = d.snapshot();
    expect([s.count, s.max]).toEqual([20, 250]);
    // Rank 10 of 20: 0, 0, 0, 1, 1, 1, 2, 2, 2, 3.
    expect(s.p50).toBeGreaterThanOrEqual(3);
    expect(s.p50).toBeLessThanOrEqual(3.03);
    for (let ms = 100; ms < 120; ms++) d.record(ms); // 20 more distinct buckets
    expect(inner.dense).not.toBeNull();
    expect([inner.k0, inner.pairs]).toEqual([-1, null]);
    expect(inner.dense!.length).toBeLessThanOrEqual(2048);
    s = d.snapshot();
    expect(s.count).toBe(40);
    // Rank 20 of 40: 17 values up to 10 ms (5 ms twice), then 100, 101, 102.
    expect(s.p50).toBeGreaterThanOrEqual(102);
    expect(s.p50).toBeLessThanOrEqual(102 * 1.01);
    d.record(86_400_000);
    expect(inner.dense!.length).toBeLessThanOrEqual(4096);
    expect(d.snapshot().max).toBe(86_400_000);
  });

  it('gives the same quantiles from pairs and from dense counts (any values, any order)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 60 }), (values) => {
        const sparse = new Distribution();
        const dense = new Distribution();
        // Force `dense` past its pairs first with 17 distinct values, then forget them.
        for (let k = 0; k < 17; k++) dense.record(k * 1000);
        (dense as unknown as { n: number }).n = 0;
        (dense as unknown as { dense: number[] }).dense.fill(0);
        (dense as unknown as { sum: number; maxMicros: number }).sum = 0;
        (dense as unknown as { maxMicros: number }).maxMicros = 0;
        for (const v of values) {
          sparse.record(v / 10);
          dense.record(v / 10);
        }
        expect(sparse.snapshot()).toEqual(dense.snapshot());
      }),
      { numRuns: 200 },
    );
  });
});
