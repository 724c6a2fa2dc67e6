// Scenario 5 — floods: `n` events into a busy task (its first run waits on a gate that opens
// only after the flood), emitted `chunk` at a time per setImmediate so the stall measured is the
// scheduler's, not the emitter's. Reports flood time, peak heap growth, event-loop stall (a 10 ms
// setInterval's worst lateness) during the flood, heap per waiting event after GC, and — once the
// gate opens — the backlog's drain rate and the stall while it drains (capped at `drainCapMs`).
//   impl: ours-skip | ours-buffer-one | ours-queue | rxjs (mergeMap, concurrency 1) | limit (heap, 1 worker)
import { Subject, from, mergeMap } from 'rxjs';
import { Scheduler, eventTrigger, type OverlapPolicy } from '../../src/index';
import { BinaryHeap } from '../lib/heap';
import { StallMonitor, heapAfterGc, main, memoryInUse, nextMacrotask, readParams } from '../lib/child';

const params = readParams({ impl: 'ours-queue', n: 1_000_000, chunk: 10_000, drainCapMs: 2_000, warmup: 20_000 });

const noop = async (): Promise<void> => {};
const forever = new Promise<void>(() => {});

/**
 * The work of every run after the busy one: a no-op — until the drain deadline has passed, then
 * a run that never ends, so that a backlog draining in one long chain of microtasks (which never
 * lets the runner's own check run) stops at the cap too.
 */
class Work {
  deadline = Infinity;
  capped = false;
  run = (): Promise<void> => {
    if (performance.now() <= this.deadline) return noop();
    this.capped = true;
    return forever;
  };
}

interface Harness {
  /** One event into the busy task. */
  emit(i: number): void;
  /** Fires waiting now (what the heap per waiting event is divided by). */
  waiting(): number;
  /** Runs started after the first (busy) one. */
  started(): number;
  /** Runs expected to start once the gate opens. */
  expected: number;
  /** True when nothing runs or waits. */
  idle(): boolean;
  close(): Promise<void>;
}

type Factory = (gate: Promise<void>, work: Work, n: number) => Harness;

function ours(overlap: OverlapPolicy): Factory {
  return (gate, work, n) => {
    const scheduler = new Scheduler({ maxRunningTasks: 1 });
    const subject = new Subject<number>();
    let runs = 0;
    scheduler.addTask({
      name: 'busy',
      overlap,
      triggers: [eventTrigger(subject)],
      run: () => (runs++ === 0 ? gate : work.run()),
    });
    scheduler.start();
    return {
      emit: (i) => subject.next(i),
      waiting: () => scheduler.pendingCount,
      started: () => Math.max(0, runs - 1),
      expected: overlap === 'queue' ? n - 1 : overlap === 'buffer-one' ? 1 : 0,
      idle: () => scheduler.runningCount === 0 && scheduler.pendingCount === 0,
      close: () => scheduler.stop({ timeout: 0 }),
    };
  };
}

const impls: Record<string, Factory> = {
  'ours-skip': ours('skip'),
  'ours-buffer-one': ours('buffer-one'),
  'ours-queue': ours('queue'),

  rxjs(gate, work, n) {
    const subject = new Subject<number>();
    let runs = 0;
    let active = 0;
    let waiting = 0;
    const sub = subject
      .pipe(
        mergeMap(() => {
          waiting--;
          active++;
          return from(runs++ === 0 ? gate : work.run());
        }, 1),
      )
      .subscribe(() => active--);
    return {
      emit: (i) => {
        waiting++;
        subject.next(i);
      },
      waiting: () => waiting,
      started: () => Math.max(0, runs - 1),
      expected: n - 1,
      idle: () => active === 0 && waiting === 0,
      close: async () => sub.unsubscribe(),
    };
  },

  limit(gate, work, n) {
    const heap = new BinaryHeap<number>();
    let seq = 0;
    let runs = 0;
    let busy = false;
    const worker = async (): Promise<void> => {
      busy = true;
      for (let item = heap.pop(); item !== undefined; item = heap.pop()) {
        await (runs++ === 0 ? gate : work.run());
      }
      busy = false;
    };
    return {
      emit: (i) => {
        heap.push(0, seq++, i);
        if (!busy) void worker();
      },
      waiting: () => heap.size,
      started: () => Math.max(0, runs - 1),
      expected: n - 1,
      idle: () => !busy && heap.size === 0,
      close: async () => {},
    };
  },
};

async function flood(factory: Factory, n: number, chunk: number, drainCapMs: number): Promise<Record<string, number>> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const work = new Work();
  const h = factory(gate, work, n);
  h.emit(0); // the busy run
  await nextMacrotask();

  const heap0 = heapAfterGc();
  const monitor = new StallMonitor(10).start();
  let peak = heap0;
  const t0 = performance.now();
  for (let i = 1; i < n; ) {
    const end = Math.min(n, i + chunk);
    for (; i < end; i++) h.emit(i);
    const used = memoryInUse();
    if (used > peak) peak = used;
    await nextMacrotask();
  }
  const floodMs = performance.now() - t0;
  const floodStall = monitor.read();
  const waiting = h.waiting();
  const heapFlooded = heapAfterGc();

  monitor.reset();
  const t1 = performance.now();
  work.deadline = t1 + drainCapMs;
  open();
  while (!h.idle() && !work.capped) await nextMacrotask();
  const drainMs = Math.min(performance.now(), work.deadline) - t1;
  const drainStall = monitor.stop();
  // A run that found the deadline passed did no work and never ends: not counted as drained.
  const drained = h.started() - (work.capped ? 1 : 0);
  await h.close();
  return {
    floodMs,
    eventsPerSec: ((n - 1) / floodMs) * 1000,
    peakHeapGrowthMB: (peak - heap0) / 2 ** 20,
    floodStallMs: floodStall,
    waiting,
    // Per-event figures only where there is a backlog to divide by ('queue'-like), not 0 or 1.
    bytesPerWaiting: waiting >= 1000 ? (heapFlooded - heap0) / waiting : NaN,
    retainedAfterFloodMB: (heapFlooded - heap0) / 2 ** 20,
    drained,
    expected: h.expected,
    drainComplete: work.capped ? 0 : 1,
    drainMs,
    drainPerSec: drained >= 1000 ? (drained / drainMs) * 1000 : NaN,
    drainStallMs: drainStall,
  };
}

main(async () => {
  const factory = impls[params.impl];
  if (!factory) throw new Error(`unknown impl ${params.impl}`);
  if (params.warmup > 0) await flood(factory, params.warmup, params.chunk, params.drainCapMs);
  const result = await flood(factory, params.n, params.chunk, params.drainCapMs);
  return { impl: params.impl, n: params.n, ...result };
});
