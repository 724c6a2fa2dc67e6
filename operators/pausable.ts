import { Observable, isObservable, type MonoTypeOperatorFunction } from 'rxjs';
import { InvalidOptionError } from '../src/errors';
import { Fifo } from '../src/internal/fifo';
import { assertOneOf, subscribeLinked } from './internal/util';

const WHERE = 'pausable';

/** Options of {@link pausable}. */
export interface PausableOptions {
  /**
   * What happens to a source value that arrives while paused: `'buffer'` keeps it (FIFO, released
   * in order on resume), `'drop'` discards it.
   * @default 'buffer'
   */
  readonly whilePaused?: 'buffer' | 'drop';
}

/**
 * A gate: while the latest value of `paused$` is `true`, source values are held back (buffered or
 * dropped); when it turns `false` the buffered values are released in arrival order, synchronously,
 * and later values pass straight through.
 *
 * - `paused$` is subscribed first, so a `BehaviorSubject` (or `startWith`) sets the initial state
 *   before the first source value. Until `paused$` emits the gate is open.
 * - Buffering uses a ring buffer (O(1) per value). Pausing again while the buffer is being released
 *   stops the release; the rest stays buffered, in order, and later values queue behind it.
 * - The output completes when the source has completed and nothing is buffered: at once if nothing
 *   was held back, otherwise right after the buffer is flushed on resume.
 * - Errors of the source or of `paused$` propagate at once (buffered values are discarded).
 * - Completion of `paused$` changes nothing: the gate keeps its last state.
 *
 * @param paused$ `true` closes the gate, `false` opens it; repeated values are harmless.
 * @throws {InvalidOptionError} `INVALID_OPTION` when `paused$` is not an Observable or
 *   `whilePaused` is neither `'buffer'` nor `'drop'`.
 *
 * @example
 * ```ts
 * import { BehaviorSubject, interval } from 'rxjs';
 * import { pausable } from 'rx-background-tasks/operators';
 *
 * const paused$ = new BehaviorSubject(false);
 * interval(1000).pipe(pausable(paused$)).subscribe((n) => console.log(n));
 * paused$.next(true);  // ticks are buffered…
 * paused$.next(false); // …and released in order
 * ```
 *
 * @see https://rxjs.dev/api/operators/bufferToggle — the RxJS operator that emits buffers as arrays instead.
 */
export function pausable<T>(paused$: Observable<boolean>, options: PausableOptions = {}): MonoTypeOperatorFunction<T> {
  if (!isObservable(paused$)) {
    throw new InvalidOptionError('INVALID_OPTION', WHERE, 'paused$', 'must be an Observable of booleans', paused$);
  }
  const { whilePaused = 'buffer' } = options;
  assertOneOf(WHERE, 'whilePaused', whilePaused, ['buffer', 'drop'] as const);
  const keep = whilePaused === 'buffer';

  return (source) =>
    new Observable<T>((subscriber) => {
      const buffer = new Fifo<T>();
      let paused = false;
      let sourceDone = false;
      let flushing = false;

      const completeIfDone = (): void => {
        if (sourceDone && buffer.size === 0) subscriber.complete();
      };
      // Why the `flushing` flag: a value emitted below may synchronously resume or re-pause the
      // gate, or feed the source again; the one loop running keeps the order.
      const flush = (): void => {
        if (flushing) return;
        flushing = true;
        while (!paused && buffer.size > 0 && !subscriber.closed) subscriber.next(buffer.shift() as T);
        flushing = false;
        if (!paused) completeIfDone();
      };

      subscriber.add(() => buffer.clear());
      subscribeLinked(paused$, subscriber, {
        next: (value) => {
          paused = value === true;
          if (!paused) flush();
        },
        complete: () => undefined,
      });
      subscribeLinked(source, subscriber, {
        next: (value) => {
          // Buffered values go first, so a value arriving during a flush queues behind them.
          if (!paused && buffer.size === 0) subscriber.next(value);
          else if (keep) buffer.push(value);
        },
        complete: () => {
          sourceDone = true;
          completeIfDone();
        },
      });
    });
}
