import { Subscription, timer, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../../src/errors';
import { LONG_TIMER_CHUNK_MS, longTimer } from '../../operators';

function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/**
 * A SchedulerLike whose clock the test sets by hand and whose armed actions run only when the test
 * says their timer went off — so a test can make a timer wake while the clock reads anything
 * (a wall-clock jump back or forward, a system that slept, a timer that woke a ms early).
 */
class HandClock implements SchedulerLike {
  time = 0;
  /** Every delay ever armed, in order. */
  readonly armedDelays: number[] = [];
  readonly actions: HandAction[] = [];

  now(): number {
    return this.time;
  }

  schedule<T>(work: (this: SchedulerAction<T>, state: T) => void, delay = 0, state?: T): Subscription {
    const action = new HandAction(this, work as (this: SchedulerAction<unknown>, state: unknown) => void);
    this.actions.push(action);
    return action.schedule(state, delay);
  }

  /** Actions armed and not cancelled or run. */
  get pending(): HandAction[] {
    return this.actions.filter((a) => a.pending && !a.closed);
  }

  /** Lets the only pending timer go off (with the clock at whatever the test set). */
  fire(): void {
    const pending = this.pending;
    expect(pending).toHaveLength(1);
    pending[0].run();
  }
}

class HandAction extends Subscription implements SchedulerAction<unknown> {
  pending = false;
  delay = 0;
  private state: unknown;

  constructor(
    private readonly clock: HandClock,
    private readonly work: (this: SchedulerAction<unknown>, state: unknown) => void,
  ) {
    super();
  }

  schedule(state?: unknown, delay = 0): Subscription {
    this.state = state;
    this.delay = delay;
    this.pending = true;
    this.clock.armedDelays.push(delay);
    return this;
  }

  run(): void {
    this.pending = false;
    this.work.call(this, this.state);
  }
}

function record(clock: HandClock, dueTime: number | Date) {
  const emissions: Array<{ value: number; at: number }> = [];
  let completed = false;
  const subscription = longTimer(dueTime, clock).subscribe({
    next: (value) => emissions.push({ value, at: clock.now() }),
    complete: () => (completed = true),
  });
  return { emissions, subscription, isCompleted: () => completed };
}

describe('longTimer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('exports the chunk size: the largest delay Node timers honour', () => {
    expect(LONG_TIMER_CHUNK_MS).toBe(2 ** 31 - 1);
  });

  it('emits 0 and completes exactly at frame 2^31 + 5000 in virtual time', () => {
    const testScheduler = newTestScheduler();
    const due = 2 ** 31 + 5000;
    const emittedAt: number[] = [];
    testScheduler.run(({ expectObservable }) => {
      const timer$ = longTimer(due);
      expectObservable(timer$).toBe(`${due}ms (a|)`, { a: 0 });
      timer$.subscribe(() => emittedAt.push(testScheduler.now()));
    });
    expect(emittedAt).toEqual([due]);
  });

  it('emits at a Date on the scheduler clock (2^32 ms after the epoch in virtual time)', () => {
    newTestScheduler().run(({ expectObservable }) => {
      expectObservable(longTimer(new Date(2 ** 32))).toBe(`${2 ** 32}ms (a|)`, { a: 0 });
    });
  });

  it('emits on the next turn, not synchronously, for a Date in the past or a negative delay', () => {
    newTestScheduler().run(({ expectObservable, flush }) => {
      let sync = false;
      longTimer(new Date(-1000)).subscribe(() => (sync = true));
      expect(sync).toBe(false);
      flush();
      expect(sync).toBe(true);
      expectObservable(longTimer(-5)).toBe('(a|)', { a: 0 });
    });
  });

  it('emits nothing after an early unsubscription', () => {
    newTestScheduler().run(({ expectObservable }) => {
      expectObservable(longTimer(2 ** 31 + 10), `^ ${2 ** 31}ms !`).toBe('');
    });
  });

  it('arms chunks of at most 2^31−1 ms and fires exactly at the due time when the clock follows the timers', () => {
    const clock = new HandClock();
    const due = 3 * 2 ** 31;
    const { emissions, isCompleted } = record(clock, due);
    while (clock.pending.length > 0) {
      clock.time += clock.pending[0].delay;
      clock.fire();
    }
    const C = LONG_TIMER_CHUNK_MS;
    expect(clock.armedDelays).toEqual([C, C, C, due - 3 * C]);
    expect(emissions).toEqual([{ value: 0, at: due }]);
    expect(isCompleted()).toBe(true);
  });

  it('does not fire early when the wall clock jumped back during a chunk: it arms the remainder again', () => {
    const clock = new HandClock();
    const due = 2 ** 31 + 5000;
    const day = 86_400_000;
    const { emissions, isCompleted } = record(clock, due);
    expect(clock.armedDelays).toEqual([LONG_TIMER_CHUNK_MS]);

    // The first chunk's timer goes off, but the clock was set back a day meanwhile.
    clock.time = LONG_TIMER_CHUNK_MS - day;
    clock.fire();
    expect(emissions).toEqual([]);
    expect(clock.armedDelays.at(-1)).toBe(due - clock.time); // 5001 ms + the lost day

    // That timer goes off a ms before the clock reaches the due time: still not due.
    clock.time = due - 1;
    clock.fire();
    expect(emissions).toEqual([]);
    expect(clock.armedDelays.at(-1)).toBe(1);

    clock.time = due;
    clock.fire();
    expect(emissions).toEqual([{ value: 0, at: due }]);
    expect(isCompleted()).toBe(true);
    expect(clock.pending).toEqual([]);
  });

  it('fires once, at the first wake-up, when the clock jumped forward past the due time (system sleep)', () => {
    const clock = new HandClock();
    const due = 5 * 2 ** 31;
    const { emissions, isCompleted } = record(clock, due);

    // The machine slept through the due time and several chunks: one wake-up, one emission.
    clock.time = due + 10 * 86_400_000;
    clock.fire();
    expect(emissions).toEqual([{ value: 0, at: due + 10 * 86_400_000 }]);
    expect(isCompleted()).toBe(true);
    // Nothing left armed that could fire a second time.
    expect(clock.pending).toEqual([]);
    expect(clock.armedDelays).toHaveLength(1);
  });

  it('fires once when the clock jumped forward to the middle of the last chunk, then keeps no timer', () => {
    const clock = new HandClock();
    const due = 2 ** 31 + 5000;
    const { emissions } = record(clock, due);
    clock.time = due - 2000; // jumped forward: 2 s left
    clock.fire();
    expect(emissions).toEqual([]);
    expect(clock.armedDelays).toEqual([LONG_TIMER_CHUNK_MS, 2000]);
    clock.time = due;
    clock.fire();
    expect(emissions).toHaveLength(1);
    expect(clock.pending).toEqual([]);
  });

  it('cancels the armed chunk on unsubscription', () => {
    const clock = new HandClock();
    const { emissions, subscription } = record(clock, 2 ** 33);
    clock.time = LONG_TIMER_CHUNK_MS;
    clock.fire(); // second chunk armed
    expect(clock.pending).toHaveLength(1);
    subscription.unsubscribe();
    expect(clock.pending).toEqual([]);
    expect(emissions).toEqual([]);
  });

  it('measures a number from subscription time, not from creation', () => {
    const clock = new HandClock();
    const timer$ = longTimer(100, clock);
    clock.time = 1000;
    const emissions: number[] = [];
    timer$.subscribe(() => emissions.push(clock.now()));
    expect(clock.armedDelays).toEqual([100]);
    clock.time = 1100;
    clock.fire();
    expect(emissions).toEqual([1100]);
  });

  describe('with Node timers (vitest fake timers emulate the 2^31−1 ms overflow)', () => {
    it('fires after 2^31 ms on asyncScheduler where RxJS timer(2^31) fires after 1 ms', () => {
      vi.useFakeTimers({ now: 0 });
      const long: number[] = [];
      const plain: number[] = [];
      longTimer(2 ** 31).subscribe(() => long.push(Date.now()));
      timer(2 ** 31).subscribe(() => plain.push(Date.now()));

      vi.advanceTimersByTime(1);
      expect(plain).toEqual([1]); // the bug longTimer exists for
      expect(long).toEqual([]);

      vi.advanceTimersByTime(2 ** 31 - 2); // now = 2^31 − 1
      expect(long).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(long).toEqual([2 ** 31]);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('does not fire early nor warn on real Node timers (real time: 50 ms)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    let fired = false;
    const subscription = longTimer(2 ** 31 + 1).subscribe(() => (fired = true));
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fired).toBe(false);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      subscription.unsubscribe();
      process.off('warning', onWarning);
    }
  });

  describe('validation', () => {
    it.each([
      ['dueTime', NaN, 'INVALID_OPTION', 'longTimer: dueTime must be a finite number of ms or a valid Date, got NaN'],
      ['dueTime', Infinity, 'INVALID_OPTION', 'longTimer: dueTime must be a finite number of ms or a valid Date, got Infinity'],
      ['dueTime', '5', 'INVALID_OPTION', 'longTimer: dueTime must be a finite number of ms or a valid Date, got "5"'],
      ['dueTime', new Date('nope'), 'INVALID_DATE', 'longTimer: dueTime must be a finite number of ms or a valid Date, got Invalid Date'],
    ])('rejects a bad %s (%#)', (field, dueTime, code, message) => {
      let error: unknown;
      try {
        longTimer(dueTime as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code, field, message });
    });

    it('rejects something that is not a SchedulerLike', () => {
      expect(() => longTimer(5, { now: () => 0 } as never)).toThrow(
        'longTimer: scheduler must be an RxJS SchedulerLike, got an object (Object)',
      );
    });
  });
});
