// Resource-aware admission (issue 4 §3, SPEC "Monitoring"): while a resource limit is exceeded,
// fires less urgent than `essentialPriority` wait — not dropped — and start again in priority order
// once it clears; 'throttled' / 'unthrottled' say when. Virtual time with an injected sampler whose
// readings the test drives, plus one real test with a CPU-heavy task and the default sampler.
import { setTimeout as delay } from 'node:timers/promises';
import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Scheduler,
  eventTrigger,
  periodicTrigger,
  type ResourceLimits,
  type ResourceSample,
  type SchedulerEvent,
  type SchedulerStatsSnapshot,
} from '../../src/index';
import { FakeSampler, atFrame, eventsOf, guard, newTestScheduler, nextEvent, recordEvents, work } from './support';

type LimitName = keyof ResourceLimits;

/** One row per limit: the limit, a reading above it, one below it. */
const LIMITS: ReadonlyArray<[LimitName, number, Partial<ResourceSample>, Partial<ResourceSample>]> = [
  ['eventLoopDelayMs', 50, { eventLoopDelayMs: 180 }, { eventLoopDelayMs: 5 }],
  ['eventLoopUtilization', 0.9, { eventLoopUtilization: 0.99 }, { eventLoopUtilization: 0.3 }],
  ['heapUsedBytes', 500_000_000, { heapUsedBytes: 800_000_000 }, { heapUsedBytes: 100_000_000 }],
];

const manual = () => [eventTrigger(NEVER)];

