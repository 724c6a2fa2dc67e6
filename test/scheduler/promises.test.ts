// Promise-returning tasks on the default asyncScheduler, driven by vitest fake timers, checking both
// sides of each boundary; failure isolation; and one real-timer test of waits beyond 2^31−1 ms.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Subject, throwError, timer } from 'rxjs';
import { Scheduler, eventTrigger, oneTimeTrigger, periodicTrigger } from '../../src/index';
import type { SchedulerEvent } from '../../src/index';
import { eventsOf, recordEvents } from './helpers';

const unhandled = vi.fn();
beforeAll(() => {
  process.on('unhandledRejection', unhandled);
});
afterAll(() => {
  process.off('unhandledRejection', unhandled);
});

let t0 = 0;
beforeEach(() => {
  vi.useFakeTimers();
  t0 = Date.now();
});
afterEach(async () => {
  vi.useRealTimers();
  // Give Node a real turn to report any rejection left unhandled by the test.
  await new Promise((resolve) => setTimeout(resolve, 5));
  expect(unhandled).not.toHaveBeenCalled();
});

const since = () => Date.now() - t0;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('boundaries with fake timers', () => {
  it('interval 20 000: nothing at 19 999 ms, one run at 20 000 ms, the next exactly 20 000 ms later', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const runs: number[] = [];
    s.addTask({
      name: 'heartbeat',
      triggers: [periodicTrigger({ interval: 20_000 })],
      run: async () => {
        runs.push(since());
        await sleep(5_000); // runs take time: ticks must not drift
      },
    });
    s.start();
    await advance(19_999);
    expect(runs).toEqual([]);
    await advance(1);
    expect(runs).toEqual([20_000]);
    await advance(19_999);
    expect(runs).toEqual([20_000]);
    await advance(1);
    expect(runs).toEqual([20_000, 40_000]);
    await advance(5_000);
    await s.stop();
  });

  it('oneTimeTrigger({ after: 20 000 }): nothing at 19 999, one run at 20 000; the task is removed when its run ends', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const runs: number[] = [];
    const { id } = s.addTask({
      name: 'once',
      triggers: [oneTimeTrigger({ after: 20_000 })],
      run: async () => {
        runs.push(since());
        await sleep(1_000);
      },
    });
    s.start();
    await advance(19_999);
    expect(runs).toEqual([]);
    await advance(1);
    expect(runs).toEqual([20_000]);
    await advance(999);
    expect(s.getTask(id)).toBeDefined();
    await advance(1);
    expect(s.getTask(id)).toBeUndefined();
    await advance(100_000);
    expect(runs).toEqual([20_000]);
    await s.stop();
  });

  it('a Promise run holds its slot until it settles', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const starts: Array<[string, number]> = [];
    const mk = (name: string) =>
      s.addTask({
        name,
        triggers: [periodicTrigger({ interval: 1_000_000 })],
        run: async () => {
          starts.push([name, since()]);
          await sleep(3_000);
        },
      }).id;
    const a = mk('a');
    const b = mk('b');
    s.start();
    s.runNow(a);
    s.runNow(b);
    expect(s.runningCount).toBe(1);
    expect(s.pendingCount).toBe(1);
    await advance(2_999);
    expect(starts).toEqual([['a', 0]]);
    await advance(1);
    expect(starts).toEqual([
      ['a', 0],
      ['b', 3_000],
    ]);
    await advance(3_000);
    await s.stop();
  });
});

