import { Observable, type ObservableInput, type ObservedValueOf, type OperatorFunction } from 'rxjs';
import { priorityMergeInternals, priorityRoom } from './internal/priorityMergeInternals';
import { assertFunction, assertPositiveInteger } from './internal/util';

const WHERE = 'priorityMergeMap';

/**
 * `mergeMap(project, concurrency)` that, when every slot is busy, starts the waiting value with the
 * lowest `priorityOf(value, index)` first, and among equal priorities the earliest arrival (FIFO).
 *
 * - A value that finds a free slot starts at once, synchronously within its emission, and
 *   `priorityOf` is not called for it; otherwise `priorityOf` is called once, on arrival, and the
 *   value waits in a binary heap (O(log n) per value, no `Array#shift`).
 * - No slot stays idle while a value waits, and never more than `concurrency` inners run at once.
 * - `project` and `priorityOf` receive the value's arrival index (0 for the first source value).
 * - Completes when the source has completed, every inner has completed and nothing waits. An error
 *   of the source, of an inner, or thrown by `project` or `priorityOf` (or a `NaN` priority) errors
 *   the output at once and drops what waits. Unsubscribing tears down the source and every inner.
 *
 * @param project Maps a value (and its arrival index) to the inner ObservableInput to merge.
 * @param concurrency Most inner subscriptions at once: a positive integer.
 * @param priorityOf Lower number = started sooner. `±Infinity` is allowed, `NaN` is an error.
 * @throws {InvalidOptionError} `INVALID_OPTION` when `project` or `priorityOf` is not a function or
 *   `concurrency` is not a positive integer, e.g. `priorityMergeMap: concurrency must be a positive integer, got 0`.
 *
 * @example
 * ```ts
 * import { Subject, timer, map } from 'rxjs';
 * import { priorityMergeMap } from 'rx-background-tasks/operators';
 *
 * interface Job { name: string; priority: number; ms: number }
 * const jobs$ = new Subject<Job>();
 * jobs$
 *   .pipe(priorityMergeMap((job) => timer(job.ms).pipe(map(() => job.name)), 2, (job) => job.priority))
 *   .subscribe((name) => console.log('done', name));
 * jobs$.next({ name: 'report', priority: 5, ms: 100 });
 * ```
 *
 * @see https://rxjs.dev/api/operators/mergeMap — the same operator without priorities.
 * @see {@link overlapMap} for per-source overlap policies built on the same merge loop.
 */
export function priorityMergeMap<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  concurrency: number,
  priorityOf: (value: T, index: number) => number,
): OperatorFunction<T, ObservedValueOf<O>> {
  assertFunction(WHERE, 'project', project);
  assertPositiveInteger(WHERE, 'concurrency', concurrency);
  assertFunction(WHERE, 'priorityOf', priorityOf);
  return (source) =>
    new Observable<ObservedValueOf<O>>((subscriber) => {
      priorityMergeInternals(
        source,
        subscriber,
        project as (value: T, index: number) => ObservableInput<ObservedValueOf<O>>,
        concurrency,
        priorityRoom(WHERE, priorityOf),
      );
    });
}