describe.each(LIMITS)('resourceLimits.%s', (name, limit, over, under) => {
  it('holds non-essential fires while exceeded, runs essential ones, and releases the held ones in priority order', () => {
    const ts = newTestScheduler();
    const starts: Array<[string, number]> = [];
    let events!: SchedulerEvent[];
    let sampler!: FakeSampler;
    let during!: SchedulerStatsSnapshot;
    let pendingDuring = -1;
    let throttledDuring: boolean | undefined;
    let throttledAfter: boolean | undefined;
    ts.run(() => {
      guard(ts, 10_000);
      sampler = new FakeSampler(() => ts.now());
      const s = new Scheduler({ scheduler: ts, maxRunningTasks: 1, resourceLimits: { [name]: limit }, resourceSampler: sampler });
      events = recordEvents(s);
      const task = (id: string, priority: number) =>
        s.addTask({
          id,
          name: id,
          priority,
          overlap: 'queue',
          triggers: manual(),
          run: () => {
            starts.push([id, ts.now()]);
            return work(ts, 10);
          },
        });
      task('essential', 0);
      task('bg5', 5);
      task('bg7', 7);
      task('bg3', 3);
      s.start();
      atFrame(ts, 150, () => sampler.set(over));
      atFrame(ts, 250, () => s.runNow('bg5')); // the limit is found exceeded here
      atFrame(ts, 260, () => s.runNow('bg7'));
      atFrame(ts, 270, () => s.runNow('bg3'));
      atFrame(ts, 280, () => s.runNow('essential')); // runs at once, 280–290
      atFrame(ts, 300, () => {
        during = s.stats();
        pendingDuring = s.pendingCount;
        throttledDuring = s.throttled;
      });
      atFrame(ts, 400, () => sampler.set(under)); // the next re-check (450) finds it clear
      atFrame(ts, 480, () => (throttledAfter = s.throttled));
      atFrame(ts, 500, () => void s.stop());
    });

    expect(starts).toEqual([
      ['essential', 280],
      ['bg3', 450], // released at the re-check that found the limit clear, in priority order
      ['bg5', 460],
      ['bg7', 470],
    ]);
    // Held, not dropped: still counted as waiting.
    expect(pendingDuring).toBe(3);
    expect(throttledDuring).toBe(true);
    expect(during.throttled).toBe(true);
    expect(during.waiting).toBe(3);
    expect(during.exceededLimits).toEqual([name]);
    expect(during.tasks.filter((t) => t.id.startsWith('bg')).map((t) => t.state)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(eventsOf(events, 'dropped')).toEqual([]);
    expect(eventsOf(events, 'skipped')).toEqual([]);

    const throttled = eventsOf(events, 'throttled');
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toMatchObject({ at: 250, reason: name });
    expect(eventsOf(events, 'unthrottled').map((e) => e.at)).toEqual([450]);
    expect(throttledAfter).toBe(false);

    // Usage was read when the first non-essential run was about to start, then every
    // resourceCheckInterval (100 ms) while runs were held — never more often.
    expect(sampler.reads.filter((t) => t <= 480)).toEqual([250, 350, 450]);
  });

  it('drops the held runs, reported, when stop() is called while throttled', () => {
    const ts = newTestScheduler();
    const started: string[] = [];
    let events!: SchedulerEvent[];
    let final!: SchedulerStatsSnapshot;
    let pendingAfterStop = -1;
    ts.run(() => {
      guard(ts, 10_000);
      const sampler = new FakeSampler(() => ts.now());
      sampler.set(over);
      const s = new Scheduler({ scheduler: ts, maxRunningTasks: 4, resourceLimits: { [name]: limit }, resourceSampler: sampler });
      events = recordEvents(s);
      for (const [id, priority] of [['a', 1], ['b', 2], ['c', 3]] as const) {
        s.addTask({ id, name: id, priority, triggers: manual(), run: () => void started.push(id) });
      }
      s.start();
      atFrame(ts, 100, () => ['a', 'b', 'c'].forEach((id) => s.runNow(id)));
      atFrame(ts, 230, () => {
        void s.stop();
        pendingAfterStop = s.pendingCount;
      });
      atFrame(ts, 300, () => (final = s.stats()));
    });
    expect(started).toEqual([]);
    expect(pendingAfterStop).toBe(0);
    const dropped = eventsOf(events, 'dropped');
    expect(dropped.map((e) => [e.taskId, e.at, e.reason])).toEqual([
      ['a', 230, 'stopped'],
      ['b', 230, 'stopped'],
      ['c', 230, 'stopped'],
    ]);
    expect(final.tasks.map((t) => [t.id, t.runs, t.dropped])).toEqual([
      ['a', 0, 1],
      ['b', 0, 1],
      ['c', 0, 1],
    ]);
    expect(final.waiting).toBe(0);
  });

  it('is not exceeded at exactly the limit, and is one step above it', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let events!: SchedulerEvent[];
    ts.run(() => {
      guard(ts, 10_000);
      const sampler = new FakeSampler(() => ts.now());
      const s = new Scheduler({ scheduler: ts, resourceLimits: { [name]: limit }, resourceSampler: sampler });
      events = recordEvents(s);
      s.addTask({ id: 'bg', name: 'bg', priority: 1, triggers: manual(), run: () => void starts.push(ts.now()) });
      s.start();
      atFrame(ts, 100, () => {
        sampler.set({ [name]: limit });
        s.runNow('bg'); // at the limit: runs
      });
      atFrame(ts, 200, () => {
        sampler.set({ [name]: name === 'eventLoopUtilization' ? limit + 0.001 : limit + 1 });
        s.runNow('bg'); // just above: held
      });
      atFrame(ts, 250, () => sampler.set(under));
      atFrame(ts, 400, () => void s.stop());
    });
    expect(starts).toEqual([100, 300]);
    expect(eventsOf(events, 'throttled').map((e) => e.at)).toEqual([200]);
    expect(eventsOf(events, 'unthrottled').map((e) => e.at)).toEqual([300]);
  });
});