describe('retries with rejections', () => {
  it('fixed delay: retry n starts exactly delay ms after attempt n fails; the history records each attempt', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const attempts: Array<[number, number]> = [];
    const task = s.addTask({
      name: 'flaky',
      triggers: [periodicTrigger({ interval: 1_000_000 })],
      retry: { maxRetries: 3, delay: 1_000 },
      run: async (_a, ctx) => {
        attempts.push([ctx.attempt, since()]);
        if (ctx.attempt < 3) throw new Error(`rejected ${ctx.attempt}`);
        return 'done';
      },
    });
    s.start();
    s.runNow(task.id);
    await advance(999);
    expect(attempts).toEqual([[1, 0]]);
    await advance(1);
    expect(attempts).toEqual([
      [1, 0],
      [2, 1_000],
    ]);
    await advance(999);
    expect(attempts).toHaveLength(2);
    await advance(1);
    expect(attempts).toEqual([
      [1, 0],
      [2, 1_000],
      [3, 2_000],
    ]);
    await advance(10_000);
    expect(attempts).toHaveLength(3);
    expect(task.history.map((h) => [h.attempt, h.status, (h.error as Error | undefined)?.message, h.result])).toEqual([
      [1, 'failed', 'rejected 1', undefined],
      [2, 'failed', 'rejected 2', undefined],
      [3, 'succeeded', undefined, 'done'],
    ]);
    await s.stop();
  });

  it('exponential delay: 1000, then 2000 (boundary on both sides)', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const attempts: number[] = [];
    const task = s.addTask({
      name: 'expo',
      triggers: [periodicTrigger({ interval: 1_000_000 })],
      retry: { maxRetries: 2, delay: 1_000, backoff: 'exponential' },
      run: () => {
        attempts.push(since());
        return Promise.reject(new Error('always'));
      },
    });
    s.start();
    s.runNow(task.id);
    await advance(1_000);
    expect(attempts).toEqual([0, 1_000]);
    await advance(1_999);
    expect(attempts).toEqual([0, 1_000]);
    await advance(1);
    expect(attempts).toEqual([0, 1_000, 3_000]);
    await advance(100_000);
    expect(task.history.map((h) => h.status)).toEqual(['failed', 'failed', 'failed']);
    await s.stop();
  });
});

describe('timeouts on Promise runs', () => {
  it('aborts ctx.signal at exactly timeout ms and records timed-out', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    let signal: AbortSignal | undefined;
    const task = s.addTask({
      name: 'slow',
      timeout: 5_000,
      triggers: [periodicTrigger({ interval: 1_000_000 })],
      run: (_a, ctx) =>
        new Promise<void>((_resolve, reject) => {
          signal = ctx.signal;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    });
    s.start();
    s.runNow(task.id);
    await advance(4_999);
    expect(signal?.aborted).toBe(false);
    expect(task.history).toEqual([]);
    await advance(1);
    expect(signal?.aborted).toBe(true);
    expect(task.history.map((h) => [h.status, h.endedAt - t0])).toEqual([['timed-out', 5_000]]);
    expect(s.runningCount).toBe(0);
    await s.stop();
  });

  it('a run ignoring its signal is timed out on time, retried without waiting for it, and its late result ignored', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const events = recordEvents(s);
    const attempts: Array<[number, number]> = [];
    const task = s.addTask({
      name: 'deaf',
      timeout: 5_000,
      retry: { maxRetries: 1, delay: 100 },
      triggers: [periodicTrigger({ interval: 1_000_000 })],
      run: async (_a, ctx) => {
        attempts.push([ctx.attempt, since()]);
        await sleep(8_000);
        return `late ${ctx.attempt}`;
      },
    });
    s.start();
    s.runNow(task.id);
    await advance(5_000);
    expect(task.history.map((h) => h.status)).toEqual(['timed-out']);
    await advance(100);
    expect(attempts).toEqual([
      [1, 0],
      [2, 5_100],
    ]);
    await advance(20_000);
    expect(task.history.map((h) => [h.attempt, h.status, h.result])).toEqual([
      [1, 'timed-out', undefined],
      [2, 'timed-out', undefined],
    ]);
    expect(eventsOf(events, 'run-succeeded')).toEqual([]);
    await s.stop();
  });
});

