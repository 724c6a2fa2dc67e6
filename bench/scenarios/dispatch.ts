// Scenario 1 — dispatch throughput: n fires of no-op async runs with random priorities 0–9,
// at most `concurrency` at once, all queued synchronously; time until every run has ended.
//   impl: ours | limit | p-queue | rxjs
import PQueue from 'p-queue';
import { Subject, from, mergeMap } from 'rxjs';
import { Scheduler, eventTrigger } from '../../src/index';
import { BinaryHeap } from '../lib/heap';
import { gc, main, nextMacrotask, readParams, retain } from '../lib/child';
import { rng } from '../lib/stats';

const params = readParams({ impl: 'ours', n: 200_000, concurrency: 8, warmup: 20_000, warmupRounds: 5, seed: 42 });

const noop = async (): Promise<void> => {};

function priorities(n: number, seed: number): Uint8Array {
  const random = rng(seed);
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = Math.floor(random() * 10);
  return p;
}

type Impl = (prio: Uint8Array, concurrency: number) => Promise<number>;

/** Ours: 10 tasks, one per priority, each an eventTrigger with overlap 'allow'. */
async function ours(prio: Uint8Array, concurrency: number, cpu: boolean): Promise<number> {
  const n = prio.length;
  const scheduler = new Scheduler({ maxRunningTasks: concurrency, monitor: { cpu } });
  const subjects = Array.from({ length: 10 }, () => new Subject<number>());
  retain([scheduler, subjects]);
  let started = 0;
  let allStarted!: () => void;
  const done = new Promise<void>((resolve) => (allStarted = resolve));
  for (let p = 0; p < 10; p++) {
    scheduler.addTask({
      name: `p${p}`,
      priority: p,
      overlap: 'allow',
      triggers: [eventTrigger(subjects[p])],
      run: () => {
        if (++started === n) allStarted();
        return noop();
      },
    });
  }
  scheduler.start();
  for (let i = 0; i < n; i++) subjects[prio[i]].next(i);
  await done;
  // The last runs have started; wait until they have ended too.
  while (scheduler.runningCount > 0 || scheduler.pendingCount > 0) await nextMacrotask();
  await scheduler.stop();
  return started;
}

/** Returns the number of runs that ended. */
const impls: Record<string, Impl> = {
  ours: (prio, concurrency) => ours(prio, concurrency, false),
  /** The same with per-task CPU attribution on (`monitor: { cpu: true }`): its overhead. */
  'ours-cpu': (prio, concurrency) => ours(prio, concurrency, true),

  async limit(prio, concurrency) {
    const n = prio.length;
    const heap = new BinaryHeap<() => Promise<void>>();
    retain(heap);
    for (let i = 0; i < n; i++) heap.push(prio[i], i, noop);
    let ended = 0;
    const worker = async (): Promise<void> => {
      for (let run = heap.pop(); run; run = heap.pop()) {
        await run();
        ended++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return ended;
  },

  async 'p-queue'(prio, concurrency) {
    const n = prio.length;
    const queue = new PQueue({ concurrency });
    retain(queue);
    let ended = 0;
    const run = async (): Promise<void> => {
      await noop();
      ended++;
    };
    // p-queue: higher number = more urgent; ours: lower number = more urgent.
    for (let i = 0; i < n; i++) void queue.add(run, { priority: 9 - prio[i] });
    await queue.onIdle();
    return ended;
  },

  async rxjs(prio, concurrency) {
    // Plain RxJS has no priorities: mergeMap with a concurrency limit, FIFO.
    const n = prio.length;
    const subject = new Subject<number>();
    retain(subject);
    let ended = 0;
    const done = new Promise<void>((resolve, reject) => {
      subject.pipe(mergeMap(() => from(noop()), concurrency)).subscribe({
        next: () => void ended++,
        error: reject,
        complete: resolve,
      });
    });
    for (let i = 0; i < n; i++) subject.next(prio[i]);
    subject.complete();
    await done;
    return ended;
  },
};

main(async () => {
  const impl = impls[params.impl];
  if (!impl) throw new Error(`unknown impl ${params.impl}`);
  // Warm-up: a few rounds at a moderate depth get the JIT to its optimized tiers without paying
  // the O(n²) peers' deep-queue cost twice.
  for (let r = 0; r < params.warmupRounds && params.warmup > 0; r++) {
    await impl(priorities(Math.min(params.warmup, params.n), params.seed + 1 + r), params.concurrency);
  }
  const prio = priorities(params.n, params.seed);
  gc(); // the last warm-up round's instance is still reachable (retain): see lib/child.ts
  const t0 = performance.now();
  const ended = await impl(prio, params.concurrency);
  const ms = performance.now() - t0;
  if (ended !== params.n) throw new Error(`${params.impl}: ${ended} of ${params.n} runs ended`);
  return { impl: params.impl, n: params.n, ms, runsPerSec: (params.n / ms) * 1000 };
});
