// Frame-by-frame behaviour of the scheduler in virtual time (SPEC: "Time", "Semantics").
// Every run here is synchronous or an Observable on the test scheduler's clock, so it completes in
// the same virtual frame it is due: the SPEC promises "no hidden Promise hop".
import { describe, expect, it } from 'vitest';
import { NEVER, Observable, Subject, interval, map } from 'rxjs';
import { Scheduler, eventTrigger, oneTimeTrigger, periodicTrigger } from '../../src/index';
import type { Fire, SchedulerEvent, Trigger } from '../../src/index';
import {
  SPEC_EVENT_TYPES,
  atFrame,
  eventsOf,
  failAfter,
  guard,
  newTestScheduler,
  promiseState,
  recordEvents,
  work,
} from './helpers';

const at = (events: SchedulerEvent[]) => events.map((e) => e.at);

describe('periodic interval trigger', () => {
  it('ticks first one interval after start, then every interval', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    const firedAt: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({
        name: 'tick',
        triggers: [periodicTrigger({ interval: 100 })],
        run: (_args, ctx) => {
          starts.push(ts.now());
          firedAt.push(ctx.firedAt);
        },
      });
      atFrame(ts, 30, () => s.start());
      atFrame(ts, 480, () => void s.stop());
    });
    expect(starts).toEqual([130, 230, 330, 430]);
    expect(firedAt).toEqual([130, 230, 330, 430]);
  });

  it('does not drift when runs take time (ticks measured from the schedule, not the run end)', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    const ends: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({
        name: 'slowish',
        triggers: [periodicTrigger({ interval: 100 })],
        run: () => {
          starts.push(ts.now());
          return work(ts, 30, () => ends.push(ts.now()));
        },
      });
      s.start();
      atFrame(ts, 450, () => void s.stop());
    });
    expect(starts).toEqual([100, 200, 300, 400]);
    expect(ends).toEqual([130, 230, 330, 430]);
  });

  it("a run longer than the interval: default 'skip' drops and reports the ticks it overlaps; later ticks stay on schedule", () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let events: SchedulerEvent[] = [];
    let id = '';
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      id = s.addTask({
        name: 'long',
        triggers: [periodicTrigger({ interval: 100 })],
        run: () => {
          starts.push(ts.now());
          return work(ts, 150);
        },
      }).id;
      s.start();
      atFrame(ts, 520, () => void s.stop());
    });
    expect(starts).toEqual([100, 300, 500]);
    expect(at(eventsOf(events, 'skipped', id))).toEqual([200, 400]);
  });
});

describe('periodic cron trigger', () => {
  it("'*/5 * * * * *' fires at 5000, 10000, 15000 from epoch 0", () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    const firedAt: number[] = [];
    ts.run(() => {
      guard(ts, 100_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({
        name: 'cron',
        triggers: [periodicTrigger({ cron: '*/5 * * * * *' })],
        run: (_a, ctx) => {
          starts.push(ts.now());
          firedAt.push(ctx.firedAt);
        },
      });
      s.start();
      atFrame(ts, 17_000, () => void s.stop());
    });
    expect(starts).toEqual([5_000, 10_000, 15_000]);
    expect(firedAt).toEqual([5_000, 10_000, 15_000]);
  });

  it('cron started mid-period fires at the next occurrence, not one period after start', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    ts.run(() => {
      guard(ts, 100_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'cron', triggers: [periodicTrigger({ cron: '*/5 * * * * *', tz: 'UTC' })], run: () => void starts.push(ts.now()) });
      atFrame(ts, 3_000, () => s.start());
      atFrame(ts, 11_000, () => void s.stop());
    });
    expect(starts).toEqual([5_000, 10_000]);
  });
});

describe('one-time trigger', () => {
  it('after: fires once after the delay; the one-time-only task is removed once its run has ended', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let events: SchedulerEvent[] = [];
    let id = '';
    let duringRun: unknown = 'unset';
    let afterRun: unknown = 'unset';
    let tasksAfter: unknown[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      id = s.addTask({
        name: 'once',
        triggers: [oneTimeTrigger({ after: 250 })],
        run: () => {
          starts.push(ts.now());
          return work(ts, 40);
        },
      }).id;
      s.start();
      atFrame(ts, 270, () => (duringRun = s.getTask(id)));
      atFrame(ts, 300, () => {
        afterRun = s.getTask(id);
        tasksAfter = s.tasks();
      });
      atFrame(ts, 1_000, () => void s.stop());
    });
    expect(starts).toEqual([250]);
    expect(duringRun).toBeDefined();
    expect(afterRun).toBeUndefined();
    expect(tasksAfter).toEqual([]);
    const removed = eventsOf(events, 'task-removed', id);
    expect(at(removed)).toEqual([290]);
  });

  it('at in the past fires at once when armed; at in the future fires at that instant', () => {
    const ts = newTestScheduler();
    const runs: Array<[string, number]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      s.addTask({ name: 'past', triggers: [oneTimeTrigger({ at: new Date(10) })], run: () => void runs.push(['past', ts.now()]) });
      s.addTask({ name: 'future', triggers: [oneTimeTrigger({ at: new Date(300) })], run: () => void runs.push(['future', ts.now()]) });
      atFrame(ts, 50, () => s.start());
      atFrame(ts, 1_000, () => void s.stop());
    });
    expect(runs).toEqual([
      ['past', 50],
      ['future', 300],
    ]);
  });

  it('a wait longer than 2^31−1 ms fires exactly on time in virtual time', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    const due = 2 ** 31 + 1_000;
    ts.run(() => {
      guard(ts, 2 ** 33);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'far', triggers: [oneTimeTrigger({ after: due })], run: () => void starts.push(ts.now()) });
      s.start();
      atFrame(ts, due + 10, () => void s.stop());
    });
    expect(starts).toEqual([due]);
  });
});

describe('event trigger', () => {
  it('each value reaches run as ctx.event at its frame; the source is unsubscribed on stop', () => {
    const ts = newTestScheduler();
    const seen: Array<[number, unknown, number]> = [];
    ts.run(({ hot, expectSubscriptions }) => {
      guard(ts, 10_000);
      const source = hot('--a---b--c------d', { a: 'A', b: 'B', c: 'C', d: 'D' });
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({
        name: 'listener',
        triggers: [eventTrigger(source)],
        run: (_a, ctx) => void seen.push([ts.now(), ctx.event, ctx.firedAt]),
      });
      s.start();
      atFrame(ts, 12, () => void s.stop());
      expectSubscriptions(source.subscriptions).toBe('^ 11ms !');
    });
    expect(seen).toEqual([
      [2, 'A', 2],
      [6, 'B', 6],
      [9, 'C', 9],
    ]);
  });

  it('the source is subscribed by start(), not by addTask()', () => {
    const ts = newTestScheduler();
    ts.run(({ hot, expectSubscriptions }) => {
      guard(ts, 10_000);
      const source = hot('-a-b-c-d');
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'late', triggers: [eventTrigger(source)], run: () => undefined });
      atFrame(ts, 4, () => s.start());
      atFrame(ts, 6, () => void s.stop());
      expectSubscriptions(source.subscriptions).toBe('4ms ^ 1ms !');
    });
  });
});