describe('settling through reused callbacks', () => {
  // A native promise settles its attempt through a pair of callbacks that the next attempt reuses
  // once the promise has called one of them; these check that no attempt is ever settled by
  // another's promise — late results of timed-out attempts included.

  interface Job {
    at: number;
    duration: number;
    fails: boolean;
  }
// Durations from 1 ms (a fake setTimeout(0) waits 1 ms, like Node's), never equal to the timeout
  // (a tie: whichever timer was armed first wins).
  const TIMEOUT = 12;
  const jobArb = fc.record({
    at: fc.integer({ min: 0, max: 40 }),
    duration: fc.integer({ min: 1, max: 30 }).filter((d) => d !== TIMEOUT),
    fails: fc.boolean(),
  });

  it('property: every attempt is recorded with its own outcome, payload and end time (timeouts, late results, several slots)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jobArb, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 4 }), async (jobs, slots) => {
        const timeout = TIMEOUT;
        const s = new Scheduler({ maxRunningTasks: slots, historyLimit: 100 });
        const fire = new Subject<Job & { id: number }>();
        const starts = new Map<number, number>();
        const task = s.addTask({
          name: 'mixed',
          overlap: 'allow',
          timeout,
          triggers: [eventTrigger(fire)],
          run: (_a, ctx) => {
            const job = ctx.event as Job & { id: number };
            starts.set(job.id, since());
            return new Promise((resolve, reject) => {
              setTimeout(() => (job.fails ? reject(new Error(`job ${job.id}`)) : resolve(`job ${job.id}`)), job.duration);
            });
          },
        });
        s.start();
        const base = since();
        const ordered = jobs.map((j, id) => ({ ...j, id })).sort((a, b) => a.at - b.at || a.id - b.id);
        for (const job of ordered) {
          await advance(base + job.at - since());
          fire.next(job);
        }
        await advance(200);
        await s.stop();
        const history = task.history;
        expect(history).toHaveLength(jobs.length);
        for (const h of history) {
          const job = h.event as Job & { id: number };
          const startedAt = starts.get(job.id) as number;
          expect(h.startedAt - t0).toBe(startedAt);
          if (job.duration > timeout) {
            expect(h.status).toBe('timed-out');
            expect(h.endedAt - t0).toBe(startedAt + timeout);
          } else {
            expect(h.status).toBe(job.fails ? 'failed' : 'succeeded');
            expect(h.endedAt - t0).toBe(startedAt + job.duration);
            if (job.fails) expect((h.error as Error).message).toBe(`job ${job.id}`);
            else expect(h.result).toBe(`job ${job.id}`);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a thenable that calls back twice, late, settles only its own attempt; promise runs after it are unaffected', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const callbacks: Array<[(v: unknown) => void, (e: unknown) => void]> = [];
    const fire = new Subject<string>();
    const task = s.addTask({
      name: 'mixed',
      overlap: 'queue',
      triggers: [eventTrigger(fire)],
      run: (_a, ctx) => {
        if (ctx.event === 'thenable') return { then: (ok: (v: unknown) => void, fail: (e: unknown) => void) => void callbacks.push([ok, fail]) };
        return sleep(10).then(() => ctx.event);
      },
    });
    s.start();
    fire.next('thenable');
    fire.next('promise 1');
    fire.next('promise 2');
    callbacks[0][0]('first');
    await advance(5);
    callbacks[0][0]('second'); // while 'promise 1' runs
    callbacks[0][1](new Error('third'));
    await advance(20);
    callbacks[0][0]('fourth'); // while 'promise 2' runs
    await advance(20);
    expect(task.history.map((h) => [h.event, h.status, h.result])).toEqual([
      ['thenable', 'succeeded', 'first'],
      ['promise 1', 'succeeded', 'promise 1'],
      ['promise 2', 'succeeded', 'promise 2'],
    ]);
    await s.stop();
  });

  it('keeps at most 256 free callback pairs after a spike of 300 concurrent promise runs, and reuses them', async () => {
    const s = new Scheduler({ maxRunningTasks: 300, historyLimit: 1000 });
    const fire = new Subject<number>();
    const task = s.addTask({ name: 'spike', overlap: 'allow', triggers: [eventTrigger(fire)], run: () => sleep(10) });
    const free = () => (s as unknown as { reactions: unknown[] }).reactions.length;
    s.start();
    for (let i = 0; i < 300; i++) fire.next(i);
    expect(s.runningCount).toBe(300);
    expect(free()).toBe(0);
    await advance(10);
    expect(s.runningCount).toBe(0);
    expect(free()).toBe(256);
    for (let i = 0; i < 100; i++) fire.next(i);
    expect(free()).toBe(156);
    await advance(10);
    expect(free()).toBe(256);
    expect(task.history.filter((h) => h.status === 'succeeded')).toHaveLength(400);
    await s.stop();
  });

  it("an object whose `then` is Promise.prototype.then but is no promise fails its attempt; the next promise run settles normally", async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const fire = new Subject<string>();
    const task = s.addTask({
      name: 'fake',
      overlap: 'queue',
      triggers: [eventTrigger(fire)],
      run: (_a, ctx) => (ctx.event === 'fake' ? { then: Promise.prototype.then } : sleep(10).then(() => 'ok')),
    });
    s.start();
    fire.next('fake');
    fire.next('real');
    fire.next('real');
    await advance(30);
    expect(task.history.map((h) => [h.event, h.status, h.result])).toEqual([
      ['fake', 'failed', undefined],
      ['real', 'succeeded', 'ok'],
      ['real', 'succeeded', 'ok'],
    ]);
    expect(task.history[0].error).toBeInstanceOf(TypeError);
    await s.stop();
  });
});

