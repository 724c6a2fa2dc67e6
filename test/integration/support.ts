// Shared helpers of the integration tests (not a test file itself).
import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { ResourceSample, ResourceSampler, Scheduler, SchedulerEvent, SchedulerEventType } from '../../src/index';

// The virtual-time basics are the scheduler suite's; this file adds what the integration tests need.
export { atFrame, guard, newTestScheduler } from '../scheduler/helpers';

/** An Observable run that takes `ms` on the test scheduler's clock, then completes. */
export function work(ts: TestScheduler, ms: number): Observable<void> {
  return new Observable<void>((subscriber) => {
    const sub = ts.schedule(() => subscriber.complete(), ms);
    return () => sub.unsubscribe();
  });
}

/** An Observable run that fails with `error` after `ms` on the test scheduler's clock. */
export function failAfter(ts: TestScheduler, ms: number, error: unknown): Observable<never> {
  return new Observable<never>((subscriber) => {
    const sub = ts.schedule(() => subscriber.error(error), ms);
    return () => sub.unsubscribe();
  });
}

/** Every event the scheduler emits, in order. Subscribe before acting. */
export function recordEvents(s: Scheduler): SchedulerEvent[] {
  const out: SchedulerEvent[] = [];
  s.events$.subscribe((e) => out.push(e));
  return out;
}

/** Events of one type (and optionally one task). */
export function eventsOf(events: ReadonlyArray<SchedulerEvent>, type: SchedulerEventType, taskId?: string): SchedulerEvent[] {
  return events.filter((e) => e.type === type && (taskId === undefined || e.taskId === taskId));
}

/** A quiet process: what {@link FakeSampler} reports unless told otherwise. */
export const CALM: ResourceSample = Object.freeze({
  eventLoopDelayMs: 2,
  eventLoopUtilization: 0.1,
  heapUsedBytes: 40_000_000,
  rssBytes: 90_000_000,
});

/**
 * A resource sampler whose readings the test sets. Every `sample()` is logged with the time
 * `now()` gives (the test scheduler's clock), so tests can check how often usage is read.
 */
export class FakeSampler implements ResourceSampler {
  current: ResourceSample = CALM;
  readonly reads: number[] = [];

  constructor(private readonly now: () => number = () => Number.NaN) {}

  /** Changes some readings from now on (the rest stay as they are). */
  set(patch: Partial<ResourceSample>): void {
    this.current = { ...this.current, ...patch };
  }

  sample(): ResourceSample {
    this.reads.push(this.now());
    return this.current;
  }
}

/** Resolves on the first event of `type` (optionally of one task) on `s.events$`, or rejects after `ms`. */
export function nextEvent(s: Scheduler, type: SchedulerEventType, ms: number, taskId?: string): Promise<SchedulerEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`no '${type}' event within ${ms} ms`));
    }, ms);
    const sub = s.events$.subscribe((e) => {
      if (e.type === type && (taskId === undefined || e.taskId === taskId)) {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(e);
      }
    });
  });
}
