/**
 * How to test your own schedule with marble diagrams. Pass the TestScheduler as the Scheduler's
 * clock (`scheduler: testScheduler`) and everything — periodic and cron ticks, one-time triggers,
 * retry delays, timeouts — runs in virtual time inside `testScheduler.run()`: one frame is 1 ms,
 * a test of an hour-long schedule takes milliseconds.
 *
 * Two rules:
 * - Stop the scheduler inside `run()` (e.g. `testScheduler.schedule(() => s.stop(), 100)`): run
 *   mode flushes until no timer is left, and a periodic trigger always has a next tick.
 * - A `run` that returns synchronously, or an Observable on the test clock (`cold('---|')` lasts
 *   3 frames), completes in the same virtual frame. A Promise resolves outside virtual time, so
 *   tasks you test this way return values or Observables (or use vitest's fake timers instead).
 *
 *   npx vitest run examples/marble.test.ts
 */
import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { filter, map } from 'rxjs';
import { Scheduler, eventTrigger, oneTimeTrigger, periodicTrigger } from '../src/index';

const newTestScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('testing a schedule with marbles', () => {
  it('runs the heartbeat every 10 ms and each message at its frame', () => {
    const testScheduler = newTestScheduler();
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const s = new Scheduler({ scheduler: testScheduler });
      const messages = hot<string>('15ms a 9ms b'); // a at frame 15, b at frame 25
      s.addTask({ name: 'heartbeat', id: 'h', triggers: [periodicTrigger({ interval: 10 })], run: () => undefined });
      s.addTask({ name: 'receiveMessages', id: 'm', triggers: [eventTrigger(messages)], run: () => undefined });

      const started$ = s.events$.pipe(
        filter((e) => e.type === 'run-started'),
        map((e) => e.taskId),
      );
      s.start();
      testScheduler.schedule(() => void s.stop(), 35);

      // In time-progression syntax each letter takes one frame: h@10, m@15, h@20, m@25, h@30.
      expectObservable(started$).toBe('10ms h 4ms m 4ms h 4ms m 4ms h');
      // stop() at frame 35 unsubscribes the message source: no leaked subscription.
      expectSubscriptions(messages.subscriptions).toBe('^ 34ms !');
    });
  });

  it('starts waiting runs by priority (lower number first), then in fire order', () => {
    const testScheduler = newTestScheduler();
    testScheduler.run(({ cold, flush }) => {
      const s = new Scheduler({ scheduler: testScheduler, maxRunningTasks: 1 });
      const starts: string[] = [];
      // Each run lasts 5 frames: an Observable on the test clock.
      const task = (id: string, priority: number, after: number) =>
        s.addTask({
          name: id, id, priority,
          triggers: [oneTimeTrigger({ after })],
          run: () => {
            starts.push(`${id}@${testScheduler.now()}`);
            return cold('-----|');
          },
        });
      task('report', 5, 0); // takes the only slot at frame 0
      task('cleanup', 9, 1); // these three wait for the slot…
      task('alert', 1, 2);
      task('heartbeat', 1, 3); // …same priority as alert, fired later
      s.start();
      flush();

      expect(starts).toEqual(['report@0', 'alert@5', 'heartbeat@10', 'cleanup@15']);
    });
  });

  it('retries with exponential backoff at the expected frames', () => {
    const testScheduler = newTestScheduler();
    testScheduler.run(({ flush }) => {
      const s = new Scheduler({ scheduler: testScheduler });
      const task = s.addTask({
        name: 'flaky',
        triggers: [oneTimeTrigger({ after: 100 })],
        retry: { maxRetries: 3, delay: 10, backoff: 'exponential' },
        run: (_args, ctx) => {
          if (ctx.attempt < 4) throw new Error(`attempt ${ctx.attempt} failed`);
          return 'done';
        },
      });
      s.start();
      flush();

      // 100, then +10, +20, +40: the n-th retry waits 10 × 2^(n−1) frames.
      expect(task.history.map((x) => [x.attempt, x.startedAt, x.status])).toEqual([
        [1, 100, 'failed'],
        [2, 110, 'failed'],
        [3, 130, 'failed'],
        [4, 170, 'succeeded'],
      ]);
      expect(s.getTask(task.id)).toBeUndefined(); // one-time-only tasks remove themselves
    });
  });

  it('times an attempt out, aborting ctx.signal', () => {
    const testScheduler = newTestScheduler();
    testScheduler.run(({ cold, flush }) => {
      const s = new Scheduler({ scheduler: testScheduler });
      let abortedAt: number | undefined;
      const task = s.addTask({
        name: 'slow',
        triggers: [oneTimeTrigger({ after: 5 })],
        timeout: 20,
        run: (_args, ctx) => {
          ctx.signal.addEventListener('abort', () => (abortedAt = testScheduler.now()));
          return cold('50ms |'); // would take 50 frames
        },
      });
      s.start();
      flush();

      expect(abortedAt).toBe(25);
      expect(task.history.map((x) => x.status)).toEqual(['timed-out']);
    });
  });

  it('holds runs while paused and catches up on resume (overlap: skip)', () => {
    const testScheduler = newTestScheduler();
    testScheduler.run(({ expectObservable }) => {
      const s = new Scheduler({ scheduler: testScheduler });
      s.addTask({ name: 'tick', id: 't', triggers: [periodicTrigger({ interval: 10 })], run: () => undefined });
      const events$ = s.events$.pipe(
        filter((e) => e.type === 'run-started' || e.type === 'skipped'),
        map((e) => (e.type === 'run-started' ? 'r' : 's')),
      );
      s.start();
      testScheduler.schedule(() => s.pause(), 15);
      testScheduler.schedule(() => s.resume(), 45);
      testScheduler.schedule(() => void s.stop(), 55);

      // Ticks at 20, 30, 40 arrive while paused: the first waits, the next two are skipped (the
      // default overlap for time triggers); resume at 45 starts the waiting one; 50 runs normally.
      expectObservable(events$).toBe('10ms r 19ms s 9ms s 4ms r 4ms r');
    });
  });
});