describe('priority and concurrency', () => {
  it('under saturation, fires waiting in the same frame start by priority, then FIFO', () => {
    const ts = newTestScheduler();
    const order: Array<[string, number]> = [];
    let pendingAt6 = -1;
    let runningAt6 = -1;
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const task = (name: string, priority: number, marbles: string) =>
        s.addTask({
          name,
          priority,
          triggers: [eventTrigger(hot(marbles))],
          run: () => {
            order.push([name, ts.now()]);
            return work(ts, 10);
          },
        });
      task('blocker', 9, 'x'); // fires at 0 into a free slot: starts at once whatever its priority
      task('p3', 3, '-----x');
      task('p1a', 1, '-----x');
      task('p2', 2, '-----x');
      task('p1b', 1, '-----x');
      s.start();
      atFrame(ts, 6, () => {
        pendingAt6 = s.pendingCount;
        runningAt6 = s.runningCount;
      });
      atFrame(ts, 100, () => void s.stop());
    });
    expect(order).toEqual([
      ['blocker', 0],
      ['p1a', 10],
      ['p1b', 20],
      ['p2', 30],
      ['p3', 40],
    ]);
    expect(runningAt6).toBe(1);
    expect(pendingAt6).toBe(4);
  });

  it('fires waiting from different frames: priority first, then earliest fire', () => {
    const ts = newTestScheduler();
    const order: string[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const task = (name: string, priority: number, marbles: string) =>
        s.addTask({
          name,
          priority,
          triggers: [eventTrigger(hot(marbles))],
          run: () => {
            order.push(name);
            return work(ts, 20);
          },
        });
      task('blocker', 0, 'x');
      task('late-urgent', 0, '9ms x');
      task('early-lazy', 5, '2ms x');
      task('early-urgent', 0, '4ms x');
      task('mid-lazy', 5, '6ms x');
      s.start();
      atFrame(ts, 200, () => void s.stop());
    });
    expect(order).toEqual(['blocker', 'early-urgent', 'late-urgent', 'early-lazy', 'mid-lazy']);
  });

  it('never more than maxRunningTasks runs at once; a freed slot is taken in the same frame', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let running = 0;
    let maxRunning = 0;
    let maxReported = 0;
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      for (let i = 0; i < 5; i++) {
        s.addTask({
          name: `t${i}`,
          triggers: [eventTrigger(hot('x'))],
          run: () => {
            starts.push(ts.now());
            running++;
            maxRunning = Math.max(maxRunning, running);
            maxReported = Math.max(maxReported, s.runningCount);
            return work(ts, 10, () => running--);
          },
        });
      }
      s.start();
      atFrame(ts, 100, () => void s.stop());
    });
    expect(starts).toEqual([0, 0, 10, 10, 20]);
    expect(maxRunning).toBe(2);
    expect(maxReported).toBeLessThanOrEqual(2);
  });
});

describe('retry', () => {
  it('fixed delay: each retry waits delay after the failed attempt; history records every attempt', () => {
    const ts = newTestScheduler();
    const attempts: Array<[number, number]> = [];
    let events: SchedulerEvent[] = [];
    let history: ReadonlyArray<{ attempt: number; status: string; startedAt: number; endedAt: number; firedAt: number; error?: unknown }> = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      const task = s.addTask({
        name: 'flaky',
        triggers: [eventTrigger(hot('10ms a'))],
        retry: { maxRetries: 3, delay: 100 },
        run: (_a, ctx) => {
          attempts.push([ctx.attempt, ts.now()]);
          throw new Error(`boom ${ctx.attempt}`);
        },
      });
      s.start();
      atFrame(ts, 2_000, () => {
        history = task.history;
        void s.stop();
      });
    });
    expect(attempts).toEqual([
      [1, 10],
      [2, 110],
      [3, 210],
      [4, 310],
    ]);
    expect(history.map((h) => [h.attempt, h.status, h.startedAt, h.endedAt, h.firedAt])).toEqual([
      [1, 'failed', 10, 10, 10],
      [2, 'failed', 110, 110, 10],
      [3, 'failed', 210, 210, 10],
      [4, 'failed', 310, 310, 10],
    ]);
    expect(history.map((h) => (h.error as Error).message)).toEqual(['boom 1', 'boom 2', 'boom 3', 'boom 4']);
    const retries = eventsOf(events, 'retry-scheduled');
    expect(retries.map((e) => [e.at, e.delay])).toEqual([
      [10, 100],
      [110, 100],
      [210, 100],
    ]);
    expect(eventsOf(events, 'run-failed').map((e) => [e.at, e.attempt])).toEqual([
      [10, 1],
      [110, 2],
      [210, 3],
      [310, 4],
    ]);
  });

  it('exponential backoff: delay × 2^(n−1) capped at maxDelay, measured from each failure', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let events: SchedulerEvent[] = [];
    let endedAt: number[] = [];
    ts.run(({ hot }) => {
      guard(ts, 100_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      const task = s.addTask({
        name: 'backoff',
        triggers: [eventTrigger(hot('10ms a'))],
        retry: { maxRetries: 4, delay: 100, backoff: 'exponential', maxDelay: 300 },
        run: () => {
          starts.push(ts.now());
          return failAfter(ts, 20, new Error('nope'));
        },
      });
      s.start();
      atFrame(ts, 5_000, () => {
        endedAt = task.history.map((h) => h.endedAt);
        void s.stop();
      });
    });
    // attempt 1: 10–30; retry 1 waits 100 → 130–150; retry 2 waits 200 → 350–370;
    // retry 3 waits min(400, 300) → 670–690; retry 4 waits min(800, 300) → 990–1010.
    expect(starts).toEqual([10, 130, 350, 670, 990]);
    expect(endedAt).toEqual([30, 150, 370, 690, 1010]);
    expect(eventsOf(events, 'retry-scheduled').map((e) => [e.at, e.delay])).toEqual([
      [30, 100],
      [150, 200],
      [370, 300],
      [690, 300],
    ]);
  });

  it('stops retrying after a success', () => {
    const ts = newTestScheduler();
    let statuses: string[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const task = s.addTask({
        name: 'recovers',
        triggers: [eventTrigger(hot('a'))],
        retry: { maxRetries: 5, delay: 10 },
        run: (_a, ctx) => {
          if (ctx.attempt < 3) throw new Error('not yet');
          return 'ok';
        },
      });
      s.start();
      atFrame(ts, 1_000, () => {
        statuses = task.history.map((h) => `${h.attempt}:${h.status}@${h.startedAt}`);
        void s.stop();
      });
    });
    expect(statuses).toEqual(['1:failed@0', '2:failed@10', '3:succeeded@20']);
  });

  it('a retry waiting for its delay holds no slot, then waits for a slot by priority and original fire time', () => {
    const ts = newTestScheduler();
    const order: Array<[string, number]> = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      // 'flaky' fails at 0, retry due at 5. Meanwhile 'other' (fired at 1) takes the slot 1–21.
      s.addTask({
        name: 'flaky',
        priority: 1,
        triggers: [eventTrigger(hot('a'))],
        retry: { maxRetries: 1, delay: 5 },
        run: (_a, ctx) => {
          order.push([`flaky#${ctx.attempt}`, ts.now()]);
          if (ctx.attempt === 1) throw new Error('first fails');
          return work(ts, 10);
        },
      });
      s.addTask({
        name: 'other',
        priority: 1,
        triggers: [eventTrigger(hot('-a'))],
        run: () => {
          order.push(['other', ts.now()]);
          return work(ts, 20);
        },
      });
      // 'later' fires at 3 with the same priority: the retry (original fire at 0) goes before it.
      s.addTask({
        name: 'later',
        priority: 1,
        triggers: [eventTrigger(hot('---a'))],
        run: () => {
          order.push(['later', ts.now()]);
          return work(ts, 10);
        },
      });
      s.start();
      atFrame(ts, 200, () => void s.stop());
    });
    expect(order).toEqual([
      ['flaky#1', 0],
      ['other', 1],
      ['flaky#2', 21],
      ['later', 31],
    ]);
  });
});

