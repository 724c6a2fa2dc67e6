// Shared helpers for the scheduler test suite (not a test file itself).
import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { Scheduler, SchedulerEvent, SchedulerEventType } from '../../src/index';

/** A TestScheduler whose assertions go through vitest. */
export function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/**
 * Safety net for run mode: TestScheduler.run() flushes until no action is left, so a periodic
 * trigger that an implementation failed to disarm would loop forever. Beyond `frames` the test
 * scheduler stops executing actions and the test fails on its assertions instead of hanging.
 */
export function guard(ts: TestScheduler, frames: number): void {
  ts.maxFrames = frames;
}

/** Runs `fn` at absolute virtual frame `frame` (must not be in the past). */
export function atFrame(ts: TestScheduler, frame: number, fn: () => void): void {
  const delay = frame - ts.now();
  if (delay < 0) throw new Error(`atFrame(${frame}) is in the past (now ${ts.now()})`);
  ts.schedule(() => fn(), delay);
}

/**
 * An Observable run that takes `ms` on the test scheduler's clock. `onEnd` is called just before
 * completion is delivered to the scheduler, so a log of ends precedes the next start that the
 * completion may trigger synchronously.
 */
export function work(ts: TestScheduler, ms: number, onEnd?: () => void): Observable<void> {
  return new Observable<void>((subscriber) => {
    const sub = ts.schedule(() => {
      onEnd?.();
      subscriber.complete();
    }, ms);
    return () => sub.unsubscribe();
  });
}

/** An Observable run that fails after `ms` on the test scheduler's clock. */
export function failAfter(ts: TestScheduler, ms: number, error: unknown, onEnd?: () => void): Observable<never> {
  return new Observable<never>((subscriber) => {
    const sub = ts.schedule(() => {
      onEnd?.();
      subscriber.error(error);
    }, ms);
    return () => sub.unsubscribe();
  });
}

/** Every event the scheduler emits, in order. Subscribe before acting. */
export function recordEvents(s: Scheduler): SchedulerEvent[] {
  const out: SchedulerEvent[] = [];
  s.events$.subscribe((e) => out.push(e));
  return out;
}

/** The event types the SPEC lists (an implementation may emit more; sequences are compared on these). */
export const SPEC_EVENT_TYPES: ReadonlySet<SchedulerEventType> = new Set<SchedulerEventType>([
  'run-started',
  'run-succeeded',
  'run-failed',
  'retry-scheduled',
  'skipped',
  'coalesced',
  'dropped',
  'task-added',
  'task-removed',
  'started',
  'paused',
  'resumed',
  'stopped',
]);

/** Events of one type (and optionally one task), as [frame, payload] pairs. */
export function eventsOf(events: SchedulerEvent[], type: SchedulerEventType, taskId?: string): SchedulerEvent[] {
  return events.filter((e) => e.type === type && (taskId === undefined || e.taskId === taskId));
}

/** Whether a promise has settled, checked after the current macrotask (real timers only). */
export async function promiseState(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));
  return state;
}
