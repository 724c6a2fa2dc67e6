import fc from 'fast-check';
import { Observable, Subject, mergeMap, of, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { priorityMergeMap } from '../../operators';

interface Job {
  /** Frame at which the job arrives. */
  readonly at: number;
  readonly priority: number;
  /** Frames the inner runs; 0 = completes synchronously on subscription. */
  readonly duration: number;
}

interface Arrived {
  readonly job: Job;
  /** Arrival order, the FIFO tie-break. */
  readonly seq: number;
}

const comesBefore = (x: Arrived, y: Arrived): boolean =>
  x.job.priority < y.job.priority || (x.job.priority === y.job.priority && x.seq < y.seq);

/**
 * Drives `merge` (by default `priorityMergeMap`) with a workload in virtual time and checks, after
 * every arrival and every asynchronous completion (the points where the operator has settled):
 * - never more than `concurrency` inners active;
 * - no idle slot while something waits;
 * - every start takes the waiting job that comes first by (priority, arrival order);
 * and at the end: every job started and finished, every result delivered, the output completed.
 */
type MergeUnderTest = (
  project: (a: Arrived) => Observable<number>,
  concurrency: number,
  priorityOf: (a: Arrived) => number,
) => OperatorFunction<Arrived, number>;

function checkWorkload(concurrency: number, jobs: readonly Job[], merge: MergeUnderTest = priorityMergeMap): void {
  const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  testScheduler.run(({ flush }) => {
    const source = new Subject<Arrived>();
    const waiting = new Set<Arrived>();
    let active = 0;
    let maxActive = 0;
    let finished = 0;
    let seq = 0;
    const results: number[] = [];
    let completed = false;

    // Violations are collected, not thrown: a throw inside `project` would be caught by RxJS and
    // turned into an error of the output, hiding which rule broke.
    const violations: string[] = [];
    let outputError: unknown;
    const settled = (when: string): void => {
      if (active > concurrency) violations.push(`${active} active > concurrency ${concurrency} ${when}`);
      if (waiting.size > 0 && active < concurrency) violations.push(`idle slot while ${waiting.size} wait ${when}`);
    };

    const project = (arrived: Arrived): Observable<number> => {
      // The job started must be the first of everything still waiting (itself included).
      for (const other of waiting) {
        if (other !== arrived && comesBefore(other, arrived)) {
          violations.push(`start order at ${testScheduler.now()}: #${arrived.seq} started before #${other.seq}`);
        }
      }
      if (!waiting.has(arrived)) violations.push(`#${arrived.seq} started twice or without arriving`);
      waiting.delete(arrived);
      active++;
      maxActive = Math.max(maxActive, active);
      const end = (): void => {
        active--;
        finished++;
      };
      if (arrived.job.duration === 0) {
        end();
        return of(arrived.seq);
      }
      return new Observable<number>((subscriber) => {
        const action = testScheduler.schedule(() => {
          end();
          subscriber.next(arrived.seq);
          subscriber.complete(); // the operator drains synchronously in here
          settled(`after a completion at ${testScheduler.now()}`);
        }, arrived.job.duration);
        return () => action.unsubscribe();
      });
    };

    source.pipe(merge(project, concurrency, (a) => a.job.priority)).subscribe({
      next: (v) => results.push(v),
      error: (err) => (outputError = err),
      complete: () => (completed = true),
    });

    for (const job of jobs) {
      testScheduler.schedule(() => {
        const arrived = { job, seq: seq++ };
        waiting.add(arrived);
        source.next(arrived); // starts within this call if a slot is free
        settled(`after an arrival at ${testScheduler.now()}`);
      }, job.at);
    }
    const lastArrival = Math.max(0, ...jobs.map((j) => j.at));
    testScheduler.schedule(() => source.complete(), lastArrival);
    flush();

    expect(violations.join('\n')).toBe('');
    expect(outputError).toBeUndefined();
    expect(waiting.size).toBe(0);
    expect(active).toBe(0);
    expect(finished).toBe(jobs.length);
    expect(maxActive).toBeLessThanOrEqual(concurrency);
    expect([...results].sort((x, y) => x - y)).toEqual(jobs.map((_, i) => i));
    expect(completed).toBe(true);
  });
}

const jobArb = fc.record({
  at: fc.integer({ min: 0, max: 30 }),
  priority: fc.integer({ min: -2, max: 3 }),
  duration: fc.integer({ min: 0, max: 10 }),
});

describe('priorityMergeMap (property)', () => {
  it('never exceeds concurrency, leaves no slot idle while work waits, and starts by priority then FIFO', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(jobArb, { maxLength: 40 }), (concurrency, jobs) => {
        checkWorkload(concurrency, jobs);
      }),
      { numRuns: 300 },
    );
  });

  it('the checker fails a merge that ignores priorities (so the property can fail)', () => {
    // One slot busy until 5, then 'low' (priority 5) arrives before 'high' (priority 0).
    const jobs: Job[] = [
      { at: 0, priority: 0, duration: 5 },
      { at: 1, priority: 5, duration: 1 },
      { at: 2, priority: 0, duration: 1 },
    ];
    expect(() => checkWorkload(1, jobs)).not.toThrow();
    const fifoMerge: MergeUnderTest = (project, concurrency) => mergeMap(project, concurrency);
    expect(() => checkWorkload(1, jobs, fifoMerge)).toThrow(/start order at 5: #1 started before #2/);
  });
});