describe('timeout', () => {
  it('aborts ctx.signal at the exact frame, records timed-out, then retries with a fresh signal', () => {
    const ts = newTestScheduler();
    const freshSignal: boolean[] = [];
    const starts: Array<[number, number]> = [];
    const aborts: Array<[number, number]> = [];
    let history: Array<[number, string, number, number]> = [];
    let events: SchedulerEvent[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      const task = s.addTask({
        name: 'hangs',
        triggers: [eventTrigger(hot('a'))],
        timeout: 50,
        retry: { maxRetries: 1, delay: 10 },
        run: (_a, ctx) => {
          freshSignal.push(!ctx.signal.aborted);
          starts.push([ctx.attempt, ts.now()]);
          ctx.signal.addEventListener('abort', () => aborts.push([ctx.attempt, ts.now()]));
          return NEVER;
        },
      });
      s.start();
      atFrame(ts, 1_000, () => {
        history = task.history.map((h) => [h.attempt, h.status, h.startedAt, h.endedAt]);
        void s.stop();
      });
    });
    expect(starts).toEqual([
      [1, 0],
      [2, 60],
    ]);
    expect(aborts).toEqual([
      [1, 50],
      [2, 110],
    ]);
    expect(freshSignal).toEqual([true, true]);
    expect(history).toEqual([
      [1, 'timed-out', 0, 50],
      [2, 'timed-out', 60, 110],
    ]);
    expect(eventsOf(events, 'run-failed').map((e) => [e.at, e.status])).toEqual([
      [50, 'timed-out'],
      [110, 'timed-out'],
    ]);
  });

  it('an attempt that ends before its timeout succeeds and its signal is never aborted', () => {
    const ts = newTestScheduler();
    let signal: AbortSignal | undefined;
    let statuses: string[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const task = s.addTask({
        name: 'quick',
        triggers: [eventTrigger(hot('a'))],
        timeout: 50,
        run: (_a, ctx) => {
          signal = ctx.signal;
          return work(ts, 49);
        },
      });
      s.start();
      atFrame(ts, 500, () => {
        statuses = task.history.map((h) => h.status);
        void s.stop();
      });
    });
    expect(statuses).toEqual(['succeeded']);
    expect(signal?.aborted).toBe(false);
  });
});

describe('pause / resume under each overlap policy', () => {
  // A paused scheduler; events at 10 (A), 20 (B), 30 (C); resume at 50.
  function pausedScenario(overlap: 'skip' | 'buffer-one' | 'queue' | 'allow', maxRunningTasks: number, duration: number) {
    const ts = newTestScheduler();
    const runs: Array<[number, unknown]> = [];
    let events: SchedulerEvent[] = [];
    let id = '';
    let pendingAt40 = -1;
    let runningAt40 = -1;
    let runningAt50 = -1;
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks, scheduler: ts });
      events = recordEvents(s);
      id = s.addTask({
        name: overlap,
        overlap,
        triggers: [eventTrigger(hot('10ms a 9ms b 9ms c', { a: 'A', b: 'B', c: 'C' }))],
        run: (_a, ctx) => {
          runs.push([ts.now(), ctx.event]);
          return duration > 0 ? work(ts, duration) : undefined;
        },
      }).id;
      s.start();
      s.pause();
      atFrame(ts, 40, () => {
        pendingAt40 = s.pendingCount;
        runningAt40 = s.runningCount;
      });
      atFrame(ts, 50, () => {
        s.resume();
        runningAt50 = s.runningCount;
      });
      atFrame(ts, 500, () => void s.stop());
    });
    return { runs, events, id, pendingAt40, runningAt40, runningAt50 };
  }

  it("'skip': the first fire waits, later ones are dropped and reported as 'skipped'", () => {
    const r = pausedScenario('skip', 1, 0);
    expect(r.runs).toEqual([[50, 'A']]);
    expect(eventsOf(r.events, 'skipped', r.id).map((e) => [e.at, e.event])).toEqual([
      [20, 'B'],
      [30, 'C'],
    ]);
    expect(r.pendingAt40).toBe(1);
    expect(r.runningAt40).toBe(0);
  });

  it("'buffer-one': one fire waits and later ones coalesce into it, keeping the latest payload ('coalesced')", () => {
    const r = pausedScenario('buffer-one', 1, 0);
    expect(r.runs).toEqual([[50, 'C']]);
    expect(at(eventsOf(r.events, 'coalesced', r.id))).toEqual([20, 30]);
    expect(r.pendingAt40).toBe(1);
  });

  it("'queue': every fire waits and runs once, FIFO, one at a time", () => {
    const r = pausedScenario('queue', 3, 5);
    expect(r.runs).toEqual([
      [50, 'A'],
      [55, 'B'],
      [60, 'C'],
    ]);
    expect(r.pendingAt40).toBe(3);
    expect(r.runningAt50).toBe(1);
    expect(eventsOf(r.events, 'dropped', r.id)).toEqual([]);
  });

  it("'allow': every fire waits, and on resume they run overlapping within maxRunningTasks", () => {
    const r = pausedScenario('allow', 3, 100);
    expect(r.runs).toEqual([
      [50, 'A'],
      [50, 'B'],
      [50, 'C'],
    ]);
    expect(r.pendingAt40).toBe(3);
    expect(r.runningAt50).toBe(3);
  });

  it("the default for an event-triggered task is 'queue' and for a time-only task 'skip'", () => {
    const ts = newTestScheduler();
    const evRuns: unknown[] = [];
    const tickRuns: number[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      s.addTask({
        name: 'events',
        triggers: [eventTrigger(hot('-a-b-c', { a: 1, b: 2, c: 3 }))],
        run: (_a, ctx) => void evRuns.push(ctx.event),
      });
      s.addTask({ name: 'ticks', triggers: [periodicTrigger({ interval: 3 })], run: () => void tickRuns.push(ts.now()) });
      s.start();
      s.pause();
      atFrame(ts, 10, () => s.resume());
      atFrame(ts, 11, () => void s.stop());
    });
    expect(evRuns).toEqual([1, 2, 3]);
    expect(tickRuns).toEqual([10]); // ticks 3, 6, 9 while paused: the first waits, the rest are skipped
  });
});

