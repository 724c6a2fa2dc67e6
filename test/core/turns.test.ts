// How the scheduler uses event-loop turns on a real clock: the per-turn start budget, and the
// slots it holds to the end of a turn for a more urgent fire of the same loop phase. Real timers
// are the point here (loop phases do not exist in virtual time), but nothing waits on a clock:
// every step is a setImmediate, whose order Node fixes.
import { Subject, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, eventTrigger } from '../../src/index';

/** Resolves in the check phase of the next loop iteration (after the immediates queued before). */
const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** In one check phase: `endFirst`, then `after` — a later callback of the same phase. */
function endFirstThen(endFirst: () => void, after: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    setImmediate(endFirst);
    setImmediate(() => {
      after();
      resolve();
    });
  });
}

/**
 * Two tasks on one slot: 'low' (priority `lowPriority`) whose first run waits for `endFirst()`,
 * and 'high' (priority `highPriority`). Returns the order runs started in.
 */
function twoTasks(lowPriority: number, highPriority: number) {
  const scheduler = new Scheduler({ maxRunningTasks: 1 });
  const low = new Subject<string>();
  const high = new Subject<string>();
  const started: string[] = [];
  let endFirst!: () => void;
  const first = new Promise<void>((resolve) => (endFirst = resolve));
  scheduler.addTask({
    name: 'low',
    priority: lowPriority,
    overlap: 'queue',
    triggers: [eventTrigger(low)],
    run: (_args, ctx) => {
      started.push(ctx.event as string);
      return ctx.event === 'low-1' ? first : undefined;
    },
  });
  scheduler.addTask({
    name: 'high',
    priority: highPriority,
    triggers: [eventTrigger(high)],
    run: (_args, ctx) => void started.push(ctx.event as string),
  });
  scheduler.start();
  /** low-1 starts at once and low-2 waits; resolves in a later turn. */
  const begin = async (): Promise<void> => {
    low.next('low-1');
    low.next('low-2');
    await immediate();
  };
  return { scheduler, high, started, endFirst, begin };
}

describe('a slot freed in a later loop phase than its run started', () => {
  it('goes to a more urgent fire of the same phase that comes after the end', async () => {
    const { scheduler, high, started, endFirst, begin } = twoTasks(5, 0);
    await begin();
    // Two callbacks of one check phase: the first ends low-1, the second fires 'high'.
    let between: [number, number, string[]] | null = null;
    await endFirstThen(endFirst, () => {
      between = [scheduler.runningCount, scheduler.pendingCount, [...started]];
      high.next('high');
    });
    // low-1 had ended, and its slot was not given to low-2...
    expect(between).toEqual([0, 1, ['low-1']]);
    // ...so 'high' took it at once.
    expect(started).toEqual(['low-1', 'high']);
    await immediate();
    expect(started).toEqual(['low-1', 'high', 'low-2']);
    await scheduler.stop();
  });

  it('goes to the first waiting fire at the end of the turn when nothing more urgent comes', async () => {
    const { scheduler, started, endFirst, begin } = twoTasks(5, 0);
    await begin();
    let between: [number, number, string[]] | null = null;
    await endFirstThen(endFirst, () => {
      between = [scheduler.runningCount, scheduler.pendingCount, [...started]];
    });
    expect(between).toEqual([0, 1, ['low-1']]); // the slot was held through the phase
    await immediate();
    expect(started).toEqual(['low-1', 'low-2']);
    expect(scheduler.runningCount).toBe(0);
    expect(scheduler.pendingCount).toBe(0);
    await scheduler.stop();
  });

  it('is not held when no registered task is more urgent than the fire waiting first', async () => {
    // 'high' has the same priority as 'low': nothing could outrank low-2.
    const { scheduler, high, started, endFirst, begin } = twoTasks(5, 5);
    let between: string[] = [];
    await begin();
    await endFirstThen(endFirst, () => {
      between = [...started];
      high.next('high');
    });
    expect(between).toEqual(['low-1', 'low-2']); // low-2 took the slot at once
    await immediate();
    expect(started).toEqual(['low-1', 'low-2', 'high']);
    await scheduler.stop();
  });

  it('is not held once the most urgent task is removed', async () => {
    const { scheduler, started, endFirst, begin } = twoTasks(5, 0);
    scheduler.removeTask(scheduler.tasks().find((t) => t.name === 'high')!.id);
    let between: string[] = [];
    await begin();
    await endFirstThen(endFirst, () => {
      between = [...started];
    });
    expect(between).toEqual(['low-1', 'low-2']);
    await scheduler.stop();
  });

  it('is never held in virtual time, which has no loop phases', () => {
    const testScheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    testScheduler.run(({ flush }) => {
      const scheduler = new Scheduler({ maxRunningTasks: 1, scheduler: testScheduler });
      const low = new Subject<string>();
      const high = new Subject<string>();
      const started: string[] = [];
      scheduler.addTask({
        name: 'low',
        priority: 5,
        overlap: 'queue',
        triggers: [eventTrigger(low)],
        run: (_args, ctx) => {
          started.push(`${ctx.event}@${testScheduler.now()}`);
          return ctx.event === 'low-1' ? timer(5, testScheduler) : undefined;
        },
      });
      scheduler.addTask({
        name: 'high',
        priority: 0,
        triggers: [eventTrigger(high)],
        run: (_args, ctx) => void started.push(`${ctx.event}@${testScheduler.now()}`),
      });
      scheduler.start();
      low.next('low-1');
      low.next('low-2');
      testScheduler.schedule(() => high.next('high'), 5); // the same frame as low-1's end, after it
      flush();
      expect(started).toEqual(['low-1@0', 'low-2@5', 'high@5']);
      void scheduler.stop();
    });
  });
});