describe('resource-aware admission', () => {
  it('keeps every fire of a throttled queue task and runs them all once the limit clears', () => {
    const ts = newTestScheduler();
    const firedAt: number[] = [];
    let peakPending = 0;
    let final!: SchedulerStatsSnapshot;
    ts.run(() => {
      guard(ts, 20_000);
      const sampler = new FakeSampler(() => ts.now());
      const s = new Scheduler({ scheduler: ts, maxRunningTasks: 2, resourceLimits: { heapUsedBytes: 1e9 }, resourceSampler: sampler });
      s.addTask({
        id: 'bg',
        name: 'bg',
        priority: 10,
        overlap: 'queue',
        triggers: [periodicTrigger({ interval: 50 })],
        run: (_a, ctx) => void firedAt.push(ctx.firedAt),
      });
      s.start();
      // Usage is read at 50 (fine), then at most every 100 ms: the fires at 50 and 100 run, from 150 on they are held.
      atFrame(ts, 75, () => sampler.set({ heapUsedBytes: 2e9 }));
      for (let f = 110; f < 1_100; f += 50) atFrame(ts, f, () => (peakPending = Math.max(peakPending, s.pendingCount)));
      atFrame(ts, 1_120, () => sampler.set({ heapUsedBytes: 1e8 }));
      atFrame(ts, 1_290, () => {
        final = s.stats();
        void s.stop();
      });
    });
    const fires = Array.from({ length: 25 }, (_, i) => 50 * (i + 1)); // 50 … 1250
    expect(firedAt).toEqual(fires); // every fire ran, in fire order
    expect(peakPending).toBeGreaterThanOrEqual(18); // 150 … 1050 waiting at 1060
    const bg = final.tasks[0];
    expect(bg).toMatchObject({ runs: 25, dropped: 0, skipped: 0 });
    expect(bg.wait.max).toBeGreaterThanOrEqual(950); // the fire at 150 waited until the limit cleared
  });

  it('lets fires up to essentialPriority through, holds the next priority up', () => {
    const ts = newTestScheduler();
    const starts: Array<[string, number]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const sampler = new FakeSampler(() => ts.now());
      sampler.set({ eventLoopDelayMs: 500 });
      const s = new Scheduler({
        scheduler: ts,
        maxRunningTasks: 4,
        essentialPriority: 5,
        resourceLimits: { eventLoopDelayMs: 100 },
        resourceSampler: sampler,
      });
      for (const [id, priority] of [['p-2', -2], ['p5', 5], ['p5.5', 5.5], ['p6', 6]] as const) {
        s.addTask({ id, name: id, priority, triggers: manual(), run: () => void starts.push([id, ts.now()]) });
      }
      s.start();
      atFrame(ts, 100, () => ['p6', 'p5.5', 'p5', 'p-2'].forEach((id) => s.runNow(id)));
      atFrame(ts, 250, () => sampler.set({ eventLoopDelayMs: 10 }));
      atFrame(ts, 400, () => void s.stop());
    });
    expect(starts).toEqual([
      ['p5', 100],
      ['p-2', 100],
      ['p5.5', 300],
      ['p6', 300],
    ]);
  });

  it('names every exceeded limit', () => {
    const ts = newTestScheduler();
    let snapshot!: SchedulerStatsSnapshot;
    let events!: SchedulerEvent[];
    ts.run(() => {
      guard(ts, 10_000);
      const sampler = new FakeSampler(() => ts.now());
      sampler.set({ eventLoopDelayMs: 300, heapUsedBytes: 3e9, eventLoopUtilization: 0.2 });
      const s = new Scheduler({
        scheduler: ts,
        resourceLimits: { eventLoopDelayMs: 100, eventLoopUtilization: 0.8, heapUsedBytes: 1e9 },
        resourceSampler: sampler,
      });
      events = recordEvents(s);
      s.addTask({ id: 'bg', name: 'bg', priority: 1, triggers: manual(), run: () => undefined });
      s.start();
      atFrame(ts, 100, () => s.runNow('bg'));
      atFrame(ts, 150, () => (snapshot = s.stats()));
      atFrame(ts, 160, () => void s.stop());
    });
    expect(snapshot.throttled).toBe(true);
    expect([...(snapshot.exceededLimits ?? [])].sort()).toEqual(['eventLoopDelayMs', 'heapUsedBytes']);
    const [throttled] = eventsOf(events, 'throttled');
    expect(throttled.reason?.split(',').sort()).toEqual(['eventLoopDelayMs', 'heapUsedBytes']);
  });

  it('drops a held run of a task removed while throttled (reported), and keeps the others held', () => {
    const ts = newTestScheduler();
    const starts: Array<[string, number]> = [];
    let events!: SchedulerEvent[];
    let pendingAfterRemove = -1;
    ts.run(() => {
      guard(ts, 10_000);
      const sampler = new FakeSampler(() => ts.now());
      sampler.set({ eventLoopDelayMs: 500 });
      const s = new Scheduler({ scheduler: ts, resourceLimits: { eventLoopDelayMs: 100 }, resourceSampler: sampler });
      events = recordEvents(s);
      s.addTask({ id: 'gone', name: 'gone', priority: 1, triggers: manual(), run: () => void starts.push(['gone', ts.now()]) });
      s.addTask({ id: 'kept', name: 'kept', priority: 2, triggers: manual(), run: () => void starts.push(['kept', ts.now()]) });
      s.start();
      atFrame(ts, 100, () => {
        s.runNow('gone');
        s.runNow('kept');
      });
      atFrame(ts, 150, () => {
        s.removeTask('gone');
        pendingAfterRemove = s.pendingCount;
      });
      atFrame(ts, 160, () => sampler.set({ eventLoopDelayMs: 1 }));
      atFrame(ts, 300, () => void s.stop());
    });
    expect(pendingAfterRemove).toBe(1);
    expect(eventsOf(events, 'dropped').map((e) => [e.taskId, e.at, e.reason])).toEqual([['gone', 150, 'task-removed']]);
    expect(starts).toEqual([['kept', 200]]);
  });

  it('after stop() while throttled and start() again, background runs still wait while the limit is exceeded; the events alternate', () => {
    const ts = newTestScheduler();
    const starts: number[] = [];
    let events!: SchedulerEvent[];
    ts.run(() => {
      guard(ts, 10_000);
      const sampler = new FakeSampler(() => ts.now());
      sampler.set({ eventLoopDelayMs: 500 }); // over the limit until 350
      const s = new Scheduler({ scheduler: ts, resourceLimits: { eventLoopDelayMs: 100 }, resourceSampler: sampler });
      events = recordEvents(s);
      s.addTask({ id: 'bg', name: 'bg', priority: 1, triggers: manual(), run: () => void starts.push(ts.now()) });
      s.start();
      atFrame(ts, 100, () => s.runNow('bg')); // held: the limit is exceeded
      atFrame(ts, 150, () => void s.stop()); // drops it
      atFrame(ts, 160, () => {
        s.start();
        s.runNow('bg'); // the limit is still exceeded (the last reading, at 100, said so, and so would a new one)
      });
      atFrame(ts, 350, () => sampler.set({ eventLoopDelayMs: 10 }));
      atFrame(ts, 600, () => void s.stop());
    });
    expect(starts.filter((t) => t < 350)).toEqual([]); // nothing ran while the limit was exceeded
    expect(starts).toHaveLength(1);
    expect(starts[0]).toBeGreaterThan(350);
    expect(starts[0]).toBeLessThanOrEqual(450); // within one re-check of clearing
    // 'throttled' and 'unthrottled' alternate (a listener's view of the state stays right).
    const sequence = events.filter((e) => e.type === 'throttled' || e.type === 'unthrottled').map((e) => e.type);
    expect(sequence.length).toBeGreaterThanOrEqual(2);
    sequence.forEach((type, i) => expect(type, `event #${i} of ${sequence.join(', ')}`).toBe(i % 2 === 0 ? 'throttled' : 'unthrottled'));
  });

  it('holds a retry of a non-essential task like a first attempt', () => {
    const ts = newTestScheduler();
    const attempts: Array<[number, number]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const sampler = new FakeSampler(() => ts.now());
      const s = new Scheduler({ scheduler: ts, resourceLimits: { eventLoopDelayMs: 100 }, resourceSampler: sampler });
      s.addTask({
        id: 'bg',
        name: 'bg',
        priority: 1,
        triggers: manual(),
        retry: { maxRetries: 1, delay: 150 },
        run: (_a, ctx) => {
          attempts.push([ctx.attempt, ts.now()]);
          if (ctx.attempt === 1) throw new Error('first attempt fails');
        },
      });
      s.start();
      atFrame(ts, 100, () => {
        s.runNow('bg'); // usage read at 100 (fine): attempt 1 runs and fails; the retry is due at 250
        sampler.set({ eventLoopDelayMs: 400 });
      });
      atFrame(ts, 300, () => sampler.set({ eventLoopDelayMs: 20 }));
      atFrame(ts, 400, () => void s.stop());
    });
    // 250: re-read → exceeded, the retry is held; the re-check at 350 finds the limit clear.
    expect(attempts).toEqual([
      [1, 100],
      [2, 350],
    ]);
  });
});

