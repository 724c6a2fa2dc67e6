import { Observable, asyncScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { InvalidOptionError } from '../src/errors';

const WHERE = 'longTimer';

/**
 * Longest wait {@link longTimer} arms at once: 2^31−1 ms (about 24.8 days), the largest delay
 * Node's `setTimeout`/`setInterval` honour. Above it Node fires after 1 ms and prints a
 * `TimeoutOverflowWarning`.
 */
export const LONG_TIMER_CHUNK_MS = 2 ** 31 - 1;

/**
 * Like RxJS `timer(dueTime)`: emits `0` once after `dueTime` ms (or at the Date `dueTime` on the
 * scheduler's clock) and completes — but also correct for waits longer than 2^31−1 ms.
 *
 * The wait is armed in chunks of at most {@link LONG_TIMER_CHUNK_MS}. When a chunk ends, the clock
 * (`scheduler.now()`) is read again and the remainder armed, and it emits only once the clock has
 * reached the due time. So a wall clock that jumps back or a timer that wakes early never makes it
 * fire early, a clock that jumps forward (or a system that slept through the due time) makes it fire
 * once at the next wake-up, and it can never fire twice: one action is armed at a time.
 *
 * - A number is measured from subscription; a negative number counts as 0, as in `timer`.
 * - A Date in the past emits on the scheduler's next turn (asynchronously), as in `timer`.
 * - Unsubscribing cancels the armed chunk.
 *
 * @param dueTime ms from subscription (finite), or an absolute valid Date.
 * @param scheduler The clock to read and to arm waits on (default `asyncScheduler`).
 * @throws {InvalidOptionError} `INVALID_OPTION` for `NaN`/`±Infinity` or a non-number, `INVALID_DATE`
 *   for an invalid Date, e.g. `longTimer: dueTime must be a finite number of ms or a valid Date, got NaN`.
 *
 * @example
 * ```ts
 * import { longTimer } from 'rx-background-tasks/operators';
 *
 * // 40 days ahead: plain timer(…) would fire after 1 ms.
 * longTimer(40 * 24 * 3600 * 1000).subscribe(() => console.log('monthly maintenance'));
 * longTimer(new Date('2030-01-01T00:00:00Z')).subscribe(() => console.log('happy new year'));
 * ```
 *
 * @see https://rxjs.dev/api/index/function/timer
 * @see https://nodejs.org/api/timers.html#settimeoutcallback-delay-args — delays above 2^31−1 become 1.
 */
export function longTimer(dueTime: number | Date, scheduler: SchedulerLike = asyncScheduler): Observable<0> {
  if (dueTime instanceof Date) {
    if (Number.isNaN(dueTime.getTime())) {
      throw new InvalidOptionError('INVALID_DATE', WHERE, 'dueTime', 'must be a finite number of ms or a valid Date', dueTime);
    }
  } else if (typeof dueTime !== 'number' || !Number.isFinite(dueTime)) {
    throw new InvalidOptionError('INVALID_OPTION', WHERE, 'dueTime', 'must be a finite number of ms or a valid Date', dueTime);
  }
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new InvalidOptionError('INVALID_OPTION', WHERE, 'scheduler', 'must be an RxJS SchedulerLike', scheduler);
  }

  return new Observable<0>((subscriber) => {
    const due = dueTime instanceof Date ? dueTime.getTime() : scheduler.now() + Math.max(0, dueTime);
    const nextChunk = (): number => Math.min(Math.max(0, due - scheduler.now()), LONG_TIMER_CHUNK_MS);
    // One action, rescheduled in place (`this.schedule`), so at most one wait is ever armed and
    // unsubscribing the returned action cancels whichever chunk is pending.
    const wake = function (this: SchedulerAction<unknown>): void {
      if (scheduler.now() >= due) {
        subscriber.next(0);
        subscriber.complete();
      } else {
        this.schedule(undefined, nextChunk());
      }
    };
    return scheduler.schedule(wake, nextChunk());
  });
}
