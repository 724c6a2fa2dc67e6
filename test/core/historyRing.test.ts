import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HistoryRing } from '../../src/internal/historyRing';
import type { ExecutionStatus } from '../../src/types';

const STATUSES: ExecutionStatus[] = ['succeeded', 'failed', 'timed-out', 'aborted'];

describe('HistoryRing (column-wise, growing, then wrapping)', () => {
  it('keeps exactly the last `capacity` executions, oldest first, across growth and wrap-around', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 150 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 2 ** 32 }), (capacity, n, seed) => {
        const ring = new HistoryRing(capacity);
        const all = Array.from({ length: n }, (_, k) => ({
          attempt: 1 + ((k + seed) % 5),
          firedAt: 1.7e12 + k * 10.25,
          startedAt: 1.7e12 + k * 10.25 + 1,
          endedAt: 1.7e12 + k * 10.25 + 2.5,
          status: STATUSES[(k + seed) % 4],
          // Payloads start out undefined and appear later: their columns are created late.
          error: k % 7 === 3 ? new Error(`e${k}`) : undefined,
          event: k >= n / 2 ? { k } : undefined,
          result: k % 3 === 0 && k > 10 ? k : undefined,
        }));
        for (const e of all) ring.record(e.attempt, e.firedAt, e.startedAt, e.endedAt, e.status, e.error, e.event, e.result);
        expect(ring.size).toBe(Math.min(n, capacity));
        const kept = ring.toArray('t');
        expect(kept).toEqual(all.slice(Math.max(0, n - capacity)).map((e) => ({ taskId: 't', ...e })));
      }),
      { numRuns: 300 },
    );
  });

  it('staggers growth: rings created one after another do not all grow on the same record', () => {
    const numbers = (r: HistoryRing) => (r as unknown as { numbers: number[] }).numbers;
    const rings = Array.from({ length: 16 }, () => new HistoryRing(100));
    const grewAt = rings.map(() => new Set<number>());
    for (let k = 0; k < 100; k++) {
      rings.forEach((ring, i) => {
        const before = numbers(ring);
        ring.record(1, k, k, k, 'succeeded', undefined, undefined, undefined);
        if (numbers(ring) !== before) grewAt[i].add(k);
      });
    }
    // Every ring reaches its capacity, each in one step by its 10th record, and on any one record
    // at most a quarter of them grow.
    for (const ring of rings) expect(numbers(ring).length).toBe(400);
    for (const grew of grewAt) {
      expect(grew.size).toBe(1);
      expect(Math.max(...grew)).toBeLessThan(10);
    }
    for (let k = 0; k < 100; k++) expect(grewAt.filter((s) => s.has(k)).length).toBeLessThanOrEqual(4);
  });

  it('grows after the turn it fills in, so the next record (a periodic task\'s next tick) does not allocate', async () => {
    const numbers = (r: HistoryRing) => (r as unknown as { numbers: Float64Array }).numbers;
    const ring = new HistoryRing(100);
    const slots = numbers(ring).length / 4;
    for (let k = 0; k < slots; k++) ring.record(1, k, k, k, 'succeeded', undefined, undefined, undefined);
    const full = numbers(ring);
    expect(full.length).toBe(slots * 4); // full, not grown yet
    await new Promise((resolve) => setImmediate(resolve));
    const grown = numbers(ring);
    expect(grown.length).toBe(100 * 4); // to its capacity, in one step
    ring.record(1, slots, slots, slots, 'succeeded', undefined, undefined, undefined);
    expect(numbers(ring)).toBe(grown);
    expect(ring.toArray('t').map((e) => e.firedAt)).toEqual(Array.from({ length: slots + 1 }, (_, k) => k));
  });
});
