// Per-task CPU time (issue 4 §2), on the real clock and real CPU: on-CPU time is credited to the
// run that spent it — including the synchronous slices of an async run between awaits — and not to
// a run that was merely in progress at the same time.
import { setTimeout as delay } from 'node:timers/promises';
import { NEVER } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, eventTrigger, type SchedulerStatsSnapshot, type TaskStatsSnapshot } from '../../src/index';
import { nextEvent } from './support';

/** Process CPU time (user + system), ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Spins until `ms` of process CPU time have passed. */
function burn(ms: number): void {
  const until = cpuMs() + ms;
  while (cpuMs() < until) {
    // spin
  }
}

const SLICES = 5;
const SLICE_MS = 10;

/** Burns ~50 ms of CPU in 5 slices of ~10 ms, with a setImmediate hop between slices; `onSlice` after each. */
async function burner(onSlice: () => void): Promise<void> {
  for (let i = 0; i < SLICES; i++) {
    burn(SLICE_MS);
    onSlice();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Only waits. */
async function waiter(): Promise<void> {
  await delay(100);
}

/** Runs the burner and the waiter at the same time on `s` and returns the stats once both ended. */
async function runBoth(s: Scheduler): Promise<{ burner: TaskStatsSnapshot; waiter: TaskStatsSnapshot; slicesDuringWait: number }> {
  let waiterDone = false;
  let slicesDuringWait = 0;
  s.addTask({
    id: 'burner',
    name: 'burner',
    triggers: [eventTrigger(NEVER)],
    run: () => burner(() => (slicesDuringWait += waiterDone ? 0 : 1)),
  });
  s.addTask({
    id: 'waiter',
    name: 'waiter',
    triggers: [eventTrigger(NEVER)],
    run: async () => {
      await waiter();
      waiterDone = true;
    },
  });
  const burnerDone = nextEvent(s, 'run-succeeded', 10_000, 'burner');
  const waiterEnded = nextEvent(s, 'run-succeeded', 10_000, 'waiter');
  s.start();
  s.runNow('waiter');
  s.runNow('burner');
  expect(s.runningCount).toBe(2);
  await Promise.all([burnerDone, waiterEnded]);
  const snapshot: SchedulerStatsSnapshot = s.stats();
  await s.stop();
  const find = (id: string) => snapshot.tasks.find((t) => t.id === id) as TaskStatsSnapshot;
  return { burner: find('burner'), waiter: find('waiter'), slicesDuringWait };
}

describe('CPU attribution (monitor: { cpu: true })', () => {
  // One unmeasured round first: process CPU time includes V8's background compiler threads, and
  // compiling the scheduler's and the tracker's code on first use would be billed to whichever
  // slice is running (measured: up to ~5 ms to the waiter's first slice on a loaded machine).
  beforeAll(async () => {
    await runBoth(new Scheduler({ maxRunningTasks: 2, monitor: { cpu: true } }));
  });

  it('credits the burner ~50 ms (± 30 %) and the concurrent waiter under 5 ms', async () => {
    const s = new Scheduler({ maxRunningTasks: 2, monitor: { cpu: true } });
    const { burner, waiter, slicesDuringWait } = await runBoth(s);
    // For the report: the measured figures.
    console.info(`cpu attribution: burner ${burner.cpuMs?.toFixed(2)} ms, waiter ${waiter.cpuMs?.toFixed(3)} ms`);
    // The waiter's run was in progress while the burner burned (a process-wide delta would blame it).
    expect(slicesDuringWait).toBeGreaterThanOrEqual(1);
    expect(burner.runs).toBe(1);
    expect(waiter.runs).toBe(1);
    expect(burner.cpuMs).toBeGreaterThanOrEqual(SLICES * SLICE_MS * 0.7);
    expect(burner.cpuMs).toBeLessThanOrEqual(SLICES * SLICE_MS * 1.3);
    expect(waiter.cpuMs).toBeGreaterThanOrEqual(0);
    expect(waiter.cpuMs).toBeLessThan(5);
  });

  it('keeps two interleaved burners apart: each is credited its own slices', async () => {
    const s = new Scheduler({ maxRunningTasks: 2, monitor: { cpu: true } });
    const order: string[] = [];
    const slices = async (id: string, n: number) => {
      for (let i = 0; i < n; i++) {
        burn(SLICE_MS);
        order.push(id);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    s.addTask({ id: 'big', name: 'big', triggers: [eventTrigger(NEVER)], run: () => slices('big', 5) });
    s.addTask({ id: 'small', name: 'small', triggers: [eventTrigger(NEVER)], run: () => slices('small', 2) });
    const done = Promise.all([nextEvent(s, 'run-succeeded', 10_000, 'big'), nextEvent(s, 'run-succeeded', 10_000, 'small')]);
    s.start();
    s.runNow('big');
    s.runNow('small');
    await done;
    const [big, small] = s.stats().tasks;
    await s.stop();
    console.info(`cpu attribution (interleaved): big ${big.cpuMs?.toFixed(2)} ms, small ${small.cpuMs?.toFixed(2)} ms`);
    expect(order.slice(0, 4)).toEqual(['big', 'small', 'big', 'small']); // the slices did interleave
    expect(big.cpuMs).toBeGreaterThanOrEqual(50 * 0.7);
    expect(big.cpuMs).toBeLessThanOrEqual(50 * 1.3);
    expect(small.cpuMs).toBeGreaterThanOrEqual(20 * 0.7);
    expect(small.cpuMs).toBeLessThanOrEqual(20 * 1.3);
  });

  it('reports cpuMs undefined without monitor.cpu', async () => {
    const s = new Scheduler({ maxRunningTasks: 2 });
    const { burner, waiter } = await runBoth(s);
    expect(burner.runs).toBe(1);
    expect(burner.cpuMs).toBeUndefined();
    expect(waiter.cpuMs).toBeUndefined();
  });

  it('reports 0 (measured, nothing spent) for a task that has not run yet with monitor.cpu', async () => {
    const s = new Scheduler({ monitor: { cpu: true } });
    s.addTask({ id: 'idle', name: 'idle', triggers: [eventTrigger(NEVER)], run: () => undefined });
    s.start();
    const idle = s.stats().tasks[0];
    await s.stop();
    expect(idle.runs).toBe(0);
    expect(idle.cpuMs).toBe(0);
  });
});
