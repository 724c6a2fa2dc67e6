import { asyncScheduler, retry, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { InvalidOptionError } from '../src/errors';
import { retryDelay } from '../src/internal/backoff';
import type { RetryOptions } from '../src/types';
import { longTimer } from './longTimer';
import { assertFunction, assertOneOf } from './internal/util';

const WHERE = 'retryBackoff';

/** Options of {@link retryBackoff}: the task's {@link RetryOptions} plus two operator-only hooks. */
export interface RetryBackoffOptions extends RetryOptions {
  /**
   * Restart the retry count (and the backoff) once a resubscribed source emits a value, as in
   * RxJS `retry({ resetOnSuccess })`.
   * @default false
   */
  readonly resetOnSuccess?: boolean;
  /**
   * Called when a retry is scheduled, before its wait: the error, the retry number n (1 for the
   * first retry) and the delay in ms. A throw errors the output with what it threw.
   * @default none
   */
  readonly onRetry?: (error: unknown, retry: number, delay: number) => void;
}

/**
 * Resubscribes to the source after an error, waiting `delay` ms (`'fixed'`) or
 * `delay × 2^(n−1)` ms capped at `maxDelay` (`'exponential'`) before the n-th retry; after
 * `maxRetries` retries the error propagates.
 *
 * Built on RxJS `retry({ count, delay })`; the waits are {@link longTimer}s on `scheduler`, so they
 * run in virtual time under a TestScheduler and stay correct above 2^31−1 ms. A wait of 0 ms still
 * resubscribes on the scheduler's next turn, not synchronously. Unsubscribing during a wait cancels it.
 *
 * @param options `maxRetries` (a non-negative integer or `Infinity`), `delay` (finite ms ≥ 0,
 *   default 0), `backoff` (`'fixed'` | `'exponential'`, default `'fixed'`), `maxDelay` (ms ≥ 0,
 *   default `Infinity`).
 * @param scheduler The clock the waits run on (default `asyncScheduler`).
 * @throws {InvalidOptionError} `INVALID_RETRY` naming the bad field, e.g.
 *   `retryBackoff: maxRetries must be a non-negative integer or Infinity, got -1`.
 *
 * @example
 * ```ts
 * import { defer } from 'rxjs';
 * import { retryBackoff } from 'rx-background-tasks/operators';
 *
 * declare function fetchStatus(): Promise<string>;
 * // Waits 200, 400, 800 ms before the three retries.
 * defer(() => fetchStatus())
 *   .pipe(retryBackoff({ maxRetries: 3, delay: 200, backoff: 'exponential', maxDelay: 10_000 }))
 *   .subscribe({ next: console.log, error: (err) => console.error('gave up', err) });
 * ```
 *
 * @see https://rxjs.dev/api/operators/retry
 * @see {@link longTimer}
 */
export function retryBackoff<T>(options: RetryBackoffOptions, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  const policy = normalizeRetryBackoff(options);
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new InvalidOptionError('INVALID_OPTION', WHERE, 'scheduler', 'must be an RxJS SchedulerLike', scheduler);
  }
  return retry<T>({
    count: policy.maxRetries,
    resetOnSuccess: policy.resetOnSuccess,
    delay: (error: unknown, n: number) => {
      const ms = retryDelay(policy, n);
      policy.onRetry?.(error, n, ms);
      return longTimer(ms, scheduler);
    },
  });
}

/** Validates the options and returns a new object with every default filled in. */
function normalizeRetryBackoff(options: RetryBackoffOptions): Required<Omit<RetryBackoffOptions, 'onRetry'>> & Pick<RetryBackoffOptions, 'onRetry'> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('INVALID_RETRY', WHERE, 'options', 'must be an object', options);
  }
  const { maxRetries, delay = 0, backoff = 'fixed', maxDelay = Infinity, resetOnSuccess = false, onRetry } = options;
  if (typeof maxRetries !== 'number' || !(Number.isInteger(maxRetries) || maxRetries === Infinity) || maxRetries < 0) {
    throw new InvalidOptionError('INVALID_RETRY', WHERE, 'maxRetries', 'must be a non-negative integer or Infinity', maxRetries);
  }
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
    throw new InvalidOptionError('INVALID_RETRY', WHERE, 'delay', 'must be a finite number ≥ 0', delay);
  }
  assertOneOf(WHERE, 'backoff', backoff, ['fixed', 'exponential'] as const, 'INVALID_RETRY');
  if (typeof maxDelay !== 'number' || Number.isNaN(maxDelay) || maxDelay < 0) {
    throw new InvalidOptionError('INVALID_RETRY', WHERE, 'maxDelay', 'must be a number ≥ 0 (Infinity allowed)', maxDelay);
  }
  if (typeof resetOnSuccess !== 'boolean') {
    throw new InvalidOptionError('INVALID_RETRY', WHERE, 'resetOnSuccess', 'must be a boolean', resetOnSuccess);
  }
  if (onRetry !== undefined) assertFunction(WHERE, 'onRetry', onRetry);
  return { maxRetries, delay, backoff, maxDelay, resetOnSuccess, onRetry };
}
