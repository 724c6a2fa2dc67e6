// Property-based checks of the dispatch invariants over random workloads in virtual time
// (SPEC "Semantics": Priority, Concurrency, Overlap, Lifecycle).
//
// Each workload: random tasks (priority 0–5, Observable runs of 0–20 frames on the test clock),
// random fires (an event Subject's next() or runNow(), at random frames), random scheduler-wide
// and per-task pause intervals, a random maxRunningTasks. Everything that happens is appended to
// one chronological log; the invariants are then checked by replaying the log against a model.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { Scheduler, eventTrigger } from '../../src/index';
import type { OverlapPolicy, SchedulerEvent } from '../../src/index';
import { atFrame, failAfter, guard, newTestScheduler, work } from './helpers';

interface TaskSpec {
  readonly priority: number;
  readonly duration: number;
  readonly overlap: OverlapPolicy;
  readonly maxPending?: number;
  readonly retry?: { readonly maxRetries: number; readonly delay: number };
}
interface FireSpec {
  readonly task: number;
  readonly frame: number;
  readonly via: 'subject' | 'runNow';
}
interface Interval {
  readonly from: number;
  readonly length: number;
}
interface Workload {
  readonly maxRunningTasks: number;
  readonly tasks: readonly TaskSpec[];
  readonly fires: readonly FireSpec[];
  readonly pauses: readonly Interval[];
  readonly taskPauses: ReadonlyArray<Interval & { readonly task: number }>;
  /** Per fire id: how many of its attempts fail (the rest succeed). @default none */
  readonly failures?: readonly number[];
}

type LogEntry =
  | { k: 'fire'; id: number; task: number; frame: number }
  | { k: 'start'; id: number; task: number; frame: number; reportedRunning: number; attempt: number }
  | { k: 'end'; id: number; task: number; frame: number; attempt: number; failed: boolean }
  | { k: 'pause' | 'resume'; frame: number }
  | { k: 'pauseTask' | 'resumeTask'; task: number; frame: number };

const LAST_FIRE = 200;
const STOP_AT = 2_000;

/** Merges overlapping intervals so pause()/resume() calls strictly alternate. */
function disjoint(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  const out: Array<{ from: number; to: number }> = [];
  for (const { from, length } of sorted) {
    const to = from + length;
    const last = out[out.length - 1];
    if (last && from <= last.to) last.to = Math.max(last.to, to);
    else out.push({ from, to });
  }
  return out.map(({ from, to }) => ({ from, length: to - from }));
}

function workloadArb(overlaps: readonly OverlapPolicy[]): fc.Arbitrary<Workload> {
  return fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.record({
      maxRunningTasks: fc.integer({ min: 1, max: 4 }),
      tasks: fc.array(
        fc.record({
          priority: fc.integer({ min: 0, max: 5 }),
          duration: fc.integer({ min: 0, max: 20 }),
          overlap: fc.constantFrom(...overlaps),
          maxPending: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        }),
        { minLength: n, maxLength: n },
      ),
      fires: fc.array(
        fc.record({
          task: fc.integer({ min: 0, max: n - 1 }),
          frame: fc.integer({ min: 0, max: LAST_FIRE }),
          via: fc.constantFrom('subject' as const, 'runNow' as const),
        }),
        { maxLength: 30 },
      ),
      pauses: fc.array(fc.record({ from: fc.integer({ min: 0, max: LAST_FIRE }), length: fc.integer({ min: 1, max: 60 }) }), { maxLength: 3 }),
      taskPauses: fc.array(
        fc.record({
          task: fc.integer({ min: 0, max: n - 1 }),
          from: fc.integer({ min: 0, max: LAST_FIRE }),
          length: fc.integer({ min: 1, max: 60 }),
        }),
        { maxLength: 3 },
      ),
    }),
  );
}

interface Outcome {
  readonly log: LogEntry[];
  readonly events: SchedulerEvent[];
  readonly taskIds: string[];
  readonly pendingBeforeStop: number;
}

