// Scheduler statistics end to end, in virtual time (issue 4 §1, SPEC "Monitoring"): per-task counts,
// last error / last run / next fire, wait and duration distributions, the scheduler's running,
// waiting and fires/s, and stats$() on the scheduler's clock.
import { NEVER, Subject, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Scheduler,
  TaskAbortedError,
  TaskTimeoutError,
  eventTrigger,
  oneTimeTrigger,
  periodicTrigger,
  type DistributionSnapshot,
  type SchedulerEvent,
  type SchedulerStatsSnapshot,
  type TaskStatsSnapshot,
} from '../../src/index';
import { CALM, FakeSampler, atFrame, eventsOf, failAfter, guard, newTestScheduler, recordEvents, work } from './support';

/** Per-task distributions keep quantiles within 6.25 % (HDR, figures: 1); count, mean and max are exact. */
const QUANTILE_PRECISION = 0.0625;

function expectDistribution(actual: DistributionSnapshot, expected: DistributionSnapshot): void {
  expect(actual.count).toBe(expected.count);
  expect(actual.mean).toBeCloseTo(expected.mean, 9);
  expect(actual.max).toBeCloseTo(expected.max, 9);
  for (const q of ['p50', 'p95', 'p99'] as const) {
    expect(Math.abs(actual[q] - expected[q]), `${q}: ${actual[q]} vs ${expected[q]}`).toBeLessThanOrEqual(expected[q] * QUANTILE_PRECISION + 1e-9);
  }
}

function taskOf(snapshot: SchedulerStatsSnapshot, id: string): TaskStatsSnapshot {
  const t = snapshot.tasks.find((x) => x.id === id);
  expect(t, `task ${id} in stats()`).toBeDefined();
  return t as TaskStatsSnapshot;
}

const ZERO_DISTRIBUTION: DistributionSnapshot = { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };

describe('per-task counts', () => {
  it('counts runs, successes, failures, retries, timeouts, aborted, skipped, coalesced and dropped', () => {
    const ts = newTestScheduler();
    const errors = [new Error('attempt 1 failed'), new Error('attempt 2 failed')];
    let busy!: SchedulerStatsSnapshot;
    let mid!: SchedulerStatsSnapshot;
    let final!: SchedulerStatsSnapshot;
    let events!: SchedulerEvent[];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ scheduler: ts, maxRunningTasks: 10, resourceSampler: new FakeSampler(() => ts.now()) });
      events = recordEvents(s);
      const never = () => eventTrigger(NEVER);
      // fails twice, then succeeds on the second retry: 100–105 ✗, 115–120 ✗, 130–135 ✓
      s.addTask({
        id: 'flaky',
        name: 'flaky',
        triggers: [never()],
        retry: { maxRetries: 2, delay: 10 },
        run: (_a, ctx) => (ctx.attempt < 3 ? failAfter(ts, 5, errors[ctx.attempt - 1]) : work(ts, 5)),
      });
      // times out after 50 ms: 100–150
      s.addTask({ id: 'slow', name: 'slow', triggers: [never()], timeout: 50, run: () => work(ts, 80) });
      // fires at 200, 210, 220 while its 30 ms run is in progress: 1 run, 2 skipped
      s.addTask({ id: 'skipper', name: 'skipper', triggers: [never()], overlap: 'skip', run: () => work(ts, 30) });
      // fires at 200 (runs), 210 (waits), 220 and 225 (merged into the waiting one): runs at 200 and 230
      s.addTask({ id: 'merger', name: 'merger', triggers: [never()], overlap: 'buffer-one', run: () => work(ts, 30) });
      // fires at 200 (runs), 210 (waits), 220 (dropped: maxPending 1): runs at 200 and 230
      s.addTask({ id: 'queuer', name: 'queuer', triggers: [never()], overlap: 'queue', maxPending: 1, run: () => work(ts, 30) });
      // fires at 300 (runs forever) and 310 (waits); stop({ timeout: 20 }) at 400 drops the waiting fire and aborts the run at 420
      s.addTask({ id: 'hang', name: 'hang', triggers: [never()], overlap: 'queue', run: () => NEVER });
      // every 100 ms, 10 ms runs
      s.addTask({ id: 'periodic', name: 'periodic', triggers: [periodicTrigger({ interval: 100 })], run: () => work(ts, 10) });
      // armed but never due within the test
      s.addTask({ id: 'idle', name: 'idle', triggers: [periodicTrigger({ interval: 60_000 })], run: () => undefined });
      // registered, never armed
      s.addTask({ id: 'off', name: 'off', enabled: false, triggers: [periodicTrigger({ interval: 50 })], run: () => undefined });

      s.start();
      atFrame(ts, 100, () => {
        s.runNow('flaky');
        s.runNow('slow');
      });
      for (const id of ['skipper', 'merger', 'queuer']) atFrame(ts, 200, () => s.runNow(id));
      for (const id of ['skipper', 'merger', 'queuer']) atFrame(ts, 210, () => s.runNow(id));
      for (const id of ['skipper', 'merger', 'queuer']) atFrame(ts, 220, () => s.runNow(id));
      atFrame(ts, 225, () => s.runNow('merger'));
      atFrame(ts, 215, () => (busy = s.stats()));
      atFrame(ts, 300, () => s.runNow('hang'));
      atFrame(ts, 310, () => s.runNow('hang'));
      atFrame(ts, 350, () => (mid = s.stats()));
      atFrame(ts, 400, () => void s.stop({ timeout: 20 }));
      atFrame(ts, 500, () => (final = s.stats()));
    });

    // At 215: skipper, merger and queuer run; merger and queuer each have one fire waiting.
    expect(busy.at).toBe(215);
    expect(busy.running).toBe(3);
    expect(busy.waiting).toBe(2);

    const flaky = taskOf(final, 'flaky');
    expect(flaky).toMatchObject({ runs: 3, successes: 1, failures: 2, retries: 2, timeouts: 0, aborted: 0, skipped: 0, coalesced: 0, dropped: 0 });
    expect(flaky.lastError).toBe(errors[1]); // the latest failure, kept after the later success
    expect(flaky.lastErrorAt).toBe(120);
    expect(flaky.lastRunAt).toBe(130);
    expectDistribution(flaky.duration, { count: 3, mean: 5, p50: 5, p95: 5, p99: 5, max: 5 }); // every attempt
    expectDistribution(flaky.wait, { count: 1, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 }); // first attempts only

    const slow = taskOf(final, 'slow');
    expect(slow).toMatchObject({ runs: 1, successes: 0, failures: 1, retries: 0, timeouts: 1, aborted: 0 });
    expect(slow.lastError).toBeInstanceOf(TaskTimeoutError);
    expect(slow.lastErrorAt).toBe(150);
    expectDistribution(slow.duration, { count: 1, mean: 50, p50: 50, p95: 50, p99: 50, max: 50 });

    expect(taskOf(final, 'skipper')).toMatchObject({ runs: 1, successes: 1, skipped: 2, coalesced: 0, dropped: 0, lastRunAt: 200 });
    expect(taskOf(final, 'merger')).toMatchObject({ runs: 2, successes: 2, skipped: 0, coalesced: 2, dropped: 0, lastRunAt: 230 });
    expect(taskOf(final, 'queuer')).toMatchObject({ runs: 2, successes: 2, skipped: 0, coalesced: 0, dropped: 1, lastRunAt: 230 });
    expectDistribution(taskOf(final, 'queuer').wait, { count: 2, mean: 10, p50: 0, p95: 20, p99: 20, max: 20 });

    const hang = taskOf(final, 'hang');
    expect(hang).toMatchObject({ runs: 1, successes: 0, failures: 1, aborted: 1, timeouts: 0, dropped: 1, lastRunAt: 300, lastErrorAt: 420 });
    expect(hang.lastError).toBeInstanceOf(TaskAbortedError);

    // The periodic task, seen at 350: three runs (100, 200, 300), the next one due at 400.
    const periodicMid = taskOf(mid, 'periodic');
    expect(periodicMid).toMatchObject({ runs: 3, successes: 3, failures: 0, lastRunAt: 300, nextFireAt: 400 });
    expectDistribution(periodicMid.duration, { count: 3, mean: 10, p50: 10, p95: 10, p99: 10, max: 10 });
    // stop() disarmed it (its tick at 400 never came): no next fire any more.
    expect(taskOf(final, 'periodic')).toMatchObject({ runs: 3, nextFireAt: undefined });
    expect(mid.running).toBe(1); // hang
    expect(mid.waiting).toBe(1); // hang's second fire

    // Tasks that never ran are listed with zeros.
    const zeros = {
      runs: 0, successes: 0, failures: 0, retries: 0, timeouts: 0, aborted: 0, skipped: 0, coalesced: 0, dropped: 0,
      lastError: undefined, lastErrorAt: undefined, lastRunAt: undefined, wait: ZERO_DISTRIBUTION, duration: ZERO_DISTRIBUTION,
      cpuMs: undefined,
    };
    expect(taskOf(mid, 'idle')).toEqual({ id: 'idle', name: 'idle', priority: 0, state: 'idle', nextFireAt: 60_000, ...zeros });
    expect(taskOf(mid, 'off')).toEqual({ id: 'off', name: 'off', priority: 0, state: 'disabled', nextFireAt: undefined, ...zeros });
    expect(final.tasks.map((t) => t.id)).toEqual(['flaky', 'slow', 'skipper', 'merger', 'queuer', 'hang', 'periodic', 'idle', 'off']);
    expect(final.running).toBe(0);
    expect(final.waiting).toBe(0);

    // The counts agree with the events, task by task.
    for (const t of final.tasks) {
      expect(t.runs, `${t.id} runs`).toBe(eventsOf(events, 'run-started', t.id).length);
      expect(t.successes, `${t.id} successes`).toBe(eventsOf(events, 'run-succeeded', t.id).length);
      expect(t.failures, `${t.id} failures`).toBe(eventsOf(events, 'run-failed', t.id).length);
      expect(t.retries, `${t.id} retries`).toBe(eventsOf(events, 'retry-scheduled', t.id).length);
      expect(t.skipped, `${t.id} skipped`).toBe(eventsOf(events, 'skipped', t.id).length);
      expect(t.coalesced, `${t.id} coalesced`).toBe(eventsOf(events, 'coalesced', t.id).length);
      expect(t.dropped, `${t.id} dropped`).toBe(eventsOf(events, 'dropped', t.id).length);
    }
  });

  it('lists every task with zeros before start(), and nextFireAt once armed', () => {
    const ts = newTestScheduler();
    let before!: SchedulerStatsSnapshot;
    let after!: SchedulerStatsSnapshot;
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ scheduler: ts, resourceSampler: new FakeSampler(() => ts.now()) });
      s.addTask({ id: 'a', name: 'alpha', priority: 3, triggers: [periodicTrigger({ interval: 250 })], run: () => undefined });
      s.addTask({ id: 'b', name: 'beta', triggers: [eventTrigger(new Subject<number>())], run: () => undefined });
      atFrame(ts, 40, () => (before = s.stats()));
      atFrame(ts, 50, () => s.start());
      atFrame(ts, 60, () => (after = s.stats()));
      atFrame(ts, 70, () => void s.stop());
    });
    expect(before.tasks).toHaveLength(2);
    for (const t of before.tasks) {
      expect(t).toMatchObject({ runs: 0, successes: 0, failures: 0, dropped: 0, lastRunAt: undefined, nextFireAt: undefined });
      expect(t.wait).toEqual(ZERO_DISTRIBUTION);
      expect(t.duration).toEqual(ZERO_DISTRIBUTION);
    }
    expect(before.tasks[0]).toMatchObject({ id: 'a', name: 'alpha', priority: 3, state: 'idle' });
    expect(before.firesPerSecond).toBe(0);
    expect(taskOf(after, 'a').nextFireAt).toBe(300); // armed at 50, every 250 ms
    expect(taskOf(after, 'b').nextFireAt).toBeUndefined(); // an event trigger has no schedule
  });
});