describe('overlap while running (not paused)', () => {
  function runningScenario(options: { overlap: 'skip' | 'buffer-one' | 'queue' | 'allow'; maxPending?: number; maxRunningTasks?: number }) {
    const ts = newTestScheduler();
    const runs: Array<[number, unknown]> = [];
    let events: SchedulerEvent[] = [];
    let id = '';
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: options.maxRunningTasks ?? 1, scheduler: ts });
      events = recordEvents(s);
      id = s.addTask({
        name: options.overlap,
        overlap: options.overlap,
        maxPending: options.maxPending,
        triggers: [eventTrigger(hot('10ms a 9ms b 9ms c 9ms d', { a: 'A', b: 'B', c: 'C', d: 'D' }))],
        run: (_a, ctx) => {
          runs.push([ts.now(), ctx.event]);
          return work(ts, 100);
        },
      }).id;
      s.start();
      atFrame(ts, 1_000, () => void s.stop());
    });
    return { runs, events, id };
  }

  it("'queue' with maxPending 1: one fire waits behind the running one, later ones are 'dropped'", () => {
    const r = runningScenario({ overlap: 'queue', maxPending: 1 });
    expect(r.runs).toEqual([
      [10, 'A'],
      [110, 'B'],
    ]);
    expect(eventsOf(r.events, 'dropped', r.id).map((e) => [e.at, e.event])).toEqual([
      [30, 'C'],
      [40, 'D'],
    ]);
  });

  it("'buffer-one' while running: the waiting fire takes the latest payload", () => {
    const r = runningScenario({ overlap: 'buffer-one' });
    expect(r.runs).toEqual([
      [10, 'A'],
      [110, 'D'],
    ]);
    expect(at(eventsOf(r.events, 'coalesced', r.id))).toEqual([30, 40]);
  });

  it("'skip' while running: fires during the run are skipped", () => {
    const r = runningScenario({ overlap: 'skip' });
    expect(r.runs).toEqual([[10, 'A']]);
    expect(at(eventsOf(r.events, 'skipped', r.id))).toEqual([20, 30, 40]);
  });

  it("'allow': runs of the same task overlap, within maxRunningTasks", () => {
    const r = runningScenario({ overlap: 'allow', maxRunningTasks: 3 });
    expect(r.runs).toEqual([
      [10, 'A'],
      [20, 'B'],
      [30, 'C'],
      [110, 'D'],
    ]);
  });
});

describe('pauseTask / resumeTask', () => {
  it('pauses one task (its fires wait under its overlap policy) while the others keep running', () => {
    const ts = newTestScheduler();
    const a: Array<[number, number]> = [];
    const b: number[] = [];
    let events: SchedulerEvent[] = [];
    let idA = '';
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      events = recordEvents(s);
      idA = s.addTask({ name: 'A', triggers: [periodicTrigger({ interval: 100 })], run: (_x, ctx) => void a.push([ts.now(), ctx.firedAt]) }).id;
      s.addTask({ name: 'B', triggers: [periodicTrigger({ interval: 100 })], run: () => void b.push(ts.now()) });
      s.start();
      atFrame(ts, 150, () => s.pauseTask(idA));
      atFrame(ts, 450, () => s.resumeTask(idA));
      atFrame(ts, 560, () => void s.stop());
    });
    expect(a).toEqual([
      [100, 100],
      [450, 200],
      [500, 500],
    ]);
    expect(b).toEqual([100, 200, 300, 400, 500]);
    expect(at(eventsOf(events, 'skipped', idA))).toEqual([300, 400]);
  });
});

describe('runNow', () => {
  it('before start, waits for start()', () => {
    const ts = newTestScheduler();
    const runs: Array<[number, unknown, number]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const { id } = s.addTask({
        name: 'manual',
        triggers: [periodicTrigger({ interval: 1_000 })],
        run: (_a, ctx) => void runs.push([ts.now(), ctx.event, ctx.firedAt]),
      });
      atFrame(ts, 5, () => s.runNow(id, 'x'));
      atFrame(ts, 30, () => s.start());
      atFrame(ts, 100, () => void s.stop());
    });
    expect(runs).toEqual([[30, 'x', 5]]); // firedAt is when runNow was called
  });

  it('while paused, waits for resume()', () => {
    const ts = newTestScheduler();
    const runs: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const { id } = s.addTask({ name: 'manual', triggers: [periodicTrigger({ interval: 1_000 })], run: () => void runs.push(ts.now()) });
      s.start();
      s.pause();
      atFrame(ts, 10, () => s.runNow(id));
      atFrame(ts, 40, () => s.resume());
      atFrame(ts, 100, () => void s.stop());
    });
    expect(runs).toEqual([40]);
  });

  it("respects the overlap policy: under 'skip' a runNow during a run is skipped, under 'queue' it waits", () => {
    const ts = newTestScheduler();
    const skipRuns: number[] = [];
    const queueRuns: Array<[number, unknown]> = [];
    let events: SchedulerEvent[] = [];
    let skipId = '';
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      events = recordEvents(s);
      skipId = s.addTask({
        name: 'skipper',
        triggers: [periodicTrigger({ interval: 10_000 })],
        run: () => {
          skipRuns.push(ts.now());
          return work(ts, 100);
        },
      }).id;
      const queueId = s.addTask({
        name: 'queuer',
        overlap: 'queue',
        triggers: [periodicTrigger({ interval: 10_000 })],
        run: (_a, ctx) => {
          queueRuns.push([ts.now(), ctx.event]);
          return work(ts, 100);
        },
      }).id;
      s.start();
      atFrame(ts, 10, () => {
        s.runNow(skipId);
        s.runNow(queueId, 1);
      });
      atFrame(ts, 20, () => {
        s.runNow(skipId);
        s.runNow(queueId, 2);
      });
      atFrame(ts, 500, () => void s.stop());
    });
    expect(skipRuns).toEqual([10]);
    expect(at(eventsOf(events, 'skipped', skipId))).toEqual([20]);
    expect(queueRuns).toEqual([
      [10, 1],
      [110, 2],
    ]);
  });

  it('is ordered by priority like any other fire', () => {
    const ts = newTestScheduler();
    const order: Array<[string, number]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const mk = (name: string, priority: number) =>
        s.addTask({
          name,
          priority,
          triggers: [periodicTrigger({ interval: 100_000 })],
          run: () => {
            order.push([name, ts.now()]);
            return work(ts, 10);
          },
        }).id;
      const blocker = mk('blocker', 3);
      const low = mk('low', 5);
      const high = mk('high', 1);
      s.start();
      s.runNow(blocker);
      atFrame(ts, 2, () => s.runNow(low));
      atFrame(ts, 3, () => s.runNow(high));
      atFrame(ts, 100, () => void s.stop());
    });
    expect(order).toEqual([
      ['blocker', 0],
      ['high', 10],
      ['low', 20],
    ]);
  });
});