describe('stop with Promise runs', () => {
  it('stop() without timeout resolves only when the running attempt settles', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const task = s.addTask({
      name: 'finishing',
      triggers: [periodicTrigger({ interval: 1_000_000 })],
      run: () => sleep(3_000),
    });
    s.start();
    s.runNow(task.id);
    await advance(100);
    let resolved = false;
    const stopped = s.stop().then(() => (resolved = true));
    await advance(2_899);
    expect(resolved).toBe(false);
    await advance(1);
    expect(resolved).toBe(true);
    await stopped;
    expect(task.history.map((h) => h.status)).toEqual(['succeeded']);
  });

  it("stop({ timeout }) abandons a run that ignores its signal: 'aborted' at the deadline, late result ignored", async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const events = recordEvents(s);
    let signal: AbortSignal | undefined;
    let lateSettled = false;
    const task = s.addTask({
      name: 'stubborn',
      triggers: [periodicTrigger({ interval: 500 })],
      run: async (_a, ctx) => {
        signal = ctx.signal;
        await sleep(10_000);
        lateSettled = true;
        return 'too late';
      },
    });
    s.start();
    await advance(500); // first tick: the run starts at 500
    let resolved = false;
    const stopped = s.stop({ timeout: 1_000 }).then(() => (resolved = true));
    await advance(999);
    expect(resolved).toBe(false);
    expect(signal?.aborted).toBe(false);
    await advance(1);
    expect(signal?.aborted).toBe(true);
    expect(resolved).toBe(true);
    expect(s.runningCount).toBe(0);
    expect(task.history.map((h) => [h.status, h.endedAt - t0])).toEqual([['aborted', 1_500]]);
    await advance(20_000);
    expect(lateSettled).toBe(true);
    expect(task.history.map((h) => [h.status, h.result])).toEqual([['aborted', undefined]]);
    expect(eventsOf(events, 'run-succeeded')).toEqual([]);
    expect(eventsOf(events, 'run-started')).toHaveLength(1); // nothing ran after stop resolved
    await stopped;
  });
});

