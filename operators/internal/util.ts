import { Observable, takeUntil, type Observer, type Subscriber, type Subscription } from 'rxjs';
import { InvalidOptionError, type SchedulerErrorCode } from '../../src/errors';

/**
 * Subscribes `observer` to `source` as a child of `destination`, using public RxJS API only.
 *
 * Why not a plain `destination.add(source.subscribe(observer))`: while a synchronous source is
 * still inside `subscribe()` (`of(…)`, `range`, a loop over a Subject) its subscription has not been
 * returned yet, so a downstream `take(1)` or an error could not stop it — the source would keep
 * looping into a closed destination. `takeUntil` on a notifier that fires when `destination`
 * finalizes closes the subscriber the source itself checks, which is what RxJS's internal
 * `OperatorSubscriber` chaining does for the built-in operators.
 *
 * Notifications that arrive once `destination` is closed are ignored, so a completion caused by
 * the teardown itself never runs the observer's logic (for instance starting the next inner).
 *
 * @returns the child subscription (already added to `destination`; it removes itself when it ends).
 */
export function subscribeLinked<T>(
  source: Observable<T>,
  destination: Subscriber<unknown>,
  observer: Partial<Observer<T>>,
): Subscription {
  const closed$ = new Observable<void>((notifier) => {
    const signal = (): void => notifier.next();
    destination.add(signal);
    return () => destination.remove(signal);
  });
  const child = source.pipe(takeUntil(closed$)).subscribe({
    next: (value) => {
      if (!destination.closed) observer.next?.(value);
    },
    error: (err: unknown) => {
      if (!destination.closed) (observer.error ?? ((e: unknown) => destination.error(e)))(err);
    },
    complete: () => {
      if (!destination.closed) observer.complete?.();
    },
  });
  destination.add(child);
  return child;
}

/** Throws unless `value` is a function. */
export function assertFunction(where: string, field: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new InvalidOptionError('INVALID_OPTION', where, field, 'must be a function', value);
  }
}

/** Throws unless `value` is an integer ≥ 1 (finite). */
export function assertPositiveInteger(where: string, field: string, value: unknown, code: SchedulerErrorCode = 'INVALID_OPTION'): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(code, where, field, 'must be a positive integer', value);
  }
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<const A extends readonly string[]>(
  where: string,
  field: string,
  value: unknown,
  allowed: A,
  code: SchedulerErrorCode = 'INVALID_OPTION',
): asserts value is A[number] {
  if (!allowed.includes(value as string)) {
    const rule = `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`;
    throw new InvalidOptionError(code, where, field, rule, value);
  }
}
