import { describe, expect, it } from 'vitest';
import { Distribution, EMPTY_DISTRIBUTION, FLUSH_AT_LEAST, FLUSH_SPREAD } from '../../src/monitor/distribution';
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

  it('reports a single value exactly (no histogram is needed for it)', () => {
    const d = new Distribution();
    d.record(1.2345);
    expect(d.snapshot()).toEqual({ count: 1, mean: 1.235, p50: 1.235, p95: 1.235, p99: 1.235, max: 1.235 });
  });

  it('keeps the first value when the histogram is created on the second', () => {
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

  it('reads a single value after reset exactly, also when the histogram already existed', () => {
    const d = new Distribution();
    for (let i = 0; i < 100; i++) d.record(i);
    d.snapshot(); // a snapshot flushes the buffer: the histogram exists
    expect((d as unknown as { histogram: unknown }).histogram).not.toBeNull();
    d.reset();
    d.record(7);
    expect(d.snapshot()).toEqual({ count: 1, mean: 7, p50: 7, p95: 7, p99: 7, max: 7 });
    d.record(9);
    expect(d.snapshot()).toMatchObject({ count: 2, mean: 8, max: 9 });
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

describe('Distribution before its histogram exists', () => {
  it('buffers the first values (no histogram on the hot path) and summarizes them exactly at a snapshot', () => {
    const d = new Distribution({ figures: 1 });
    for (const ms of [4, 1, 3, 2]) d.record(ms);
    expect((d as unknown as { histogram: unknown }).histogram).toBeNull();
    const s = d.snapshot();
    expect(s.count).toBe(4);
    expect(s.mean).toBe(2.5);
    expect(s.max).toBe(4);
    expect(s.p50).toBeGreaterThanOrEqual(1.8);
    expect(s.p50).toBeLessThanOrEqual(2.2);
    for (let i = 0; i < 100; i++) d.record(10);
    const t = d.snapshot();
    expect(t.count).toBe(104);
    expect(t.p95).toBeGreaterThan(9);
    expect(t.p95).toBeLessThanOrEqual(10);
    expect(t.max).toBe(10);
  });
});

describe('Distribution buffers its values in front of the histogram', () => {
  const internals = (d: Distribution) => d as unknown as { histogram: unknown; pending: Float64Array | null; pendingCount: number; n: number };

  it('records at once, and moves the buffer into the histogram when it is full (no read needed)', () => {
    const d = new Distribution({ figures: 1 });
    d.record(3);
    expect(internals(d).n).toBe(1);
    expect(internals(d).histogram).toBeNull();
    // Every instance's buffer holds at most FLUSH_AT_LEAST + FLUSH_SPREAD − 1 values: by then it has flushed.
    const most = FLUSH_AT_LEAST + FLUSH_SPREAD - 1;
    for (let i = 1; i < most; i++) d.record(i);
    expect(internals(d).n).toBe(most);
    expect(internals(d).histogram).not.toBeNull();
    expect(d.snapshot()).toMatchObject({ count: most, max: most - 1 });
  });

  it('staggers the first flush of consecutive instances over FLUSH_SPREAD buffer sizes, all of them short', () => {
    const firstFlush = new Set<number>();
    for (let k = 0; k < FLUSH_SPREAD; k++) {
      const d = new Distribution({ figures: 1 });
      let values = 0;
      while (internals(d).histogram === null && values < 1000) {
        d.record(1);
        values++;
      }
      firstFlush.add(values);
    }
    expect(firstFlush.size).toBe(FLUSH_SPREAD);
    expect(Math.min(...firstFlush)).toBe(FLUSH_AT_LEAST);
    expect(Math.max(...firstFlush)).toBe(FLUSH_AT_LEAST + FLUSH_SPREAD - 1);
    expect(FLUSH_AT_LEAST + FLUSH_SPREAD - 1).toBeLessThanOrEqual(11); // histograms exist by a task's 11th run
  });

  it('forgets buffered values on reset', () => {
    const d = new Distribution({ figures: 1 });
    d.record(3);
    d.record(4);
    d.reset();
    expect(d.snapshot()).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    expect(internals(d).pendingCount).toBe(0);
    // What is recorded after the reset is all a snapshot sees, through the buffer's next flush too.
    for (let i = 0; i < 100; i++) d.record(10);
    expect(d.snapshot()).toMatchObject({ count: 100, mean: 10, p50: 10, max: 10 });
  });

  it('keeps values exact across many flushes of its fixed buffer', () => {
    const d = new Distribution({ figures: 3 });
    for (let i = 1; i <= 1000; i++) d.record(i);
    const snap = d.snapshot();
    expect(snap).toMatchObject({ count: 1000, mean: 500.5, max: 1000 });
    expect(snap.p50).toBeCloseTo(500, -0.5);
    expect(snap.p99).toBeCloseTo(990, -1);
    expect(internals(d).pending?.length).toBeLessThanOrEqual(FLUSH_AT_LEAST + FLUSH_SPREAD - 1);
  });
});