describe('the start budget of a turn', () => {
  it('starts at most 1000 waiting runs a turn, then yields to the event loop', async () => {
    const scheduler = new Scheduler({ maxRunningTasks: 1 });
    const events = new Subject<number>();
    let runs = 0;
    scheduler.addTask({ name: 'burst', overlap: 'queue', triggers: [eventTrigger(events)], run: async () => void runs++ });
    scheduler.start();
    // Queued before the scheduler's own end-of-turn immediate: runs after the first turn's chain.
    const afterFirstTurn = new Promise<number>((resolve) => setImmediate(() => resolve(runs)));
    for (let i = 0; i < 2500; i++) events.next(i);
    expect(runs).toBe(1); // the first fire started within its emission; the rest wait
    expect(await afterFirstTurn).toBe(1000);
    await immediate(); // the scheduler's end of turn ran before this: 1000 more
    expect(runs).toBe(2000);
    await immediate();
    expect(runs).toBe(2500);
    await scheduler.stop();
  });
});

describe('turns on a real clock: random workloads', () => {
  interface Fire {
    readonly task: number;
    /** The setImmediate step at which it is emitted. */
    readonly step: number;
    /** setImmediate hops its run waits before it ends (0: it ends in a microtask). */
    readonly hops: number;
  }
  const workload = fc.record({
    maxRunningTasks: fc.integer({ min: 1, max: 3 }),
    priorities: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
    fires: fc.array(fc.record({ task: fc.nat(), step: fc.integer({ min: 0, max: 6 }), hops: fc.integer({ min: 0, max: 3 }) }), {
      minLength: 1,
      maxLength: 30,
    }),
  });

  it('starts every fire once, never more than the limit at once, never while a more urgent fire waits, and leaves nothing waiting', async () => {
    await fc.assert(
      fc.asyncProperty(workload, async ({ maxRunningTasks, priorities, fires: raw }) => {
        const fires: Fire[] = raw.map((f) => ({ ...f, task: f.task % priorities.length }));
        const scheduler = new Scheduler({ maxRunningTasks });
        const subjects = priorities.map(() => new Subject<number>());
        const waiting = new Set<number>(); // emitted, not started (by fire index)
        const started: number[] = [];
        const faults: string[] = [];
        priorities.forEach((priority, t) =>
          scheduler.addTask({
            name: `t${t}`,
            priority,
            overlap: 'allow',
            triggers: [eventTrigger(subjects[t])],
            run: async (_args, ctx) => {
              const id = ctx.event as number;
              waiting.delete(id);
              started.push(id);
              if (scheduler.runningCount > maxRunningTasks) faults.push(`${scheduler.runningCount} running`);
              for (const other of waiting) {
                if (priorities[fires[other].task] < priority) faults.push(`fire ${id} (priority ${priority}) started while ${other} waited`);
              }
              for (let i = 0; i < fires[id].hops; i++) await immediate();
            },
          }),
        );
        scheduler.start();
        for (let step = 0; step <= 6; step++) {
          fires.forEach((f, id) => {
            if (f.step !== step) return;
            waiting.add(id);
            subjects[f.task].next(id);
          });
          await immediate();
        }
        for (let i = 0; i < 50 && (scheduler.runningCount > 0 || scheduler.pendingCount > 0); i++) await immediate();
        const idle = scheduler.runningCount === 0 && scheduler.pendingCount === 0;
        await scheduler.stop();
        expect(faults).toEqual([]);
        expect(idle).toBe(true);
        expect([...started].sort((a, b) => a - b)).toEqual(fires.map((_, id) => id));
      }),
      { numRuns: 60 },
    );
  });
});