/** Runs a workload in virtual time and returns the chronological log. */
function simulate(w: Workload, useMaxPending: boolean, stopAt = STOP_AT): Outcome {
  const ts = newTestScheduler();
  const log: LogEntry[] = [];
  const events: SchedulerEvent[] = [];
  const taskIds: string[] = [];
  let pendingBeforeStop = -1;
  ts.run(() => {
    guard(ts, stopAt + 1_000);
    const s = new Scheduler({ maxRunningTasks: w.maxRunningTasks, scheduler: ts });
    s.events$.subscribe((e) => events.push(e));
    const subjects = w.tasks.map(() => new Subject<number>());
    w.tasks.forEach((spec, i) => {
      const task = s.addTask({
        name: `t${i}`,
        priority: spec.priority,
        overlap: spec.overlap,
        maxPending: useMaxPending && spec.overlap === 'queue' ? spec.maxPending : undefined,
        retry: spec.retry,
        triggers: [eventTrigger(subjects[i])],
        run: (_a, ctx) => {
          const id = ctx.event as number;
          const attempt = ctx.attempt;
          const failed = attempt <= (w.failures?.[id] ?? 0);
          log.push({ k: 'start', id, task: i, frame: ts.now(), reportedRunning: s.runningCount, attempt });
          const end = () => log.push({ k: 'end', id, task: i, frame: ts.now(), attempt, failed });
          if (spec.duration === 0) {
            end();
            if (failed) throw new Error(`fire ${id} attempt ${attempt} fails`);
            return undefined;
          }
          if (failed) return failAfter(ts, spec.duration, new Error(`fire ${id} attempt ${attempt} fails`), end);
          return work(ts, spec.duration, end);
        },
      });
      taskIds.push(task.id);
    });
    s.start();

    // Every action, in frame order (stable), scheduled up front.
    const actions: Array<{ frame: number; act: () => void }> = [];
    w.fires.forEach((f, id) =>
      actions.push({
        frame: f.frame,
        act: () => {
          log.push({ k: 'fire', id, task: f.task, frame: ts.now() });
          if (f.via === 'subject') subjects[f.task].next(id);
          else s.runNow(taskIds[f.task], id);
        },
      }),
    );
    for (const p of disjoint(w.pauses)) {
      actions.push({ frame: p.from, act: () => (log.push({ k: 'pause', frame: ts.now() }), s.pause()) });
      actions.push({ frame: p.from + p.length, act: () => (log.push({ k: 'resume', frame: ts.now() }), s.resume()) });
    }
    w.tasks.forEach((_t, task) => {
      for (const p of disjoint(w.taskPauses.filter((tp) => tp.task === task))) {
        actions.push({ frame: p.from, act: () => (log.push({ k: 'pauseTask', task, frame: ts.now() }), s.pauseTask(taskIds[task])) });
        actions.push({ frame: p.from + p.length, act: () => (log.push({ k: 'resumeTask', task, frame: ts.now() }), s.resumeTask(taskIds[task])) });
      }
    });
    actions.sort((a, b) => a.frame - b.frame);
    for (const a of actions) atFrame(ts, a.frame, a.act);
    atFrame(ts, stopAt, () => {
      pendingBeforeStop = s.pendingCount;
      void s.stop();
    });
  });
  return { log, events, taskIds, pendingBeforeStop };
}

/**
 * Replays the log against a model of "waiting" and "running" and checks, for 'queue' and 'allow'
 * tasks (which never drop a fire):
 * - never more than maxRunningTasks running (counted, and as reported by runningCount);
 * - one run of a 'queue' task at a time;
 * - no start while the scheduler or the task is paused;
 * - at each start, no other eligible waiting fire has a lower (priority, fire order) key;
 * - at the end of every frame, if not paused, no slot is idle while an eligible fire waits;
 * - every fire starts exactly once.
 */