describe('stop, start and resume', () => {
  it.each(['start', 'resume'] as const)('%s() after stop() re-arms from now; ticks missed while stopped are not replayed', (again) => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'tick', triggers: [periodicTrigger({ interval: 100 })], run: () => void starts.push(ts.now()) });
      s.start();
      atFrame(ts, 250, () => void s.stop());
      atFrame(ts, 420, () => s[again]());
      atFrame(ts, 700, () => void s.stop());
    });
    expect(starts).toEqual([100, 200, 520, 620]);
  });

  it('a cron trigger re-armed after stop fires at its next occurrence after now', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    ts.run(() => {
      guard(ts, 100_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'cron', triggers: [periodicTrigger({ cron: '*/5 * * * * *' })], run: () => void starts.push(ts.now()) });
      s.start();
      atFrame(ts, 6_000, () => void s.stop());
      atFrame(ts, 12_500, () => s.start());
      atFrame(ts, 21_000, () => void s.stop());
    });
    expect(starts).toEqual([5_000, 15_000, 20_000]);
  });

  it('an event source is unsubscribed on stop and subscribed again on start', () => {
    const ts = newTestScheduler();
    const seen: Array<[number, unknown]> = [];
    ts.run(({ hot, expectSubscriptions }) => {
      guard(ts, 10_000);
      const source = hot('-a-b-c-d-e-f');
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'ev', triggers: [eventTrigger(source)], run: (_a, ctx) => void seen.push([ts.now(), ctx.event]) });
      s.start();
      atFrame(ts, 4, () => void s.stop());
      atFrame(ts, 8, () => s.start());
      atFrame(ts, 10, () => void s.stop());
      expectSubscriptions(source.subscriptions).toBe(['^ 3ms !', '8ms ^ 1ms !']);
    });
    expect(seen).toEqual([
      [1, 'a'],
      [3, 'b'],
      [9, 'e'],
    ]);
  });

  it("stop drops waiting fires and pending retries (reported 'dropped'), lets running attempts finish, and resolves", async () => {
    const ts = newTestScheduler();
    const runs: Array<[string, number]> = [];
    let events: SchedulerEvent[] = [];
    const ids: Record<string, string> = {};
    let stopped: Promise<void> | undefined;
    let statuses: Record<string, string[]> = {};
    let countsAfter: [number, number] = [-1, -1];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      events = recordEvents(s);
      const mk = (name: string, run: () => unknown, retry?: { maxRetries: number; delay: number }) => {
        ids[name] = s.addTask({
          name,
          retry,
          triggers: [periodicTrigger({ interval: 100_000 })],
          run: () => {
            runs.push([name, ts.now()]);
            return run();
          },
        }).id;
      };
      mk('failing', () => {
        throw new Error('fails');
      }, { maxRetries: 3, delay: 1_000 });
      mk('long1', () => work(ts, 100));
      mk('long2', () => work(ts, 100));
      mk('waiting', () => undefined);
      s.start();
      s.runNow(ids.failing); // fails at 0, retry due at 1000
      s.runNow(ids.long1); // 0–100
      s.runNow(ids.long2); // 0–100
      atFrame(ts, 10, () => s.runNow(ids.waiting)); // no slot: waits
      atFrame(ts, 50, () => {
        stopped = s.stop();
      });
      atFrame(ts, 5_000, () => {
        countsAfter = [s.runningCount, s.pendingCount];
        statuses = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, (s.getTask(id)?.history ?? []).map((h) => h.status)]));
      });
    });
    expect(runs).toEqual([
      ['failing', 0],
      ['long1', 0],
      ['long2', 0],
    ]);
    expect(
      eventsOf(events, 'dropped')
        .map((e) => [e.taskId, e.at])
        .sort(),
    ).toEqual(
      [
        [ids.failing, 50],
        [ids.waiting, 50],
      ].sort(),
    );
    expect(statuses).toEqual({ failing: ['failed'], long1: ['succeeded'], long2: ['succeeded'], waiting: [] });
    expect(eventsOf(events, 'run-succeeded').map((e) => e.at)).toEqual([100, 100]);
    expect(countsAfter).toEqual([0, 0]);
    expect(await promiseState(stopped!)).toBe('resolved');
  });

  it('stop without timeout while an attempt has its own timeout: timed-out at its deadline, the retry dropped, stop resolves', async () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let events: SchedulerEvent[] = [];
    let stopped: Promise<void> | undefined;
    let history: Array<[string, number]> = [];
    let id = '';
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      const task = s.addTask({
        name: 'slow',
        timeout: 50,
        retry: { maxRetries: 2, delay: 0 },
        triggers: [eventTrigger(hot('a'))],
        run: () => {
          starts.push(ts.now());
          return NEVER;
        },
      });
      id = task.id;
      s.start();
      atFrame(ts, 10, () => {
        stopped = s.stop();
      });
      atFrame(ts, 500, () => (history = task.history.map((h) => [h.status, h.endedAt])));
    });
    expect(starts).toEqual([0]);
    expect(history).toEqual([['timed-out', 50]]);
    expect(eventsOf(events, 'retry-scheduled', id)).toEqual([]);
    expect(await promiseState(stopped!)).toBe('resolved');
  });

  it("stop({ timeout }) aborts attempts still running at the deadline ('aborted'), lets quicker ones finish, and nothing runs after", async () => {
    const ts = newTestScheduler();
    const runs: Array<[string, number]> = [];
    const aborts: Array<[string, number]> = [];
    let events: SchedulerEvent[] = [];
    let stopped: Promise<void> | undefined;
    let second: Promise<void> | undefined;
    let history: Record<string, Array<[string, number]>> = {};
    ts.run(({ hot, expectSubscriptions }) => {
      guard(ts, 10_000);
      const source = hot('150ms a 99ms b');
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      events = recordEvents(s);
      const stuck = s.addTask({
        name: 'stuck',
        triggers: [eventTrigger(source), periodicTrigger({ interval: 100 })],
        retry: { maxRetries: 2, delay: 0 },
        run: (_a, ctx) => {
          runs.push(['stuck', ts.now()]);
          ctx.signal.addEventListener('abort', () => aborts.push(['stuck', ts.now()]));
          return NEVER;
        },
      });
      const quick = s.addTask({
        name: 'quick',
        triggers: [periodicTrigger({ interval: 100_000 })],
        run: (_a, ctx) => {
          runs.push(['quick', ts.now()]);
          ctx.signal.addEventListener('abort', () => aborts.push(['quick', ts.now()]));
          return work(ts, 60);
        },
      });
      s.start();
      s.runNow(stuck.id);
      s.runNow(quick.id);
      atFrame(ts, 50, () => {
        stopped = s.stop({ timeout: 30 });
        second = s.stop({ timeout: 30 }); // harmless
      });
      atFrame(ts, 1_000, () => {
        history = {
          stuck: stuck.history.map((h) => [h.status, h.endedAt]),
          quick: quick.history.map((h) => [h.status, h.endedAt]),
        };
      });
      expectSubscriptions(source.subscriptions).toBe('^ 49ms !');
    });
    expect(runs).toEqual([
      ['stuck', 0],
      ['quick', 0],
    ]);
    expect(aborts).toEqual([['stuck', 80]]);
    expect(history).toEqual({ stuck: [['aborted', 80]], quick: [['succeeded', 60]] });
    expect(eventsOf(events, 'run-failed').map((e) => [e.at, e.status])).toEqual([[80, 'aborted']]);
    expect(eventsOf(events, 'run-started').every((e) => e.at <= 50)).toBe(true);
    expect(await promiseState(stopped!)).toBe('resolved');
    expect(await promiseState(second!)).toBe('resolved');
    expect(eventsOf(events, 'stopped').length).toBeGreaterThanOrEqual(1);
  });
});

