// Scenario 4 — registration scale: `n` tasks on a 1-hour interval (kind 'interval') or on
// `0 * * * *` (kind 'cron'): time to register them all, heap per task after a full GC, time to
// remove them all, and the heap left after removal (should be back at the baseline).
//   interval: ours | toad | rxjs (interval()) | setInterval
//   cron:     ours | croner | node-cron | rxjs+cron-parser (parse per task, timer to next())
import { Cron } from 'croner';
import { CronExpressionParser } from 'cron-parser';
import nodeCron from 'node-cron';
import { defer, interval as rxInterval, repeat, timer, type Subscription } from 'rxjs';
import { SimpleIntervalJob, Task as ToadTask, ToadScheduler } from 'toad-scheduler';
import { Scheduler, periodicTrigger } from '../../src/index';
import { heapAfterGc, main, readParams } from '../lib/child';

const params = readParams({ impl: 'ours', kind: 'interval', n: 100_000, warmup: 1_000 });

const HOUR = 3_600_000;
const CRON = '0 * * * *';
const noop = (): void => {};

/** Creates the implementation's scheduler; `add(i)` registers task i, `remove(i)` removes it. */
interface Impl {
  add(i: number): void;
  remove(i: number): void | Promise<void>;
  /** Drops the bench's own references to the handles (so only the library's retention remains). */
  forget(): void;
  close(): void | Promise<void>;
}
type Factory = (n: number) => Impl;

/** A handle array allocated up front (before the baseline), cleared by forget(). */
function handles<T>(n: number): { a: (T | undefined)[]; forget: () => void } {
  const a = new Array<T | undefined>(n).fill(undefined);
  return { a, forget: () => a.fill(undefined) };
}

const intervalImpls: Record<string, Factory> = {
  ours(n) {
    const scheduler = new Scheduler();
    scheduler.start();
    const h = handles<string>(n);
    return {
      add: (i) => (h.a[i] = scheduler.addTask({ name: 'job', triggers: [periodicTrigger({ interval: HOUR })], run: noop }).id),
      remove: (i) => void scheduler.removeTask(h.a[i] as string),
      forget: h.forget,
      close: () => scheduler.stop(),
    };
  },
  toad(n) {
    const scheduler = new ToadScheduler();
    return {
      add: (i) => scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ hours: 1 }, new ToadTask(`j${i}`, noop), { id: `j${i}` })),
      remove: (i) => void scheduler.removeById(`j${i}`),
      forget: noop,
      close: () => scheduler.stop(),
    };
  },
  rxjs(n) {
    const h = handles<Subscription>(n);
    return {
      add: (i) => (h.a[i] = rxInterval(HOUR).subscribe(noop)),
      remove: (i) => h.a[i]?.unsubscribe(),
      forget: h.forget,
      close: noop,
    };
  },
  setInterval(n) {
    const h = handles<NodeJS.Timeout>(n);
    return {
      add: (i) => (h.a[i] = setInterval(noop, HOUR)),
      remove: (i) => clearInterval(h.a[i]),
      forget: h.forget,
      close: noop,
    };
  },
};

const cronImpls: Record<string, Factory> = {
  ours(n) {
    const scheduler = new Scheduler();
    scheduler.start();
    const h = handles<string>(n);
    return {
      add: (i) => (h.a[i] = scheduler.addTask({ name: 'job', triggers: [periodicTrigger({ cron: CRON })], run: noop }).id),
      remove: (i) => void scheduler.removeTask(h.a[i] as string),
      forget: h.forget,
      close: () => scheduler.stop(),
    };
  },
  croner(n) {
    const h = handles<Cron>(n);
    return {
      add: (i) => (h.a[i] = new Cron(CRON, noop)),
      remove: (i) => h.a[i]?.stop(),
      forget: h.forget,
      close: noop,
    };
  },
  'node-cron'(n) {
    const h = handles<ReturnType<typeof nodeCron.schedule>>(n);
    return {
      add: (i) => (h.a[i] = nodeCron.schedule(CRON, noop)),
      remove: (i) => h.a[i]?.destroy(),
      forget: h.forget,
      close: noop,
    };
  },
  'rxjs+cron-parser'(n) {
    const h = handles<Subscription>(n);
    return {
      add: (i) => {
        const expr = CronExpressionParser.parse(CRON);
        h.a[i] = defer(() => timer(expr.next().toDate()))
          .pipe(repeat())
          .subscribe(noop);
      },
      remove: (i) => h.a[i]?.unsubscribe(),
      forget: h.forget,
      close: noop,
    };
  },
};

async function measure(factory: Factory, n: number): Promise<Record<string, number>> {
  const impl = factory(n);
  const heap0 = heapAfterGc();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) impl.add(i);
  const registerMs = performance.now() - t0;
  const heap1 = heapAfterGc();
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = impl.remove(i);
    if (r) await r;
  }
  const removeMs = performance.now() - t1;
  impl.forget();
  const heap2 = heapAfterGc();
  await impl.close();
  return {
    registerMs,
    removeMs,
    bytesPerTask: (heap1 - heap0) / n,
    retainedBytes: heap2 - heap0,
    retainedPerTask: (heap2 - heap0) / n,
    registerUsPerTask: (registerMs * 1000) / n,
  };
}

main(async () => {
  const table = params.kind === 'cron' ? cronImpls : intervalImpls;
  const factory = table[params.impl];
  if (!factory) throw new Error(`unknown ${params.kind} impl ${params.impl}`);
  if (params.warmup > 0) await measure(factory, params.warmup);
  const result = await measure(factory, params.n);
  return { impl: params.impl, kind: params.kind, n: params.n, ...result };
});
