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
});
