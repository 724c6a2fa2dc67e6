/**
 * Testing tasks that return Promises. A Promise settles outside RxJS virtual time, so for these
 * keep the default clock (asyncScheduler, which reads Date.now and setTimeout) and let vitest's
 * fake timers drive it. Check both sides of each boundary.
 *
 *   npx vitest run examples/fake-timers.test.ts
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, periodicTrigger } from '../src/index';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('testing Promise tasks with fake timers', () => {
  it('runs the heartbeat at 20 000 ms, not at 19 999, and retries a failed beat 500 ms later', async () => {
    const s = new Scheduler();
    const t0 = Date.now();
    const calls: number[] = [];
    const heartbeat = s.addTask({
      name: 'heartbeat',
      triggers: [periodicTrigger({ interval: 20_000 })],
      retry: { maxRetries: 1, delay: 500 },
      run: async () => {
        calls.push(Date.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the request takes 100 ms
        if (calls.length === 1) throw new Error('telemetry endpoint unavailable');
      },
    });
    s.start();

    await vi.advanceTimersByTimeAsync(19_999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([20_000]);
    await vi.advanceTimersByTimeAsync(100 + 499); // failed at 20 100; the retry is due at 20 600
    expect(calls).toEqual([20_000]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([20_000, 20_600]);
    await vi.advanceTimersByTimeAsync(100);

    expect(heartbeat.history.map((x) => [x.attempt, x.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    await s.stop();
  });
});
