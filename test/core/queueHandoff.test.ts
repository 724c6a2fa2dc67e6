// When a run of a 'queue' (or 'buffer-one') task ends, its next held fire starts straight from the
// task's own queue if it would be the only fire waiting (Scheduler.endRun). These tests pin down
// that the shortcut starts exactly what the ready queue would have: in order, after more urgent
// fires, never for a paused task, and without recursion through a backlog of synchronous runs.
import { NEVER, Subject } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { Scheduler, eventTrigger, type OverlapPolicy, type TaskContext } from '../../src/index';
import { FakeSampler } from '../integration/support';
import { atFrame, guard, newTestScheduler, work } from '../scheduler/helpers';

/** Resolves in the check phase of the next loop iteration (after the immediates queued before). */
const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A task's run that notes `event@frame` in `started` and lasts 10 frames. */
const startsFor10 = (ts: TestScheduler, started: string[]) => (_args: unknown, ctx: TaskContext) => {
  started.push(`${ctx.event}@${ts.now()}`);
  return work(ts, 10);
};

describe("the next held fire of a 'queue' task", () => {
  it('drains a backlog of synchronous runs in fire order, without growing the stack', () => {
    const ts = newTestScheduler();
    const n = 100_000; // recursion one run deep per fire would overflow the stack long before this
    const seen: number[] = [];
    let scheduler!: Scheduler;
    ts.run(() => {
      guard(ts, 1_000);
      scheduler = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const events = new Subject<number>();
      scheduler.addTask({
        name: 'backlog',
        overlap: 'queue',
        maxPending: n,
        triggers: [eventTrigger(events)],
        // The first run lasts 10 frames; every later one ends within its start.
        run: (_args, ctx) => {
          seen.push(ctx.event as number);
          return ctx.event === 0 ? work(ts, 10) : undefined;
        },
      });
      scheduler.start();
      for (let i = 0; i <= n; i++) events.next(i);
      expect(seen).toEqual([0]);
      atFrame(ts, 20, () => void scheduler.stop());
    });
    expect(seen.length).toBe(n + 1);
    expect(seen.every((event, i) => event === i)).toBe(true);
    const stats = scheduler.stats().tasks[0];
    expect([stats.runs, stats.successes, stats.failures]).toEqual([n + 1, n + 1, 0]);
  });

  it('waits behind a more urgent fire that came while its task ran', () => {
    const ts = newTestScheduler();
    const started: string[] = [];
    ts.run(() => {
      guard(ts, 1_000);
      const scheduler = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const low = new Subject<string>();
      const high = new Subject<string>();
      scheduler.addTask({
        name: 'low',
        priority: 5,
        overlap: 'queue',
        triggers: [eventTrigger(low)],
        run: startsFor10(ts, started),
      });
      scheduler.addTask({
        name: 'high',
        priority: 0,
        triggers: [eventTrigger(high)],
        run: startsFor10(ts, started),
      });
      scheduler.start();
      low.next('low-1');
      low.next('low-2');
      atFrame(ts, 5, () => high.next('high'));
      atFrame(ts, 100, () => void scheduler.stop());
    });
    expect(started).toEqual(['low-1@0', 'high@10', 'low-2@20']);
  });

  it('does not start while its task is paused, and starts on resume', () => {
    const ts = newTestScheduler();
    const started: string[] = [];
    ts.run(() => {
      guard(ts, 1_000);
      const scheduler = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const events = new Subject<string>();
      const id = scheduler.addTask({
        name: 'paused',
        overlap: 'queue',
        triggers: [eventTrigger(events)],
        run: startsFor10(ts, started),
      }).id;
      scheduler.start();
      events.next('a');
      events.next('b');
      atFrame(ts, 5, () => scheduler.pauseTask(id));
      atFrame(ts, 30, () => scheduler.resumeTask(id));
      atFrame(ts, 100, () => void scheduler.stop());
    });
    expect(started).toEqual(['a@0', 'b@30']);
  });

  it('waits while a resource limit holds its task back, and starts once the limit clears', () => {
    const ts = newTestScheduler();
    const started: string[] = [];
    ts.run(() => {
      guard(ts, 1_000);
      const sampler = new FakeSampler(() => ts.now());
      const scheduler = new Scheduler({
        maxRunningTasks: 1,
        scheduler: ts,
        resourceLimits: { eventLoopDelayMs: 50 },
        resourceSampler: sampler,
        resourceCheckInterval: 1,
      });
      scheduler.addTask({
        id: 'bg',
        name: 'bg',
        priority: 5, // above essentialPriority (0): held back while a limit is exceeded
        overlap: 'queue',
        triggers: [eventTrigger(NEVER)],
        run: () => {
          started.push(`run@${ts.now()}`);
          return work(ts, 10);
        },
      });
      scheduler.start();
      scheduler.runNow('bg');
      scheduler.runNow('bg'); // held behind the first
      atFrame(ts, 5, () => sampler.set({ eventLoopDelayMs: 180 })); // exceeded before the first ends
      atFrame(ts, 30, () => sampler.set({ eventLoopDelayMs: 5 }));
      atFrame(ts, 100, () => void scheduler.stop());
    });
    expect(started[0]).toBe('run@0');
    expect(started).toHaveLength(2);
    expect(Number(started[1].slice(4))).toBeGreaterThanOrEqual(30);
  });
});

