// The scheduler's clock: on the default asyncScheduler it arms Node timers directly (no RxJS
// action per timer); any other SchedulerLike — a TestScheduler — is used through schedule().
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Clock } from '../../src/internal/clock';

afterEach(() => vi.useRealTimers());

describe('Clock on the asyncScheduler', () => {
  it('fires after exactly the delay, through one Node timer, and cancel() clears it', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const clock = new Clock(asyncScheduler);
    const fired: number[] = [];
    clock.after(250, () => fired.push(Date.now()));
    const cancelled = clock.after(100, () => fired.push(-1));
    expect(vi.getTimerCount()).toBe(2);
    cancelled.cancel();
    cancelled.cancel(); // twice is harmless
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(249);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([1_250]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reads Date.now() at call time (fake timers installed after the clock apply)', () => {
    const clock = new Clock(asyncScheduler);
    vi.useFakeTimers({ now: 42_000 });
    expect(clock.now()).toBe(42_000);
  });

  it('an unref clock does not keep the event loop alive; a default one does', () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const unref = new Clock(asyncScheduler, true).after(60_000, () => undefined);
    expect(timeouts()).toBe(before);
    const ref = new Clock(asyncScheduler).after(60_000, () => undefined);
    expect(timeouts()).toBe(before + 1);
    unref.cancel();
    ref.cancel();
    expect(timeouts()).toBe(before);
  });
});

describe('Clock on a virtual scheduler', () => {
  it('schedules through the SchedulerLike: fires at its virtual frame, arms no Node timer', () => {
    vi.useFakeTimers();
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    const clock = new Clock(ts);
    const fired: number[] = [];
    clock.after(30, () => fired.push(ts.now()));
    clock.after(10, () => fired.push(ts.now())).cancel();
    expect(vi.getTimerCount()).toBe(0);
    ts.flush();
    expect(fired).toEqual([30]);
  });
});