describe('nextFireAt', () => {
  it('is the next fire of a cron trigger', () => {
    const ts = newTestScheduler();
    const seen: Array<number | undefined> = [];
    ts.run(() => {
      guard(ts, 100_000);
      const s = new Scheduler({ scheduler: ts, resourceSampler: new FakeSampler(() => ts.now()) });
      s.addTask({ id: 'c', name: 'cron', triggers: [periodicTrigger({ cron: '*/10 * * * * *', tz: 'UTC' })], run: () => undefined });
      s.start();
      for (const f of [1, 9_999, 10_500, 25_000]) atFrame(ts, f, () => seen.push(s.stats().tasks[0].nextFireAt));
      atFrame(ts, 25_001, () => void s.stop());
    });
    expect(seen).toEqual([10_000, 10_000, 20_000, 30_000]);
  });

  it('is the earliest upcoming fire over all of a task\'s time triggers (a one-time trigger that has fired no longer counts)', () => {
    const ts = newTestScheduler();
    const seen: Array<[number, number | undefined]> = [];
    const starts: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ scheduler: ts, resourceSampler: new FakeSampler(() => ts.now()) });
      s.addTask({
        id: 't',
        name: 'warm-up, then every 100 ms',
        triggers: [oneTimeTrigger({ after: 50 }), periodicTrigger({ interval: 100 })],
        run: () => void starts.push(ts.now()),
      });
      s.start();
      for (const f of [10, 60, 150]) atFrame(ts, f, () => seen.push([f, s.stats().tasks[0].nextFireAt]));
      atFrame(ts, 160, () => void s.stop());
    });
    expect(starts).toEqual([50, 100]);
    expect(seen).toEqual([
      [10, 50],
      [60, 100], // the one-time fire at 50 is past: the next fire is the periodic one
      [150, 200],
    ]);
  });
});