describe('failure isolation', () => {
  it('sync throw, rejection, Observable error, timeout and a broken event source are recorded and reported; everything keeps running', async () => {
    const s = new Scheduler({ maxRunningTasks: 3 });
    const events = recordEvents(s);
    const breaking = new Subject<string>();
    const ending = new Subject<string>();
    const healthy: number[] = [];
    const every = () => periodicTrigger({ interval: 1_000 });
    const t = {
      syncThrow: s.addTask({
        name: 'sync-throw',
        triggers: [every()],
        run: () => {
          throw new Error('sync');
        },
      }),
      rejects: s.addTask({
        name: 'rejects',
        triggers: [every()],
        run: async () => {
          throw new Error('async');
        },
      }),
      observableError: s.addTask({ name: 'observable-error', triggers: [every()], run: () => throwError(() => new Error('observable')) }),
      timesOut: s.addTask({ name: 'times-out', timeout: 100, triggers: [every()], run: () => new Promise<never>(() => undefined) }),
      sourceErrors: s.addTask({ name: 'source-errors', triggers: [eventTrigger(breaking), every()], run: () => undefined }),
      sourceCompletes: s.addTask({ name: 'source-completes', triggers: [eventTrigger(ending), every()], run: () => undefined }),
      healthy: s.addTask({ name: 'healthy', triggers: [every()], run: async () => void healthy.push(since()) }),
    };
    s.start();
    await advance(1_500);
    const sourceError = new Error('source broke');
    breaking.error(sourceError);
    ending.complete();
    await advance(4_000); // ticks at 1000 … 5000, the last timeout ends at 5100
    expect(healthy).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    const statuses = (task: { history: ReadonlyArray<{ status: string }> }) => task.history.map((h) => h.status);
    expect(statuses(t.syncThrow)).toEqual(Array(5).fill('failed'));
    expect(statuses(t.rejects)).toEqual(Array(5).fill('failed'));
    expect(statuses(t.observableError)).toEqual(Array(5).fill('failed'));
    expect(statuses(t.timesOut)).toEqual(Array(5).fill('timed-out'));
    expect(statuses(t.sourceErrors)).toEqual(Array(5).fill('succeeded'));
    expect(statuses(t.sourceCompletes)).toEqual(Array(5).fill('succeeded'));
    expect(t.syncThrow.history.map((h) => (h.error as Error).message)).toEqual(Array(5).fill('sync'));
    expect(t.rejects.history.map((h) => (h.error as Error).message)).toEqual(Array(5).fill('async'));
    expect(t.observableError.history.map((h) => (h.error as Error).message)).toEqual(Array(5).fill('observable'));
    for (const task of [t.syncThrow, t.rejects, t.observableError, t.timesOut]) {
      expect(eventsOf(events, 'run-failed', task.id)).toHaveLength(5);
    }
    // The broken sources are reported on events$, against their task.
    const reported = events.filter((e: SchedulerEvent) => e.taskId === t.sourceErrors.id && e.error === sourceError);
    expect(reported.map((e) => e.type)).toEqual(['trigger-error']);
    expect(eventsOf(events, 'trigger-completed', t.sourceCompletes.id)).toHaveLength(1);
    // The scheduler still takes work.
    s.runNow(t.healthy.id);
    await advance(0);
    expect(healthy).toHaveLength(6);
    await advance(100);
    await s.stop();
  });

  it('an event source that errors at subscription or an AsyncIterable mailbox that throws does not break start() or other tasks', async () => {
    const s = new Scheduler({ maxRunningTasks: 2 });
    const events = recordEvents(s);
    const got: unknown[] = [];
    const healthy: number[] = [];
    async function* mailbox(): AsyncGenerator<string> {
      yield 'm1';
      throw new Error('mailbox broke');
    }
    const atOnce = s.addTask({ name: 'errors-at-once', triggers: [eventTrigger(throwError(() => new Error('at once')))], run: () => undefined });
    const fromMailbox = s.addTask({ name: 'mailbox', triggers: [eventTrigger(mailbox())], run: (_a, ctx) => void got.push(ctx.event) });
    s.addTask({ name: 'healthy', triggers: [periodicTrigger({ interval: 1_000 })], run: () => void healthy.push(since()) });
    expect(() => s.start()).not.toThrow();
    await advance(3_000);
    expect(got).toEqual(['m1']);
    expect(healthy).toEqual([1_000, 2_000, 3_000]);
    expect(events.some((e) => e.taskId === atOnce.id && (e.error as Error | undefined)?.message === 'at once')).toBe(true);
    expect(events.some((e) => e.taskId === fromMailbox.id && (e.error as Error | undefined)?.message === 'mailbox broke')).toBe(true);
    await s.stop();
  });

  it('an aborted run (stop timeout) is recorded and reported, and stop resolves', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const events = recordEvents(s);
    const task = s.addTask({
      name: 'aborted',
      triggers: [periodicTrigger({ interval: 1_000 })],
      run: (_a, ctx) => new Promise<void>((_res, rej) => ctx.signal.addEventListener('abort', () => rej(new Error('aborted by signal')))),
    });
    s.start();
    await advance(1_000);
    const stopped = s.stop({ timeout: 10 });
    await advance(10);
    await stopped;
    expect(task.history.map((h) => h.status)).toEqual(['aborted']);
    expect(eventsOf(events, 'run-failed', task.id).map((e) => e.status)).toEqual(['aborted']);
  });
});

