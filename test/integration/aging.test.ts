// Starvation bound (issue 4 §4): with `agingMs: A` a waiting fire's effective priority improves by
// one for each A ms it waits, so under continuous saturation by priority-0 work a priority-P fire
// still starts within a bound; without aging, strict priority order holds exactly.
//
// The workload: maxRunningTasks 1 and K priority-0 tasks that each fire every frame (periodic,
// interval 1) with overlap 'buffer-one', so the slot is never idle and urgent work is always
// waiting. A priority-P fire at T0 reaches effective priority 0 at T* = T0 + P×A: from then on
// every urgent fire that fired after T* comes after it. What may still go first is the run in
// progress at T* and, per urgent task, the one fire it already had waiting (it fired before T*:
// at equal effective priority the older fire goes first). Hence the bound P×A + (K + 1) × longest
// run — for one urgent source, P×A + 2 × longest run (the example below reaches P×A + 2×D − 1).
import fc from 'fast-check';
import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Scheduler, eventTrigger, periodicTrigger } from '../../src/index';
import { atFrame, guard, newTestScheduler, work } from './support';

interface Start {
  readonly task: string;
  readonly at: number;
  readonly firedAt: number;
  readonly duration: number;
}

interface Workload {
  /** Priority number of the low-priority fire (> 0). */
  readonly priority: number;
  /** agingMs, or undefined for strict priority. */
  readonly agingMs: number | undefined;
  /** How many priority-0 tasks fire every frame. */
  readonly urgentTasks: number;
  /** Run durations of the urgent tasks, used in turn (ms, ≥ 1). */
  readonly durations: ReadonlyArray<number>;
  /** When the low-priority fire happens (after saturation began at frame 1). */
  readonly lowFiresAt: number;
  /** When the urgent tasks are removed (strict-priority runs), if at all. */
  readonly removeUrgentAt?: number;
  /** When to stop. */
  readonly stopAt: number;
}

interface Outcome {
  readonly starts: Start[];
  /** Urgent fires waiting (not started) at each start of the low-priority task. */
  readonly urgentWaitingAtLowStart: number[];
}

function simulate(w: Workload): Outcome {
  const ts = newTestScheduler();
  const starts: Start[] = [];
  const urgentWaitingAtLowStart: number[] = [];
  ts.run(() => {
    guard(ts, w.stopAt + 1_000);
    const s = new Scheduler({ scheduler: ts, maxRunningTasks: 1, ...(w.agingMs === undefined ? {} : { agingMs: w.agingMs }) });
    let next = 0;
    const urgent: string[] = [];
    for (let k = 0; k < w.urgentTasks; k++) {
      const id = `urgent-${k}`;
      urgent.push(id);
      s.addTask({
        id,
        name: id,
        priority: 0,
        overlap: 'buffer-one',
        triggers: [periodicTrigger({ interval: 1 })],
        run: (_a, ctx) => {
          const duration = w.durations[next++ % w.durations.length];
          starts.push({ task: id, at: ts.now(), firedAt: ctx.firedAt, duration });
          return work(ts, duration);
        },
      });
    }
    s.addTask({
      id: 'low',
      name: 'low',
      priority: w.priority,
      triggers: [eventTrigger(NEVER)],
      run: (_a, ctx) => {
        urgentWaitingAtLowStart.push(urgent.reduce((n, id) => n + (s.getTask(id)?.waitingFires ?? 0), 0));
        starts.push({ task: 'low', at: ts.now(), firedAt: ctx.firedAt, duration: 1 });
        return work(ts, 1);
      },
    });
    s.start();
    atFrame(ts, w.lowFiresAt, () => s.runNow('low'));
    if (w.removeUrgentAt !== undefined) atFrame(ts, w.removeUrgentAt, () => urgent.forEach((id) => s.removeTask(id)));
    atFrame(ts, w.stopAt, () => void s.stop());
  });
  return { starts, urgentWaitingAtLowStart };
}

/** The slot was busy without a gap from frame 1 until `until`: every start follows the previous run's end. */
function expectSaturated(starts: ReadonlyArray<Start>, until: number): void {
  const before = starts.filter((x) => x.at <= until);
  expect(before[0].at).toBe(1);
  for (let i = 1; i < before.length; i++) {
    expect(before[i].at, `start #${i} at ${before[i].at} follows the run that started at ${before[i - 1].at}`).toBe(
      before[i - 1].at + before[i - 1].duration,
    );
  }
}

