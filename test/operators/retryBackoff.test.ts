import { defer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors';
import { retryBackoff } from '../../operators';

function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('retryBackoff', () => {
  it("waits the fixed delay before each retry, then lets the error through after maxRetries (on the given scheduler)", () => {
    const testScheduler = newTestScheduler();
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#');
      const result = source.pipe(retryBackoff({ maxRetries: 2, delay: 3 }, testScheduler));
      // attempt 1: 0–2, wait 3, attempt 2: 5–7, wait 3, attempt 3: 10–12, then the error.
      expectObservable(result).toBe('------------#');
      expectSubscriptions(source.subscriptions).toBe(['^-!', '-----^-!', '----------^-!']);
    });
  });

  it('doubles the delay for exponential backoff, capped at maxDelay (default scheduler in run mode)', () => {
    newTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#');
      const result = source.pipe(retryBackoff({ maxRetries: 3, delay: 2, backoff: 'exponential', maxDelay: 5 }));
      // waits 2, 4, then 5 (not 8)
      expectObservable(result).toBe('---------------#');
      expectSubscriptions(source.subscriptions).toBe(['^!', '---^!', '--------^!', '--------------^!']);
    });
  });

  it('mirrors the source once an attempt succeeds', () => {
    newTestScheduler().run(({ cold, expectObservable }) => {
      let attempts = 0;
      const source = defer(() => (attempts++ < 2 ? cold('-#') : cold('-a|')));
      expectObservable(source.pipe(retryBackoff({ maxRetries: 5, delay: 3 }))).toBe('---------a|');
    });
  });

  it('reports each retry to onRetry with the error, the retry number and the delay', () => {
    const calls: Array<[unknown, number, number]> = [];
    newTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-#', undefined, 'boom');
      const result = source.pipe(
        retryBackoff({
          maxRetries: 3,
          delay: 10,
          backoff: 'exponential',
          onRetry: (error, n, delay) => calls.push([error, n, delay]),
        }),
      );
      expectObservable(result).toBe('74ms #', undefined, 'boom'); // 1 + 10 + 1 + 20 + 1 + 40 + 1
    });
    expect(calls).toEqual([
      ['boom', 1, 10],
      ['boom', 2, 20],
      ['boom', 3, 40],
    ]);
  });

  it('lets the first error through with maxRetries: 0', () => {
    newTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#');
      expectObservable(source.pipe(retryBackoff({ maxRetries: 0, delay: 5 }))).toBe('--#');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('resubscribes on the next turn for a 0 ms delay, not synchronously', () => {
    newTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#');
      expectObservable(source.pipe(retryBackoff({ maxRetries: 1 }))).toBe('--#');
      expectSubscriptions(source.subscriptions).toBe(['^!', '-^!']);
    });
  });

  it('cancels the pending wait on unsubscription: no resubscription happens', () => {
    newTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#');
      expectObservable(source.pipe(retryBackoff({ maxRetries: 3, delay: 10 })), '^----!').toBe('------');
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('tears the running attempt down on unsubscription', () => {
    newTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#');
      const slow = cold('-------a|');
      let attempts = 0;
      const result = defer(() => (attempts++ === 0 ? source : slow)).pipe(retryBackoff({ maxRetries: 3, delay: 2 }));
      expectObservable(result, '^-----!').toBe('-------');
      expectSubscriptions(slow.subscriptions).toBe('---^--!');
    });
  });

  it('restarts the count (and the backoff) after a value with resetOnSuccess', () => {
    const delays: number[] = [];
    newTestScheduler().run(({ cold, expectObservable }) => {
      // Every attempt emits once, then fails: with resetOnSuccess each failure is "the first retry".
      const source = cold('a-#');
      const reset = source.pipe(
        retryBackoff({ maxRetries: 1, delay: 1, backoff: 'exponential', resetOnSuccess: true, onRetry: (_e, _n, d) => delays.push(d) }),
      );
      expectObservable(reset, '^------!').toBe('a--a--a');
      expectObservable(source.pipe(retryBackoff({ maxRetries: 1, delay: 1 }))).toBe('a--a-#');
    });
    expect(delays).toEqual([1, 1]);
  });

  describe('validation', () => {
    it.each([
      ['options', undefined, 'retryBackoff: options must be an object, got undefined'],
      ['maxRetries', {}, 'retryBackoff: maxRetries must be a non-negative integer or Infinity, got undefined'],
      ['maxRetries', { maxRetries: -1 }, 'retryBackoff: maxRetries must be a non-negative integer or Infinity, got -1'],
      ['maxRetries', { maxRetries: 1.5 }, 'retryBackoff: maxRetries must be a non-negative integer or Infinity, got 1.5'],
      ['maxRetries', { maxRetries: NaN }, 'retryBackoff: maxRetries must be a non-negative integer or Infinity, got NaN'],
      ['delay', { maxRetries: 1, delay: -5 }, 'retryBackoff: delay must be a finite number ≥ 0, got -5'],
      ['delay', { maxRetries: 1, delay: Infinity }, 'retryBackoff: delay must be a finite number ≥ 0, got Infinity'],
      ['delay', { maxRetries: 1, delay: '5' }, 'retryBackoff: delay must be a finite number ≥ 0, got "5"'],
      ['backoff', { maxRetries: 1, backoff: 'linear' }, `retryBackoff: backoff must be one of 'fixed', 'exponential', got "linear"`],
      ['maxDelay', { maxRetries: 1, maxDelay: NaN }, 'retryBackoff: maxDelay must be a number ≥ 0 (Infinity allowed), got NaN'],
      ['maxDelay', { maxRetries: 1, maxDelay: -1 }, 'retryBackoff: maxDelay must be a number ≥ 0 (Infinity allowed), got -1'],
      ['resetOnSuccess', { maxRetries: 1, resetOnSuccess: 'yes' }, 'retryBackoff: resetOnSuccess must be a boolean, got "yes"'],
    ])('rejects a bad %s (%#)', (field, options, message) => {
      let error: unknown;
      try {
        retryBackoff(options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'INVALID_RETRY', field, message });
    });

    it.each([
      ['onRetry', [{ maxRetries: 1, onRetry: 5 }], 'retryBackoff: onRetry must be a function, got 5'],
      ['scheduler', [{ maxRetries: 1 }, {}], 'retryBackoff: scheduler must be an RxJS SchedulerLike, got an object (Object)'],
    ])('rejects a bad %s with INVALID_OPTION', (field, args, message) => {
      let error: unknown;
      try {
        (retryBackoff as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'INVALID_OPTION', field, message });
    });

    it('accepts Infinity for maxRetries and maxDelay, and does not mutate the options', () => {
      const options = Object.freeze({ maxRetries: Infinity, maxDelay: Infinity, backoff: 'exponential' as const });
      expect(() => retryBackoff(options)).not.toThrow();
      expect(options).toEqual({ maxRetries: Infinity, maxDelay: Infinity, backoff: 'exponential' });
    });
  });
});