describe('a failing resource sampler', () => {
  it('stats() still returns every task, and scheduling goes on', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let snapshot: SchedulerStatsSnapshot | undefined;
    let thrown: unknown;
    ts.run(() => {
      guard(ts, 10_000);
      const sampler = {
        sample: (): never => {
          throw new Error('cannot read /proc');
        },
      };
      const s = new Scheduler({ scheduler: ts, resourceSampler: sampler, resourceLimits: { eventLoopDelayMs: 100 } });
      s.addTask({ id: 'bg', name: 'bg', priority: 1, triggers: [periodicTrigger({ interval: 100 })], run: () => void starts.push(ts.now()) });
      s.start();
      atFrame(ts, 250, () => {
        try {
          snapshot = s.stats();
        } catch (error) {
          thrown = error;
        }
      });
      atFrame(ts, 260, () => void s.stop());
    });
    expect(starts).toEqual([100, 200]);
    expect(thrown).toBeUndefined();
    expect(snapshot?.tasks.map((t) => [t.id, t.runs])).toEqual([['bg', 2]]);
  });
});

describe('wait and duration distributions', () => {
  it('summarizes run durations of known virtual length (count, mean, p50, p95, p99, max)', () => {
    const ts = newTestScheduler();
    let snapshot!: SchedulerStatsSnapshot;
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ scheduler: ts, resourceSampler: new FakeSampler(() => ts.now()) });
      let k = 0;
      // Runs at 100, 200, …, 900 taking 10, 20, …, 90 ms.
      s.addTask({ id: 'w', name: 'worker', triggers: [periodicTrigger({ interval: 100 })], run: () => work(ts, 10 * ++k) });
      s.start();
      atFrame(ts, 995, () => (snapshot = s.stats())); // the last run ended at 990
      atFrame(ts, 996, () => void s.stop());
    });
    const w = taskOf(snapshot, 'w');
    expect(w.runs).toBe(9);
    expectDistribution(w.duration, { count: 9, mean: 50, p50: 50, p95: 90, p99: 90, max: 90 });
    expectDistribution(w.wait, { count: 9, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    expect(w.lastRunAt).toBe(900);
    expect(w.nextFireAt).toBe(1000);
  });

  it('measures the wait from fire to start behind a busy slot', () => {
    const ts = newTestScheduler();
    let snapshot!: SchedulerStatsSnapshot;
    const starts: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ scheduler: ts, maxRunningTasks: 1, resourceSampler: new FakeSampler(() => ts.now()) });
      s.addTask({ id: 'blocker', name: 'blocker', priority: 0, triggers: [eventTrigger(NEVER)], run: () => work(ts, 100) });
      s.addTask({
        id: 'queued',
        name: 'queued',
        priority: 1,
        overlap: 'queue',
        triggers: [eventTrigger(NEVER)],
        run: () => void starts.push(ts.now()),
      });
      s.start();
      s.runNow('blocker'); // 0–100
      for (const f of [10, 20, 30, 40]) atFrame(ts, f, () => s.runNow('queued'));
      atFrame(ts, 50, () => {
        const busy = s.stats();
        expect(busy.running).toBe(1);
        expect(busy.waiting).toBe(4);
        expect(taskOf(busy, 'queued').state).toBe('waiting');
      });
      atFrame(ts, 200, () => (snapshot = s.stats()));
      atFrame(ts, 210, () => void s.stop());
    });
    expect(starts).toEqual([100, 100, 100, 100]);
    // Fired at 10, 20, 30, 40, all started at 100.
    expectDistribution(taskOf(snapshot, 'queued').wait, { count: 4, mean: 75, p50: 70, p95: 90, p99: 90, max: 90 });
    expectDistribution(taskOf(snapshot, 'queued').duration, { count: 4, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    expectDistribution(taskOf(snapshot, 'blocker').wait, { count: 1, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    expectDistribution(taskOf(snapshot, 'blocker').duration, { count: 1, mean: 100, p50: 100, p95: 100, p99: 100, max: 100 });
  });
});

