import { Subscription, type Observable, type Observer, type Subscriber } from 'rxjs';
import { InvalidOptionError, type SchedulerErrorCode } from '../../src/errors';

/**
 * Subscribes `observer` to `source` as a child of `destination`: the child ends when `destination`
 * closes (even while a synchronous source is still inside `subscribe()`), and it leaves
 * `destination` again when it completes or errors. The operators' equivalent of RxJS's internal
 * `createOperatorSubscriber`, written against the public API.
 *
 * Why not `destination.add(source.subscribe(observer))`: while a synchronous source (`of`, `range`,
 * a loop) is still inside `subscribe()`, its subscription has not been returned yet, so a downstream
 * `take(1)` or an error could not stop it — the source would keep looping into a closed
 * destination. Here the source is handed the {@link LinkedSubscriber} itself, whose `closed` it
 * checks, and that subscriber is closed the moment `destination` is.
 *
 * Notifications that arrive once `destination` is closed are ignored, so nothing the teardown
 * itself provokes runs the observer's logic (for instance starting the next inner).
 *
 * @returns the child subscription (already added to `destination`).
 */
export function subscribeLinked<T>(
  source: Observable<T>,
  destination: Subscriber<unknown>,
  observer: Partial<Observer<T>>,
): Subscription {
  const child = new LinkedSubscriber(destination, observer);
  destination.add(child);
  // `subscribe` returns `child` itself (adding it to itself is a no-op); should RxJS ever wrap it
  // instead, this keeps the wrapper torn down with `child`.
  child.add(source.subscribe(child));
  return child;
}

/**
 * A Subscription that is also an Observer. RxJS's `Observable.subscribe` uses such an object as the
 * subscriber directly (it duck-types subscribers: an Observer that is a Subscription), which is what
 * lets a synchronous source see `closed`. Were that ever to change, RxJS would wrap it in a
 * SafeSubscriber instead: everything here would still work except stopping a synchronous source
 * mid-loop, which the operators' "synchronous infinite source" tests would catch.
 *
 * On completion it unsubscribes first (running the source's teardown) and then calls the
 * observer's `complete`, as `mergeMap` does: a finished inner is fully torn down (its `finalize`
 * has run) before the next one starts, so teardown-based accounting never sees one inner too many.
 * An exception thrown by the observer errors `destination`.
 */
class LinkedSubscriber<T> extends Subscription implements Observer<T> {
  private stopped = false;

  constructor(
    private readonly destination: Subscriber<unknown>,
    private readonly observer: Partial<Observer<T>>,
  ) {
    super();
  }

  next(value: T): void {
    if (this.stopped || this.closed || this.destination.closed) return;
    try {
      this.observer.next?.(value);
    } catch (err) {
      this.destination.error(err);
    }
  }

  error(err: unknown): void {
    if (this.stopped || this.closed) return;
    this.stopped = true;
    try {
      if (this.destination.closed) return;
      if (this.observer.error) this.observer.error(err);
      else this.destination.error(err);
    } catch (thrown) {
      this.destination.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  complete(): void {
    if (this.stopped || this.closed) return;
    this.stopped = true;
    this.unsubscribe();
    if (this.destination.closed) return;
    try {
      this.observer.complete?.();
    } catch (thrown) {
      this.destination.error(thrown);
    }
  }
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