describe('resource-aware admission on a real event loop', () => {
  it('holds background fires back while a CPU-heavy task saturates the loop, and runs them once it is gone', async () => {
    // Default NodeResourceSampler; real timers are the point here. Margins are generous.
    const s = new Scheduler({ maxRunningTasks: 2, resourceLimits: { eventLoopDelayMs: 50 } });
    const events = recordEvents(s);
    let heavyRuns = 0;
    let backgroundRuns = 0;
    let backgroundWhileThrottled = 0;
    let removed = false;
    let backgroundAfterRemoval!: () => void;
    const ranAfterRemoval = new Promise<void>((resolve) => (backgroundAfterRemoval = resolve));
    s.addTask({
      id: 'heavy',
      name: 'heavy',
      priority: 0, // essential: never held back itself
      triggers: [periodicTrigger({ interval: 20 })],
      run: () => {
        heavyRuns++;
        const end = performance.now() + 150;
        while (performance.now() < end) {
          // block the event loop
        }
      },
    });
    s.addTask({
      id: 'bg',
      name: 'background',
      priority: 10,
      triggers: [periodicTrigger({ interval: 30 })],
      run: () => {
        backgroundRuns++;
        if (s.throttled) backgroundWhileThrottled++;
        if (removed) backgroundAfterRemoval();
      },
    });
    try {
      const throttled = nextEvent(s, 'throttled', 10_000);
      s.start();
      const event = await throttled;
      expect(event.reason).toBe('eventLoopDelayMs');
      const backgroundAtThrottle = backgroundRuns;
      // Let the heavy task keep the loop saturated for a while (the timer itself only fires between blocks).
      await delay(1_000);
      expect(heavyRuns).toBeGreaterThanOrEqual(5);
      expect(s.throttled).toBe(true);
      expect(s.pendingCount).toBeGreaterThanOrEqual(1); // a background fire is waiting, not dropped
      expect(backgroundRuns).toBe(backgroundAtThrottle); // none started while saturated
      const snapshot = s.stats();
      expect(snapshot.eventLoopDelay.max).toBeGreaterThan(50);

      const unthrottled = nextEvent(s, 'unthrottled', 10_000);
      s.removeTask('heavy');
      removed = true;
      await unthrottled;
      await Promise.race([ranAfterRemoval, delay(10_000).then(() => Promise.reject(new Error('background did not run after the heavy task was removed')))]);
    } finally {
      await s.stop();
    }
    expect(backgroundWhileThrottled).toBe(0);
    expect(eventsOf(events, 'dropped', 'bg')).toEqual([]);
    expect(eventsOf(events, 'throttled').length).toBeGreaterThanOrEqual(1);
  });
});
