import { Observable, type ObservableInput, type ObservedValueOf, type OperatorFunction } from 'rxjs';
import { InvalidOptionError } from '../src/errors';
import type { OverlapPolicy } from '../src/types';
import {
  fifoRoom,
  latestRoom,
  noRoom,
  priorityMergeInternals,
  type DropReason,
  type WaitingRoom,
} from './internal/priorityMergeInternals';
import { assertFunction, assertOneOf } from './internal/util';

const WHERE = 'overlapMap';
const POLICIES = ['skip', 'buffer-one', 'queue', 'allow'] as const;

/** Options of {@link overlapMap}. */
export interface OverlapMapOptions<T> {
  /**
   * Called with each value let go without being projected: `'skipped'` (policy `'skip'`),
   * `'coalesced'` (policy `'buffer-one'`: the waiting value replaced by a newer one), `'dropped'`
   * (policy `'queue'` beyond `maxPending`). A throw errors the output.
   * @default none
   */
  readonly onDrop?: (value: T, reason: DropReason) => void;
  /**
   * For policy `'queue'`: most values waiting behind the running one; a value beyond it is dropped.
   * A non-negative integer or `Infinity`.
   * @default Infinity
   */
  readonly maxPending?: number;
}

/**
 * Maps each value to an inner Observable under an overlap policy, deciding what happens to a value
 * that arrives while an earlier inner is still running.
 *
 * | policy | like | a value arriving while an inner runs |
 * |---|---|---|
 * | `'skip'` | `exhaustMap` | is dropped (`onDrop(value, 'skipped')`) |
 * | `'buffer-one'` | — | waits; at most one waits, a newer value replaces it (`onDrop(older, 'coalesced')`) |
 * | `'queue'` | `concatMap` | waits its turn, FIFO (up to `maxPending`, then `onDrop(value, 'dropped')`) |
 * | `'allow'` | `mergeMap` | starts at once; inners overlap |
 *
 * Values that can start do so synchronously within their emission. `project` receives the value's
 * arrival index (counting dropped values too). Completes when the source has completed, the running
 * inner has completed and nothing waits; errors propagate at once; unsubscribing tears down all.
 *
 * @throws {InvalidOptionError} `INVALID_OVERLAP` for an unknown policy, `INVALID_OPTION` for a
 *   `project`/`onDrop` that is not a function or a bad `maxPending`.
 *
 * @example
 * ```ts
 * import { interval, timer } from 'rxjs';
 * import { overlapMap } from 'rx-background-tasks/operators';
 *
 * // A tick every second, a job that takes 2.5 s: keep at most one tick waiting.
 * interval(1000)
 *   .pipe(overlapMap((tick) => timer(2500), 'buffer-one', { onDrop: (tick, why) => console.log(why, tick) }))
 *   .subscribe();
 * ```
 *
 * @see https://rxjs.dev/api/operators/exhaustMap, https://rxjs.dev/api/operators/concatMap,
 *   https://rxjs.dev/api/operators/mergeMap
 * @see {@link priorityMergeMap}, built on the same merge loop.
 */
export function overlapMap<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  policy: OverlapPolicy,
  options: OverlapMapOptions<T> = {},
): OperatorFunction<T, ObservedValueOf<O>> {
  assertFunction(WHERE, 'project', project);
  assertOneOf(WHERE, 'policy', policy, POLICIES, 'INVALID_OVERLAP');
  const { onDrop, maxPending = Infinity } = options;
  if (onDrop !== undefined) assertFunction(WHERE, 'onDrop', onDrop);
  if (typeof maxPending !== 'number' || !(Number.isInteger(maxPending) || maxPending === Infinity) || maxPending < 0) {
    throw new InvalidOptionError('INVALID_OPTION', WHERE, 'maxPending', 'must be a non-negative integer or Infinity', maxPending);
  }
  const concurrency = policy === 'allow' ? Infinity : 1;
  const makeRoom = (): WaitingRoom<T> => {
    switch (policy) {
      case 'skip':
        return noRoom(onDrop);
      case 'buffer-one':
        return latestRoom(onDrop);
      default:
        return fifoRoom(maxPending, onDrop);
    }
  };
  return (source) =>
    new Observable<ObservedValueOf<O>>((subscriber) => {
      priorityMergeInternals(
        source,
        subscriber,
        project as (value: T, index: number) => ObservableInput<ObservedValueOf<O>>,
        concurrency,
        makeRoom(),
      );
    });
}