describe('AsyncIterable mailbox back-pressure', () => {
  it('takes at most one message beyond those already running', async () => {
    let pulled = 0;
    const mailbox: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: async () => {
            pulled++;
            return i < 10 ? { value: i++, done: false } : { value: undefined, done: true };
          },
        };
      },
    };
    const s = new Scheduler({ maxRunningTasks: 1 });
    const got: unknown[] = [];
    let running = 0;
    let ended = 0;
    s.addTask({
      name: 'mailbox',
      triggers: [eventTrigger(mailbox)],
      run: async (_a, ctx) => {
        got.push(ctx.event);
        running++;
        await sleep(1_000);
        running--;
        ended++;
      },
    });
    s.start();
    const excess: number[] = [];
    for (let ms = 0; ms <= 12_000; ms += 250) {
      await advance(ms === 0 ? 0 : 250);
      // Messages taken but neither finished nor running must never exceed one.
      const taken = Math.min(pulled, 10);
      excess.push(taken - ended - running);
    }
    expect(Math.max(...excess)).toBeLessThanOrEqual(1);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await s.stop();
  });
  it('while the scheduler is paused, takes one message and no more', async () => {
    let pulled = 0;
    const mailbox: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        let i = 0;
        // Finite: an endless mailbox with a synchronous run would be an endless microtask chain.
        return { next: async () => (pulled++, i < 5 ? { value: i++, done: false } : { value: undefined, done: true }) };
      },
    };
    const s = new Scheduler({ maxRunningTasks: 1 });
    const got: unknown[] = [];
    s.addTask({ name: 'mailbox', triggers: [eventTrigger(mailbox)], run: (_a, ctx) => void got.push(ctx.event) });
    s.start();
    s.pause();
    await advance(5_000);
    expect(got).toEqual([]);
    expect(pulled).toBe(1);
    s.resume();
    await advance(100);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    await s.stop();
  });
});

describe('dispatch on the real clock', () => {
  it('a fire that finds a free slot starts at once, within its emission, however many started before it in the same turn', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    let ran = 0;
    const { id } = s.addTask({ name: 'sync', overlap: 'allow', triggers: [periodicTrigger({ interval: 1_000_000 })], run: () => void ran++ });
    s.start();
    let firstLate: number | undefined;
    for (let i = 1; i <= 1_500; i++) {
      s.runNow(id);
      if (firstLate === undefined && ran !== i) firstLate = i;
    }
    await advance(0);
    await s.stop();
    expect(firstLate, `runNow #${firstLate} found the slot free but did not start within its emission`).toBeUndefined();
  });
});