describe('removeTask', () => {
  it('of a running task lets the attempt finish, but no retry or later fire starts; its sources are unsubscribed', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let events: SchedulerEvent[] = [];
    let id = '';
    let removed: boolean | undefined;
    let after: unknown = 'unset';
    ts.run(({ hot, cold, expectSubscriptions }) => {
      guard(ts, 10_000);
      const source = hot('a 99ms b');
      const attempt = cold('50ms #', undefined, new Error('fails at 50'));
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      id = s.addTask({
        name: 'doomed',
        triggers: [eventTrigger(source), periodicTrigger({ interval: 70 })],
        retry: { maxRetries: 2, delay: 10 },
        run: () => {
          starts.push(ts.now());
          return attempt;
        },
      }).id;
      s.start();
      atFrame(ts, 20, () => {
        removed = s.removeTask(id);
      });
      atFrame(ts, 500, () => {
        after = s.getTask(id);
        void s.stop();
      });
      expectSubscriptions(source.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(attempt.subscriptions).toBe('^ 49ms !'); // ran to its end at 50, not cut at 20
    });
    expect(removed).toBe(true);
    expect(starts).toEqual([0]);
    expect(after).toBeUndefined();
    expect(eventsOf(events, 'task-removed', id)).toHaveLength(1);
    expect(eventsOf(events, 'retry-scheduled', id)).toEqual([]);
    expect(eventsOf(events, 'run-started', id).map((e) => e.at)).toEqual([0]);
  });

  it('of a task whose retry is waiting out its delay: the retry never starts', () => {
    const ts = newTestScheduler();
    const starts: Array<[number, number]> = [];
    let events: SchedulerEvent[] = [];
    let id = '';
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      id = s.addTask({
        name: 'retrying',
        triggers: [eventTrigger(hot('a'))],
        retry: { maxRetries: 3, delay: 100 },
        run: (_a, ctx) => {
          starts.push([ctx.attempt, ts.now()]);
          throw new Error('fails');
        },
      }).id;
      s.start();
      atFrame(ts, 50, () => s.removeTask(id)); // retry due at 100
      atFrame(ts, 1_000, () => void s.stop());
    });
    expect(starts).toEqual([[1, 0]]);
    expect(eventsOf(events, 'run-started', id)).toHaveLength(1);
  });

  it('of a task whose fire is waiting for a slot: the waiting fire never starts', () => {
    const ts = newTestScheduler();
    const starts: Array<[string, number]> = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'blocker', triggers: [eventTrigger(hot('a'))], run: () => (starts.push(['blocker', ts.now()]), work(ts, 100)) });
      const { id } = s.addTask({ name: 'waiter', triggers: [eventTrigger(hot('10ms a'))], run: () => void starts.push(['waiter', ts.now()]) });
      atFrame(ts, 20, () => s.removeTask(id));
      s.start();
      atFrame(ts, 500, () => void s.stop());
    });
    expect(starts).toEqual([['blocker', 0]]);
  });
});

describe('events$', () => {
  it('a simple run: task-added, started, run-started, run-succeeded, paused, resumed, stopped — at their frames', () => {
    const ts = newTestScheduler();
    let events: SchedulerEvent[] = [];
    let id = '';
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      id = s.addTask({ name: 'simple', triggers: [periodicTrigger({ interval: 100 })], run: () => work(ts, 10) }).id;
      s.start();
      atFrame(ts, 120, () => s.pause());
      atFrame(ts, 130, () => s.resume());
      atFrame(ts, 150, () => void s.stop());
    });
    const seq = events.filter((e) => SPEC_EVENT_TYPES.has(e.type)).map((e) => [e.type, e.at, e.taskId]);
    expect(seq).toEqual([
      ['task-added', 0, id],
      ['started', 0, undefined],
      ['run-started', 100, id],
      ['run-succeeded', 110, id],
      ['paused', 120, undefined],
      ['resumed', 130, undefined],
      ['stopped', 150, undefined],
    ]);
    const ok = events.find((e) => e.type === 'run-succeeded')!;
    expect(ok.attempt).toBe(1);
    expect(ok.status).toBe('succeeded');
    expect(ok.execution).toMatchObject({ taskId: id, attempt: 1, firedAt: 100, startedAt: 100, endedAt: 110, status: 'succeeded' });
  });

  it('a failing run with one retry: run-started, run-failed, retry-scheduled, run-started, run-succeeded', () => {
    const ts = newTestScheduler();
    let events: SchedulerEvent[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({
        name: 'second-time-lucky',
        triggers: [eventTrigger(hot('5ms a'))],
        retry: { maxRetries: 1, delay: 7 },
        run: (_a, ctx) => {
          if (ctx.attempt === 1) throw new Error('first');
        },
      });
      s.start();
      events = recordEvents(s);
      atFrame(ts, 100, () => void s.stop());
    });
    const seq = events
      .filter((e) => e.taskId !== undefined && SPEC_EVENT_TYPES.has(e.type))
      .map((e) => [e.type, e.at, e.type === 'retry-scheduled' ? '-' : e.attempt]);
    expect(seq).toEqual([
      ['run-started', 5, 1],
      ['run-failed', 5, 1],
      ['retry-scheduled', 5, '-'],
      ['run-started', 12, 2],
      ['run-succeeded', 12, 2],
    ]);
    const failed = events.find((e) => e.type === 'run-failed')!;
    expect((failed.error as Error).message).toBe('first');
    expect(failed.status).toBe('failed');
  });
});

describe('run return kinds complete in the same virtual frame', () => {
  it('nothing, a value, and a synchronous Observable each end the attempt in the frame it started', () => {
    const ts = newTestScheduler();
    let history: Array<[string, number, number, unknown]> = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const tasks = [
        s.addTask({ name: 'void', triggers: [eventTrigger(hot('3ms a'))], run: () => undefined }),
        s.addTask({ name: 'value', triggers: [eventTrigger(hot('4ms a'))], run: () => 42 }),
        s.addTask({
          name: 'observable',
          triggers: [eventTrigger(hot('5ms a'))],
          run: () =>
            new Observable<string>((o) => {
              o.next('x');
              o.complete();
            }),
        }),
      ];
      s.start();
      atFrame(ts, 10, () => {
        history = tasks.map((t) => {
          const h = t.history[0];
          return [h.status, h.startedAt, h.endedAt, h.result];
        });
        void s.stop();
      });
    });
    expect(history.map((h) => h.slice(0, 3))).toEqual([
      ['succeeded', 3, 3],
      ['succeeded', 4, 4],
      ['succeeded', 5, 5],
    ]);
    expect(history[1][3]).toBe(42);
  });
});

describe('history, jitter, enabled', () => {
  it('history keeps at most historyLimit executions, newest last, with the event of each fire', () => {
    const ts = newTestScheduler();
    let history: Array<[number, unknown]> = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts, historyLimit: 3 });
      const task = s.addTask({ name: 'h', triggers: [eventTrigger(hot('-a-b-c-d-e'))], run: () => undefined });
      s.start();
      atFrame(ts, 20, () => {
        history = task.history.map((h) => [h.startedAt, h.event]);
        void s.stop();
      });
    });
    expect(history).toEqual([
      [5, 'c'],
      [7, 'd'],
      [9, 'e'],
    ]);
  });

  it('the default historyLimit is 100', () => {
    const ts = newTestScheduler();
    let length = -1;
    let first = -1;
    ts.run(() => {
      guard(ts, 100_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const task = s.addTask({ name: 'many', triggers: [periodicTrigger({ interval: 10 })], run: () => undefined });
      s.start();
      atFrame(ts, 1_505, () => {
        length = task.history.length;
        first = task.history[0].startedAt;
        void s.stop();
      });
    });
    expect(length).toBe(100);
    expect(first).toBe(510); // 150 ticks at 10 … 1500: the newest 100 are kept
  });

  it('jitter (a function) delays each tick without shifting the schedule (no drift)', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({
        name: 'jittered',
        triggers: [periodicTrigger({ interval: 100, jitter: () => 7 })],
        run: (_a, ctx) => void starts.push(ts.now(), ctx.firedAt),
      });
      s.start();
      atFrame(ts, 350, () => void s.stop());
    });
    // [start, firedAt] pairs: a tick carries the scheduled time it was computed for.
    expect(starts).toEqual([107, 100, 207, 200, 307, 300]);
  });

  it('numeric jitter delays each tick by at most jitter ms', () => {
    const ts = newTestScheduler();
    const delays: number[] = [];
    ts.run(() => {
      guard(ts, 100_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'j', triggers: [periodicTrigger({ interval: 100, jitter: 50 })], run: () => void delays.push(ts.now()) });
      s.start();
      atFrame(ts, 5_050, () => void s.stop());
    });
    expect(delays).toHaveLength(50);
    delays.forEach((t, i) => {
      const scheduled = (i + 1) * 100;
      expect(t).toBeGreaterThanOrEqual(scheduled);
      expect(t).toBeLessThanOrEqual(scheduled + 50);
    });
    expect(new Set(delays.map((t, i) => t - (i + 1) * 100)).size).toBeGreaterThan(1); // actually random
  });

  it('a disabled task is registered but its triggers are not armed', () => {
    const ts = newTestScheduler();
    let ran = 0;
    let registered = false;
    ts.run(({ hot, expectSubscriptions }) => {
      guard(ts, 10_000);
      const source = hot('-a-b-c');
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const { id } = s.addTask({ name: 'off', enabled: false, triggers: [eventTrigger(source), periodicTrigger({ interval: 2 })], run: () => void ran++ });
      s.start();
      registered = s.getTask(id) !== undefined;
      atFrame(ts, 10, () => void s.stop());
      expectSubscriptions(source.subscriptions).toBe([]);
    });
    expect(registered).toBe(true);
    expect(ran).toBe(0);
  });
});

