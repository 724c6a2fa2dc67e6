import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../src/monitor/rateMeter';

describe('RateMeter', () => {
  it('is 0 before the first mark', () => {
    expect(new RateMeter().perSecond(5_000)).toBe(0);
  });

  it('averages over the time since the first mark until a window has passed', () => {
    const r = new RateMeter({ windowMs: 10_000 });
    r.mark(0);
    r.mark(500);
    r.mark(1_500);
    expect(r.perSecond(2_000)).toBe(1.5);
  });

  it('averages over at least one bucket', () => {
    const r = new RateMeter({ windowMs: 10_000, buckets: 10 });
    r.mark(0, 4);
    expect(r.perSecond(0)).toBe(4); // 4 fires over one 1 s bucket
  });

  it('measures a steady rate over the sliding window', () => {
    const r = new RateMeter({ windowMs: 10_000, buckets: 10 });
    for (let t = 0; t < 60_000; t += 100) r.mark(t); // 10 per second
    expect(r.perSecond(60_000)).toBeCloseTo(10, 5);
  });

  it('forgets fires older than the window', () => {
    const r = new RateMeter({ windowMs: 10_000, buckets: 10 });
    for (let t = 0; t < 5_000; t += 10) r.mark(t); // a burst of 100/s
    expect(r.perSecond(5_000)).toBe(100);
    // The window is the current 1 s bucket plus the 9 before it: the last fire (4 990, bucket 4)
    // is still in at 13 999 (buckets 4..13) and out at 14 000 (buckets 5..14).
    expect(r.perSecond(13_999)).toBeGreaterThan(0);
    expect(r.perSecond(14_000)).toBe(0);
    expect(r.perSecond(1_000_000)).toBe(0);
  });

  it('keeps counting when the clock steps back', () => {
    const r = new RateMeter({ windowMs: 1_000, buckets: 1 });
    r.mark(5_000);
    r.mark(4_000);
    expect(r.perSecond(5_000)).toBe(2);
  });

  it('works for negative virtual times', () => {
    const r = new RateMeter({ windowMs: 1_000, buckets: 4 });
    r.mark(-700);
    r.mark(-100);
    expect(r.perSecond(0)).toBeCloseTo(2 / 0.7, 5);
  });

  it('starts over on reset', () => {
    const r = new RateMeter();
    r.mark(0, 50);
    r.reset(1_000);
    r.mark(1_500);
    expect(r.perSecond(2_000)).toBe(1);
  });

  it.each([
    ['windowMs', { windowMs: 0 }],
    ['windowMs', { windowMs: Number.NaN }],
    ['buckets', { buckets: 0 }],
    ['buckets', { buckets: 1.5 }],
  ])('rejects %s %o', (field, options) => {
    expect(() => new RateMeter(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', field }));
  });
});