describe("the next held fire of a 'queue' task, on a real clock", () => {
  it('does not take a slot kept for a more urgent fire until the end of the turn', async () => {
    // Two slots, running low-1 ('allow') and q-1 ('queue', q-2 held behind it), low-2 waiting;
    // all priority 5 but 'urgent' (0). In one check phase: low-1 ends, and its slot is kept for
    // a more urgent fire (low-2 waits); 'urgent' fires and takes it; low-2 goes with its task, so
    // nothing waits; q-1 ends. q-2 must not take q-1's slot in that phase either — the turn's
    // slots stay kept for anything more urgent than low-2 — but at the turn's end.
    const scheduler = new Scheduler({ maxRunningTasks: 2 });
    const started: string[] = [];
    /** A task whose run `long` lasts until its gate opens; every other run ends at once. */
    const task = (name: string, priority: number, overlap: OverlapPolicy, long: string) => {
      const events = new Subject<string>();
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const { id } = scheduler.addTask({
        name,
        priority,
        overlap,
        triggers: [eventTrigger(events)],
        run: (_args, ctx) => {
          started.push(ctx.event as string);
          return ctx.event === long ? gate : undefined;
        },
      });
      return { id, events, open };
    };
    const low = task('low', 5, 'allow', 'low-1');
    const queued = task('queue-task', 5, 'queue', 'q-1');
    const urgent = task('urgent', 0, 'allow', 'urgent');
    scheduler.start();
    low.events.next('low-1');
    queued.events.next('q-1');
    queued.events.next('q-2');
    low.events.next('low-2');
    await immediate(); // a later turn: the ends below come from outside any start of theirs
    let during: string[] = [];
    await new Promise<void>((resolve) => {
      setImmediate(() => low.open()); // low-1 ends (a microtask later): its slot is kept
      setImmediate(() => {
        urgent.events.next('urgent'); // takes the kept slot
        scheduler.removeTask(low.id); // low-2 goes with its task: nothing waits
        queued.open(); // q-1 ends (a microtask later), with q-2 held behind it
      });
      setImmediate(() => {
        during = [...started];
        resolve();
      });
    });
    expect(during).toEqual(['low-1', 'q-1', 'urgent']);
    await immediate();
    expect(started).toEqual(['low-1', 'q-1', 'urgent', 'q-2']);
    urgent.open();
    await scheduler.stop();
  });
});