describe('a run includes its retries (overlap)', () => {
  it("'skip': a fire while the run waits out a retry delay is skipped; 'queue': it waits for the retry to end", () => {
    const ts = newTestScheduler();
    const runs: Array<[string, number, number, unknown]> = [];
    let events: SchedulerEvent[] = [];
    const ids: Record<string, string> = {};
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      events = recordEvents(s);
      for (const overlap of ['skip', 'queue'] as const) {
        ids[overlap] = s.addTask({
          name: overlap,
          overlap,
          triggers: [eventTrigger(hot('a 49ms b', { a: 'A', b: 'B' }))],
          retry: { maxRetries: 1, delay: 100 },
          run: (_a, ctx) => {
            runs.push([overlap, ctx.attempt, ts.now(), ctx.event]);
            if (ctx.event === 'A' && ctx.attempt === 1) throw new Error('first attempt fails');
            return work(ts, 10);
          },
        }).id;
      }
      s.start();
      atFrame(ts, 1_000, () => void s.stop());
    });
    // A fails at 0, its retry runs 100–110; B fires at 50, during the retry delay.
    expect(runs.filter((r) => r[0] === 'skip')).toEqual([
      ['skip', 1, 0, 'A'],
      ['skip', 2, 100, 'A'],
    ]);
    expect(eventsOf(events, 'skipped', ids.skip).map((e) => [e.at, e.event])).toEqual([[50, 'B']]);
    expect(runs.filter((r) => r[0] === 'queue')).toEqual([
      ['queue', 1, 0, 'A'],
      ['queue', 2, 100, 'A'],
      ['queue', 1, 110, 'B'],
    ]);
  });
});

describe('one-time-only removal', () => {
  it('a task with one-time and periodic triggers is not removed after its one-time run', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let present = false;
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const { id } = s.addTask({
        name: 'mixed',
        triggers: [oneTimeTrigger({ after: 50 }), periodicTrigger({ interval: 100 })],
        run: () => void starts.push(ts.now()),
      });
      s.start();
      atFrame(ts, 250, () => {
        present = s.getTask(id) !== undefined;
        void s.stop();
      });
    });
    expect(starts).toEqual([50, 100, 200]);
    expect(present).toBe(true);
  });

  it('with several one-time triggers, the task is removed once all have fired and their runs ended', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    const present: boolean[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const { id } = s.addTask({
        name: 'twice',
        triggers: [oneTimeTrigger({ after: 100 }), oneTimeTrigger({ at: new Date(300) })],
        run: () => {
          starts.push(ts.now());
          return work(ts, 10);
        },
      });
      s.start();
      for (const f of [200, 305, 311]) atFrame(ts, f, () => void present.push(s.getTask(id) !== undefined));
      atFrame(ts, 500, () => void s.stop());
    });
    expect(starts).toEqual([100, 300]);
    expect(present).toEqual([true, true, false]);
  });

  it('a one-time-only task is removed only after its retries have ended', () => {
    const ts = newTestScheduler();
    const starts: Array<[number, number]> = [];
    const present: boolean[] = [];
    let events: SchedulerEvent[] = [];
    let id = '';
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      events = recordEvents(s);
      id = s.addTask({
        name: 'once-with-retry',
        triggers: [oneTimeTrigger({ after: 10 })],
        retry: { maxRetries: 1, delay: 50 },
        run: (_a, ctx) => {
          starts.push([ctx.attempt, ts.now()]);
          if (ctx.attempt === 1) throw new Error('first fails');
        },
      }).id;
      s.start();
      atFrame(ts, 30, () => void present.push(s.getTask(id) !== undefined));
      atFrame(ts, 100, () => {
        present.push(s.getTask(id) !== undefined);
        void s.stop();
      });
    });
    expect(starts).toEqual([
      [1, 10],
      [2, 60],
    ]);
    expect(present).toEqual([true, false]);
    expect(at(eventsOf(events, 'task-removed', id))).toEqual([60]);
  });
});