function checkDispatch(w: Workload, { log, pendingBeforeStop }: Outcome): void {
  const max = w.maxRunningTasks;
  const waiting = new Map<number, { task: number; seq: number }>();
  const runningOf = new Map<number, number>();
  const started = new Map<number, number>();
  const taskPaused = new Set<number>();
  let running = 0;
  let paused = false;
  const eligible = (task: number) => !taskPaused.has(task) && (w.tasks[task].overlap === 'allow' || (runningOf.get(task) ?? 0) === 0);
  const key = (f: { task: number; seq: number }) => [w.tasks[f.task].priority, f.seq] as const;
  const before = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

  log.forEach((e, i) => {
    switch (e.k) {
      case 'fire':
        waiting.set(e.id, { task: e.task, seq: i });
        break;
      case 'start': {
        const fire = waiting.get(e.id);
        expect(fire, `start of fire ${e.id} that is not waiting (frame ${e.frame})`).toBeDefined();
        expect(paused, `start at ${e.frame} while the scheduler is paused`).toBe(false);
        expect(taskPaused.has(e.task), `start at ${e.frame} of a paused task`).toBe(false);
        expect(running, `start at ${e.frame} with every slot busy`).toBeLessThan(max);
        if (w.tasks[e.task].overlap !== 'allow') {
          expect(runningOf.get(e.task) ?? 0, `start at ${e.frame} of a '${w.tasks[e.task].overlap}' task already running`).toBe(0);
        }
        expect(e.reportedRunning).toBeLessThanOrEqual(max);
        for (const [other, o] of waiting) {
          if (other === e.id || !eligible(o.task)) continue;
          expect(
            before(key(o), key(fire!)),
            `at ${e.frame} fire ${e.id} (task ${e.task}, priority ${w.tasks[e.task].priority}) started before fire ${other} (task ${o.task}, priority ${w.tasks[o.task].priority}) that should go first`,
          ).toBe(false);
        }
        waiting.delete(e.id);
        started.set(e.id, (started.get(e.id) ?? 0) + 1);
        running++;
        runningOf.set(e.task, (runningOf.get(e.task) ?? 0) + 1);
        break;
      }
      case 'end':
        running--;
        runningOf.set(e.task, (runningOf.get(e.task) ?? 0) - 1);
        break;
      case 'pause':
        paused = true;
        break;
      case 'resume':
        paused = false;
        break;
      case 'pauseTask':
        taskPaused.add(e.task);
        break;
      case 'resumeTask':
        taskPaused.delete(e.task);
        break;
    }
    const endOfFrame = i === log.length - 1 || log[i + 1].frame !== e.frame;
    if (endOfFrame && !paused && running < max) {
      const idle = [...waiting.entries()].filter(([, o]) => eligible(o.task));
      expect(idle, `end of frame ${e.frame}: ${running}/${max} running while eligible fires wait`).toEqual([]);
    }
  });

  const fired = log.filter((e) => e.k === 'fire').map((e) => (e as { id: number }).id);
  expect([...started.keys()].sort((a, b) => a - b)).toEqual([...fired].sort((a, b) => a - b));
  expect([...started.values()].every((n) => n === 1)).toBe(true);
  expect(running).toBe(0);
  expect(pendingBeforeStop).toBe(0);
}

/**
 * The same invariants with retries: a failed attempt's retry becomes waiting `delay` after the
 * failure, keeps its task's priority and its original fire order, holds no slot while it waits,
 * and (for 'queue') keeps the task's next fire waiting until the whole run has ended.
 */
