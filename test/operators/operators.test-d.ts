import { of, type Observable, type OperatorFunction } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import { longTimer, overlapMap, pausable, priorityMergeMap, retryBackoff, type DropReason } from '../../operators';

interface Job {
  readonly name: string;
  readonly priority: number;
}

describe('operator types', () => {
  it('priorityMergeMap infers the inner value type and passes typed values to priorityOf', () => {
    const op = priorityMergeMap((job: Job) => of(job.name.length), 2, (job) => {
      expectTypeOf(job).toEqualTypeOf<Job>();
      return job.priority;
    });
    expectTypeOf(op).toEqualTypeOf<OperatorFunction<Job, number>>();
    expectTypeOf(of<Job>().pipe(priorityMergeMap((j) => Promise.resolve(j.name), 1, (j) => j.priority))).toEqualTypeOf<Observable<string>>();
  });

  it('overlapMap infers the inner value type; onDrop gets the source value and a DropReason', () => {
    const out = of(1, 2).pipe(
      overlapMap((n) => of(String(n)), 'buffer-one', {
        onDrop: (value, reason) => {
          expectTypeOf(value).toEqualTypeOf<number>();
          expectTypeOf(reason).toEqualTypeOf<DropReason>();
        },
      }),
    );
    expectTypeOf(out).toEqualTypeOf<Observable<string>>();
    // @ts-expect-error not an overlap policy
    overlapMap((n: number) => of(n), 'sometimes');
  });

  it('pausable and retryBackoff keep the source type', () => {
    expectTypeOf(of('a').pipe(pausable(of(false)))).toEqualTypeOf<Observable<string>>();
    expectTypeOf(of('a').pipe(retryBackoff({ maxRetries: 1 }))).toEqualTypeOf<Observable<string>>();
    // @ts-expect-error paused$ must carry booleans
    pausable(of('yes'));
    // @ts-expect-error maxRetries is required
    retryBackoff({ delay: 5 });
  });

  it('longTimer emits 0 like timer', () => {
    expectTypeOf(longTimer(5)).toEqualTypeOf<Observable<0>>();
    expectTypeOf(longTimer(new Date())).toEqualTypeOf<Observable<0>>();
  });
});