describe('wall-clock jumps and sleeps (fake timers)', () => {
  it('an interval task runs once after a one-hour jump, not a burst of missed ticks', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    let runs = 0;
    s.addTask({ name: 'tick', triggers: [periodicTrigger({ interval: 1_000 })], run: () => void runs++ });
    s.start();
    await advance(1_000);
    expect(runs).toBe(1);
    vi.setSystemTime(Date.now() + 3_600_000);
    await advance(1_000);
    expect(runs).toBe(2);
    await advance(1_000);
    expect(runs).toBe(3);
    await s.stop();
  });

  it('a one-time trigger ten days ahead fires exactly once after the clock jumps past it', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    let runs = 0;
    const tenDays = 10 * 24 * 3_600_000;
    s.addTask({ name: 'far', triggers: [oneTimeTrigger({ after: tenDays })], run: () => void runs++ });
    s.start();
    await advance(60_000);
    expect(runs).toBe(0);
    vi.setSystemTime(Date.now() + tenDays); // e.g. the machine slept
    await advance(2 ** 31 - 1); // any chunk below the timer limit has re-checked the clock by now
    expect(runs).toBe(1);
    await advance(tenDays);
    expect(runs).toBe(1);
    await s.stop();
  });
});

describe('process hygiene (child process, real time)', () => {
  const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
  // `node --import tsx` runs the TypeScript child in this one process (the tsx CLI would spawn a
  // grandchild that a kill of the CLI leaves running).
  const tsxLoader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

  /**
   * Runs the child and kills it when it has not exited within `waitMs` — or, with `aliveMs`, once it
   * has been alive for `aliveMs` after printing its line (starting tsx can take seconds on a loaded
   * machine: that must not count as the time the scheduler kept the process alive).
   */
  function runChild(unref: boolean, waitMs: number, aliveMs?: number): Promise<{ exited: boolean; code: number | null; stdout: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'rxbt-unref-'));
    const script = join(dir, 'child.ts');
    writeFileSync(
      script,
      [
        `import { Scheduler, periodicTrigger } from ${JSON.stringify(entry)};`,
        `const s = new Scheduler({ unref: ${unref} });`,
        `s.addTask({ name: 't', triggers: [periodicTrigger({ interval: 60_000 })], run: () => undefined });`,
        `s.start();`,
        `console.log(JSON.stringify(['SIGINT', 'SIGTERM', 'SIGHUP'].map((sig) => process.listenerCount(sig))));`,
      ].join('\n'),
    );
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', tsxLoader, script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      const giveUp = () => {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        resolve({ exited: false, code: null, stdout });
      };
      let timer = setTimeout(giveUp, waitMs);
      let printed = false;
      child.stdout.on('data', (d) => {
        stdout += d;
        if (aliveMs !== undefined && !printed && stdout.includes('\n')) {
          printed = true;
          clearTimeout(timer);
          timer = setTimeout(giveUp, aliveMs);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
        resolve({ exited: true, code, stdout });
      });
    });
  }

  it('unref: true lets the process exit while only the scheduler timers remain; the library installs no signal handlers', async () => {
    vi.useRealTimers();
    const r = await runChild(true, 45_000);
    expect(r.exited).toBe(true);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual([0, 0, 0]);
  }, 60_000);

  it('without unref the scheduler keeps the process alive', async () => {
    vi.useRealTimers();
    const r = await runChild(false, 45_000, 3_000);
    expect(r.stdout.trim()).toBe('[0,0,0]');
    expect(r.exited).toBe(false);
  }, 60_000);
});

describe('waits beyond 2^31−1 ms (real timers)', () => {
  it('oneTimeTrigger({ after: 2^31 + 1000 }) neither warns nor fires early; a plain RxJS timer(2^31) does both', async () => {
    vi.useRealTimers();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const s = new Scheduler({ maxRunningTasks: 1 });
      let ran = 0;
      s.addTask({ name: 'far', triggers: [oneTimeTrigger({ after: 2 ** 31 + 1_000 })], run: () => void ran++ });
      s.start();
      await sleep(200);
      expect(ran).toBe(0);
      expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
      await s.stop();

      // The contrast: Node clamps an over-long timer to 1 ms and warns.
      const started = performance.now();
      let plainAfter: number | undefined;
      const sub = timer(2 ** 31).subscribe(() => (plainAfter = performance.now() - started));
      await sleep(200);
      sub.unsubscribe();
      expect(plainAfter).toBeDefined();
      expect(plainAfter!).toBeLessThan(150);
      expect(warnings.some((w) => w.name === 'TimeoutOverflowWarning')).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