function checkWithRetries(w: Workload, { log, pendingBeforeStop }: Outcome): void {
  const max = w.maxRunningTasks;
  type Waiting = { task: number; seq: number; readyAt: number; retry: boolean; attempt: number };
  const waiting = new Map<number, Waiting>();
  const activeRuns = new Map<number, number>();
  const attemptsOf = new Map<number, number>();
  const taskPaused = new Set<number>();
  let running = 0;
  let paused = false;
  const eligible = (o: Waiting) =>
    !taskPaused.has(o.task) && (w.tasks[o.task].overlap === 'allow' || o.retry || (activeRuns.get(o.task) ?? 0) === 0);
  const before = (a: Waiting, b: Waiting) =>
    w.tasks[a.task].priority < w.tasks[b.task].priority || (w.tasks[a.task].priority === w.tasks[b.task].priority && a.seq < b.seq);

  log.forEach((e, i) => {
    switch (e.k) {
      case 'fire':
        waiting.set(e.id, { task: e.task, seq: i, readyAt: e.frame, retry: false, attempt: 1 });
        break;
      case 'start': {
        const me = waiting.get(e.id);
        expect(me, `start of fire ${e.id} attempt ${e.attempt} that is not waiting (frame ${e.frame})`).toBeDefined();
        expect(e.attempt).toBe(me!.attempt);
        expect(me!.readyAt, `retry of fire ${e.id} started before its delay ended`).toBeLessThanOrEqual(e.frame);
        expect(paused).toBe(false);
        expect(taskPaused.has(e.task)).toBe(false);
        expect(running, `start at ${e.frame} with every slot busy`).toBeLessThan(max);
        expect(e.reportedRunning).toBeLessThanOrEqual(max);
        if (e.attempt === 1 && w.tasks[e.task].overlap !== 'allow') expect(activeRuns.get(e.task) ?? 0).toBe(0);
        for (const [other, o] of waiting) {
          if (other === e.id || o.readyAt >= e.frame || !eligible(o)) continue;
          expect(before(o, me!), `at ${e.frame} fire ${e.id}#${e.attempt} started before fire ${other}#${o.attempt} that should go first`).toBe(false);
        }
        waiting.delete(e.id);
        running++;
        if (e.attempt === 1) activeRuns.set(e.task, (activeRuns.get(e.task) ?? 0) + 1);
        attemptsOf.set(e.id, e.attempt);
        break;
      }
      case 'end': {
        running--;
        const retry = w.tasks[e.task].retry;
        if (e.failed && retry && e.attempt <= retry.maxRetries) {
          const fireSeq = log.findIndex((x) => x.k === 'fire' && x.id === e.id);
          waiting.set(e.id, { task: e.task, seq: fireSeq, readyAt: e.frame + retry.delay, retry: true, attempt: e.attempt + 1 });
        } else {
          activeRuns.set(e.task, (activeRuns.get(e.task) ?? 0) - 1);
        }
        break;
      }
      case 'pause':
        paused = true;
        break;
      case 'resume':
        paused = false;
        break;
      case 'pauseTask':
        taskPaused.add(e.task);
        break;
      case 'resumeTask':
        taskPaused.delete(e.task);
        break;
    }
    const endOfFrame = i === log.length - 1 || log[i + 1].frame !== e.frame;
    if (endOfFrame && !paused && running < max) {
      const idle = [...waiting.entries()].filter(([, o]) => o.readyAt <= e.frame && eligible(o));
      expect(idle, `end of frame ${e.frame}: ${running}/${max} running while eligible fires wait`).toEqual([]);
    }
  });

  // Every fire ran attempt after attempt until it succeeded or ran out of retries.
  log.forEach((e) => {
    if (e.k !== 'fire') return;
    const retry = w.tasks[e.task].retry;
    const expected = Math.min((w.failures?.[e.id] ?? 0) + 1, (retry?.maxRetries ?? 0) + 1);
    expect(attemptsOf.get(e.id), `attempts of fire ${e.id}`).toBe(expected);
  });
  expect(waiting.size).toBe(0);
  expect(running).toBe(0);
  expect(pendingBeforeStop).toBe(0);
}

const retryWorkload: fc.Arbitrary<Workload> = workloadArb(['queue', 'allow']).chain((w) =>
  fc
    .record({
      retries: fc.array(
        fc.option(fc.record({ maxRetries: fc.integer({ min: 0, max: 2 }), delay: fc.integer({ min: 0, max: 15 }) }), { nil: undefined }),
        { minLength: w.tasks.length, maxLength: w.tasks.length },
      ),
      failures: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: w.fires.length, maxLength: w.fires.length }),
    })
    .map(({ retries, failures }) => ({ ...w, tasks: w.tasks.map((t, i) => ({ ...t, retry: retries[i] })), failures })),
);