const workloadArb = fc.record({
  priority: fc.integer({ min: 1, max: 6 }),
  agingMs: fc.integer({ min: 1, max: 40 }),
  urgentTasks: fc.integer({ min: 1, max: 3 }),
  durations: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }),
  lowOffset: fc.integer({ min: 0, max: 60 }),
});

describe('priority aging (agingMs)', () => {
  it('a priority-P fire starts within P×A + (K+1)×longest run under continuous saturation by priority-0 work', () => {
    fc.assert(
      fc.property(workloadArb, ({ priority, agingMs, urgentTasks, durations, lowOffset }) => {
        const longest = Math.max(...durations);
        const lowFiresAt = 1 + lowOffset;
        const bound = priority * agingMs + (urgentTasks + 1) * longest;
        const { starts } = simulate({ priority, agingMs, urgentTasks, durations, lowFiresAt, stopAt: lowFiresAt + bound + 20 });
        const low = starts.filter((x) => x.task === 'low');
        expect(low).toHaveLength(1);
        const lowStart = low[0].at;
        // Saturated the whole time: the low-priority fire never found an idle slot.
        expectSaturated(starts, lowStart);
        expect(lowStart - lowFiresAt).toBeLessThanOrEqual(bound);
        // The exact rule behind the bound: no urgent fire younger than T* = T0 + P×A went first.
        const reachesZero = lowFiresAt + priority * agingMs;
        for (const x of starts) {
          if (x.task !== 'low' && x.at > lowFiresAt && x.at < lowStart) {
            expect(x.firedAt, `urgent fire at ${x.firedAt} started at ${x.at} before the aged fire (T* ${reachesZero})`).toBeLessThanOrEqual(
              reachesZero,
            );
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('example: one urgent source of 5 ms runs, P = 2, A = 10, fired at 12 → starts at 41', () => {
    // Urgent runs start at 1, 6, 11, …, each for the fire held since the previous start. T* = 12 + 2×10 = 32.
    // At 36 the waiting urgent fire is from 31 (< 32): it goes first. At 41 the waiting one is from 36 (> 32): the aged fire starts.
    const { starts } = simulate({ priority: 2, agingMs: 10, urgentTasks: 1, durations: [5], lowFiresAt: 12, stopAt: 100 });
    const low = starts.find((x) => x.task === 'low');
    expect(low?.at).toBe(41);
    const before = starts.filter((x) => x.at < 41).map((x) => [x.at, x.firedAt]);
    expect(before.slice(-2)).toEqual([
      [31, 26],
      [36, 31],
    ]);
    // The urgent fire it overtook (from 36) goes next, when the aged run's 1 ms ends.
    expect(starts.find((x) => x.at === 42)).toMatchObject({ task: 'urgent-0', firedAt: 36 });
  });

  it('without agingMs, strict priority holds exactly: the low fire never starts while urgent work waits', () => {
    fc.assert(
      fc.property(
        workloadArb,
        fc.integer({ min: 50, max: 400 }),
        ({ priority, urgentTasks, durations, lowOffset }, saturation) => {
          const lowFiresAt = 1 + lowOffset;
          const removeUrgentAt = lowFiresAt + saturation;
          const longest = Math.max(...durations);
          const { starts, urgentWaitingAtLowStart } = simulate({
            priority,
            agingMs: undefined,
            urgentTasks,
            durations,
            lowFiresAt,
            removeUrgentAt,
            stopAt: removeUrgentAt + longest + 20,
          });
          const low = starts.filter((x) => x.task === 'low');
          expect(low).toHaveLength(1);
          // Starved for as long as urgent work kept coming…
          expect(low[0].at).toBeGreaterThanOrEqual(removeUrgentAt);
          expectSaturated(starts, low[0].at);
          // …and started as soon as it stopped: when the last urgent run ended.
          const lastUrgent = starts.filter((x) => x.task !== 'low' && x.at < low[0].at).at(-1) as Start;
          expect(low[0].at).toBe(Math.max(removeUrgentAt, lastUrgent.at + lastUrgent.duration));
          expect(urgentWaitingAtLowStart).toEqual([0]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