describe('re-entrant calls from inside run and from events$ subscribers', () => {
  it('a run that removes its own task finishes normally and nothing of it starts again', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let statuses: string[] = [];
    let after: unknown = 'unset';
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const task = s.addTask({
        name: 'self-removing',
        triggers: [periodicTrigger({ interval: 100 })],
        retry: { maxRetries: 2, delay: 10 },
        run: (_a, ctx) => {
          starts.push(ts.now());
          s.removeTask(ctx.taskId);
          return work(ts, 5);
        },
      });
      s.start();
      atFrame(ts, 450, () => {
        statuses = task.history.map((h) => h.status);
        after = s.getTask(task.id);
        void s.stop();
      });
    });
    expect(starts).toEqual([100]);
    expect(statuses).toEqual(['succeeded']);
    expect(after).toBeUndefined();
  });

  it('a run that fires another task (runNow) with one slot: the other waits, never overlapping', () => {
    const ts = newTestScheduler();
    const log: string[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const other = s.addTask({
        name: 'other',
        triggers: [periodicTrigger({ interval: 100_000 })],
        run: () => {
          log.push(`other start ${ts.now()}`);
          return work(ts, 5, () => log.push(`other end ${ts.now()}`));
        },
      });
      const first = s.addTask({
        name: 'first',
        triggers: [periodicTrigger({ interval: 100_000 })],
        run: () => {
          log.push(`first start ${ts.now()}`);
          s.runNow(other.id);
          log.push(`first after runNow ${ts.now()}`);
          return work(ts, 10, () => log.push(`first end ${ts.now()}`));
        },
      });
      s.start();
      s.runNow(first.id);
      atFrame(ts, 100, () => void s.stop());
    });
    expect(log).toEqual(['first start 0', 'first after runNow 0', 'first end 10', 'other start 10', 'other end 15']);
  });

  it("a synchronous 'queue' run that fires its own task runs again after it, never inside itself", () => {
    const ts = newTestScheduler();
    const log: string[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      let n = 0;
      const { id } = s.addTask({
        name: 'again',
        overlap: 'queue',
        triggers: [periodicTrigger({ interval: 100_000 })],
        run: () => {
          const me = ++n;
          log.push(`start ${me}`);
          if (me < 3) s.runNow(id);
          log.push(`end ${me}`);
        },
      });
      s.start();
      s.runNow(id);
      atFrame(ts, 10, () => void s.stop());
    });
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('a run that pauses the scheduler: nothing else starts until resume', () => {
    const ts = newTestScheduler();
    const starts: Array<[string, number]> = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      s.addTask({
        name: 'pauser',
        triggers: [eventTrigger(hot('a'))],
        run: () => {
          starts.push(['pauser', ts.now()]);
          s.pause();
        },
      });
      s.addTask({ name: 'other', triggers: [eventTrigger(hot('a 9ms b'))], run: () => void starts.push(['other', ts.now()]) });
      s.start();
      atFrame(ts, 30, () => s.resume());
      atFrame(ts, 100, () => void s.stop());
    });
    // 'other' (an event task: 'queue') fired at 0 and 10 while paused: both run on resume.
    expect(starts).toEqual([
      ['pauser', 0],
      ['other', 30],
      ['other', 30],
    ]);
  });

  it("an events$ subscriber that removes the task on 'run-failed' prevents the retry", () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.events$.subscribe((e) => {
        if (e.type === 'run-failed' && e.taskId) s.removeTask(e.taskId);
      });
      s.addTask({
        name: 'fails',
        triggers: [eventTrigger(hot('a'))],
        retry: { maxRetries: 3, delay: 0 },
        run: () => {
          starts.push(ts.now());
          throw new Error('no');
        },
      });
      s.start();
      atFrame(ts, 100, () => void s.stop());
    });
    expect(starts).toEqual([0]);
  });

  it('a run that calls stop(): its own attempt finishes, stop resolves, and nothing else starts', async () => {
    const ts = newTestScheduler();
    const starts: Array<[string, number]> = [];
    let stopped: Promise<void> | undefined;
    let statuses: string[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const stopper = s.addTask({
        name: 'stopper',
        triggers: [eventTrigger(hot('a'))],
        run: () => {
          starts.push(['stopper', ts.now()]);
          stopped = s.stop();
          return work(ts, 10);
        },
      });
      s.addTask({ name: 'waiting', triggers: [eventTrigger(hot('a'))], run: () => void starts.push(['waiting', ts.now()]) });
      s.start();
      atFrame(ts, 100, () => (statuses = stopper.history.map((h) => h.status)));
    });
    expect(starts).toEqual([['stopper', 0]]);
    expect(statuses).toEqual(['succeeded']);
    expect(await promiseState(stopped!)).toBe('resolved');
  });
});

describe('registry while running', () => {
  it('addTask on a running scheduler arms the new task at once (first tick one interval later)', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.start();
      atFrame(ts, 50, () => {
        s.addTask({ name: 'late', triggers: [periodicTrigger({ interval: 100 })], run: () => void starts.push(ts.now()) });
      });
      atFrame(ts, 300, () => void s.stop());
    });
    expect(starts).toEqual([150, 250]);
  });

  it('an id can be reused after removeTask', () => {
    const ts = newTestScheduler();
    const runs: string[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ id: 'job', name: 'v1', triggers: [periodicTrigger({ interval: 100 })], run: () => void runs.push(`v1@${ts.now()}`) });
      s.start();
      atFrame(ts, 150, () => {
        expect(s.removeTask('job')).toBe(true);
        s.addTask({ id: 'job', name: 'v2', triggers: [periodicTrigger({ interval: 100 })], run: () => void runs.push(`v2@${ts.now()}`) });
      });
      atFrame(ts, 300, () => void s.stop());
    });
    expect(runs).toEqual(['v1@100', 'v2@250']);
  });
});

describe('custom triggers (the exported Trigger interface)', () => {
  it("gets the scheduler's clock, is subscribed by start and unsubscribed by stop", () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let given: unknown;
    ts.run(({ cold, expectSubscriptions }) => {
      guard(ts, 10_000);
      const ticks = cold('30ms a 29ms a 29ms a 29ms a', { a: 1 });
      const custom: Trigger<never> = {
        kind: 'custom',
        timeBased: true,
        fires: ({ scheduler }) => {
          given = scheduler;
          return ticks.pipe(map(() => ({ at: scheduler.now() })));
        },
      };
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'custom', triggers: [custom], run: () => void starts.push(ts.now()) });
      atFrame(ts, 5, () => s.start());
      atFrame(ts, 100, () => void s.stop());
      expectSubscriptions(ticks.subscriptions).toBe('5ms ^ 94ms !');
    });
    expect(given).toBe(ts);
    expect(starts).toEqual([35, 65, 95]);
  });

  it('an event-like custom trigger (timeBased: false) carries payloads and defaults to queue', () => {
    const ts = newTestScheduler();
    const seen: Array<[number, unknown]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const custom: Trigger<string> = {
        kind: 'custom-events',
        timeBased: false,
        fires: ({ scheduler }) => interval(10, scheduler).pipe(map((i): Fire<string> => ({ at: scheduler.now(), event: `m${i}` }))),
      };
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({
        name: 'custom',
        triggers: [custom],
        run: (_a, ctx) => {
          seen.push([ts.now(), ctx.event]);
          return work(ts, 25);
        },
      });
      s.start();
      atFrame(ts, 42, () => void s.stop());
    });
    // Fires at 10, 20, 30, 40 queue behind each other (25 frames each); stop at 42 drops the waiting ones.
    expect(seen).toEqual([
      [10, 'm0'],
      [35, 'm1'],
    ]);
  });

  it('a pull-based custom trigger is told (ack) once its fire has started or been dropped', () => {
    const ts = newTestScheduler();
    const acks: Array<[string, number]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const pull = (name: string, frame: number): Trigger<string> => ({
        kind: 'pull',
        timeBased: false,
        fires: ({ scheduler }) =>
          new Observable<Fire<string>>((o) => {
            const sub = scheduler.schedule(() => o.next({ at: scheduler.now(), event: name, ack: () => acks.push([name, ts.now()]) }), frame);
            return () => sub.unsubscribe();
          }),
      });
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'started', overlap: 'queue', triggers: [pull('a', 2)], run: () => work(ts, 50) });
      // 'skip' task: its first fire waits for the slot, its second is skipped at once.
      s.addTask({ name: 'skipper', overlap: 'skip', triggers: [pull('b', 4), pull('c', 6)], run: () => undefined });
      s.start();
      atFrame(ts, 200, () => void s.stop());
    });
    expect(acks).toEqual([
      ['a', 2], // started at once
      ['c', 6], // skipped (b is waiting)
      ['b', 52], // started when the slot freed
    ]);
  });
});

describe('Subject-driven event trigger (sanity)', () => {
  it('a Subject fed from scheduled actions drives runs at those frames', () => {
    const ts = newTestScheduler();
    const seen: Array<[number, number]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const subject = new Subject<number>();
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      s.addTask({ name: 'subj', triggers: [eventTrigger(subject)], run: (_a, ctx) => void seen.push([ts.now(), ctx.event as number]) });
      s.start();
      atFrame(ts, 7, () => subject.next(1));
      atFrame(ts, 13, () => subject.next(2));
      atFrame(ts, 20, () => void s.stop());
    });
    expect(seen).toEqual([
      [7, 1],
      [13, 2],
    ]);
  });
});