describe('scheduler figures', () => {
  it('counts real-clock fires into the rate at the end of their macrotask, or at once when read', async () => {
    const s = new Scheduler();
    const events = new Subject<number>();
    s.addTask({ name: 'e', triggers: [eventTrigger(events)], overlap: 'allow', run: () => undefined });
    s.start();
    const pending = () => (s as unknown as { firesPending: number }).firesPending;
    for (let i = 0; i < 5; i++) events.next(i);
    expect(pending()).toBe(5); // counted together, after the burst
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending()).toBe(0);
    events.next(5);
    // 6 fires within the first one-second bucket of the 10-second window: 6 per second.
    expect(s.stats().firesPerSecond).toBe(6);
    expect(pending()).toBe(0);
    await s.stop();
  });

  it('reports fires per second on the scheduler clock, and the sampler readings', () => {
    const ts = newTestScheduler();
    let early!: SchedulerStatsSnapshot;
    let late!: SchedulerStatsSnapshot;
    ts.run(() => {
      guard(ts, 100_000);
      const s = new Scheduler({ scheduler: ts, resourceSampler: new FakeSampler(() => ts.now()) });
      s.addTask({ id: 'p', name: 'ten per second', triggers: [periodicTrigger({ interval: 100 })], run: () => undefined });
      s.start();
      atFrame(ts, 50, () => (early = s.stats()));
      atFrame(ts, 20_050, () => (late = s.stats()));
      atFrame(ts, 20_060, () => void s.stop());
    });
    expect(early.firesPerSecond).toBe(0); // nothing fired yet
    expect(late.firesPerSecond).toBeGreaterThan(9.5);
    expect(late.firesPerSecond).toBeLessThan(10.5);
    expect(taskOf(late, 'p').runs).toBe(200);
    // Process figures come from the (injected) sampler.
    expect(late.heapUsed).toBe(CALM.heapUsedBytes);
    expect(late.rss).toBe(CALM.rssBytes);
    expect(late.eventLoopUtilization).toBe(CALM.eventLoopUtilization);
    expect(late.eventLoopDelay.p99).toBe(CALM.eventLoopDelayMs);
    expect(late.throttled).toBe(false);
    expect(late.running).toBe(0);
    expect(late.waiting).toBe(0);
  });

  it('stats$(1000) emits at 1000, 2000, 3000 … on the scheduler clock', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ scheduler: ts, resourceSampler: new FakeSampler(() => ts.now()) });
      // Fires at 700, 1400, 2100, 2800: never on a stats$ frame.
      s.addTask({ id: 'p', name: 'p', triggers: [periodicTrigger({ interval: 700 })], run: () => undefined });
      s.start();
      atFrame(ts, 3_500, () => void s.stop());
      expectObservable(s.stats$(1000).pipe(take(3), map((x) => ({ at: x.at, runs: x.tasks[0].runs })))).toBe('1000ms a 999ms b 999ms (c|)', {
        a: { at: 1000, runs: 1 },
        b: { at: 2000, runs: 2 },
        c: { at: 3000, runs: 4 },
      });
    });
  });

  it('stats$ snapshots are detached copies', () => {
    const ts = newTestScheduler();
    const seen: SchedulerStatsSnapshot[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ scheduler: ts, resourceSampler: new FakeSampler(() => ts.now()) });
      // Fires at 450, 900, 1350, 1800: never on a stats$ frame.
      s.addTask({ id: 'p', name: 'p', triggers: [periodicTrigger({ interval: 450 })], run: () => undefined });
      s.start();
      s.stats$(500).pipe(take(4)).subscribe((x) => seen.push(x));
      atFrame(ts, 2_100, () => void s.stop());
    });
    expect(seen.map((x) => x.at)).toEqual([500, 1000, 1500, 2000]);
    expect(seen.map((x) => x.tasks[0].runs)).toEqual([1, 2, 3, 4]);
  });

  it('stats$ rejects a period that is not a positive number', () => {
    const s = new Scheduler({ resourceSampler: new FakeSampler() });
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => s.stats$(bad)).toThrow(/everyMs/);
  });
});