describe('dispatch invariants over random workloads', () => {
  it("'queue' and 'allow' tasks: concurrency limit, no idle slot, priority then FIFO, every fire runs exactly once", () => {
    fc.assert(
      fc.property(workloadArb(['queue', 'allow']), (w) => {
        checkDispatch(w, simulate(w, false));
      }),
      { numRuns: 150 },
    );
  });

  it("'queue' only, maxRunningTasks 1: runs are strictly sequential in priority-then-FIFO order", () => {
    fc.assert(
      fc.property(
        workloadArb(['queue']).map((w) => ({ ...w, maxRunningTasks: 1 })),
        (w) => {
          const outcome = simulate(w, false);
          checkDispatch(w, outcome);
          // Sequential: every start comes after the previous run's end.
          let open = 0;
          for (const e of outcome.log) {
            if (e.k === 'start') expect(++open).toBe(1);
            if (e.k === 'end') open--;
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('with failures and retries: a retry holds no slot while it waits, then waits by priority and original fire order; every fire gets its attempts', () => {
    fc.assert(
      fc.property(retryWorkload, (w) => {
        checkWithRetries(w, simulate(w, false, 6_000));
      }),
      { numRuns: 150 },
    );
  });

  it('every policy: the limit holds, nothing starts while paused, and every fire is either run or reported (skipped / coalesced / dropped)', () => {
    fc.assert(
      fc.property(workloadArb(['skip', 'buffer-one', 'queue', 'allow']), (w) => {
        const { log, events, taskIds } = simulate(w, true);
        let running = 0;
        let paused = false;
        const taskPaused = new Set<number>();
        const runningOf = new Map<number, number>();
        const starts = new Map<number, number>();
        for (const e of log) {
          if (e.k === 'pause') paused = true;
          if (e.k === 'resume') paused = false;
          if (e.k === 'pauseTask') taskPaused.add(e.task);
          if (e.k === 'resumeTask') taskPaused.delete(e.task);
          if (e.k === 'start') {
            expect(paused).toBe(false);
            expect(taskPaused.has(e.task)).toBe(false);
            if (w.tasks[e.task].overlap !== 'allow') expect(runningOf.get(e.task) ?? 0, `'${w.tasks[e.task].overlap}' task started while running`).toBe(0);
            runningOf.set(e.task, (runningOf.get(e.task) ?? 0) + 1);
            running++;
            expect(running).toBeLessThanOrEqual(w.maxRunningTasks);
            expect(e.reportedRunning).toBeLessThanOrEqual(w.maxRunningTasks);
            starts.set(e.id, (starts.get(e.id) ?? 0) + 1);
          }
          if (e.k === 'end') {
            running--;
            runningOf.set(e.task, (runningOf.get(e.task) ?? 0) - 1);
          }
        }
        expect([...starts.values()].every((n) => n === 1)).toBe(true);
        // Accounting per task: fires = runs + skipped + coalesced + dropped (nothing waits at the end).
        w.tasks.forEach((_t, i) => {
          const fires = log.filter((e) => e.k === 'fire' && e.task === i).length;
          const runs = log.filter((e) => e.k === 'start' && e.task === i).length;
          const lost = events.filter(
            (e) => e.taskId === taskIds[i] && (e.type === 'skipped' || e.type === 'coalesced' || e.type === 'dropped'),
          ).length;
          expect(runs + lost, `task ${i} (${w.tasks[i].overlap}): ${fires} fires, ${runs} runs, ${lost} reported lost`).toBe(fires);
          if (w.tasks[i].overlap === 'queue' || w.tasks[i].overlap === 'allow') {
            // These policies only ever lose a fire beyond maxPending.
            const skippedOrCoalesced = events.filter((e) => e.taskId === taskIds[i] && (e.type === 'skipped' || e.type === 'coalesced'));
            expect(skippedOrCoalesced).toEqual([]);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});
