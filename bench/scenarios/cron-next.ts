// Scenario 6 — cron next-fire cost.
//   ours:        a `* * * * * *` task driven by a TestScheduler through `virtualSeconds` of virtual
//                time (no real waiting): runs per wall-clock second, dispatch included.
//   ours-next:   our raw cron maths, nextCronTime() on the shared parsed expression.
//   croner:      Cron#nextRun(previous) on one parsed pattern.
//   cron-parser: CronExpression#next() on one parsed expression.
import { Cron } from 'croner';
import { CronExpressionParser } from 'cron-parser';
import { TestScheduler } from 'rxjs/testing';
import { Scheduler, nextCronTime, parseCron, periodicTrigger } from '../../src/index';
import { gc, main, readParams } from '../lib/child';

const params = readParams({ impl: 'ours', virtualSeconds: 100_000, n: 100_000, warmup: 5_000 });

const EXPR = '* * * * * *';
const START = Date.UTC(2026, 0, 1);

/** Returns the number of fires computed. */
const impls: Record<string, (n: number) => number> = {
  ours(seconds) {
    let runs = 0;
    const testScheduler = new TestScheduler(() => {});
    testScheduler.run(() => {
      const scheduler = new Scheduler({ scheduler: testScheduler });
      scheduler.addTask({ name: 'every-second', triggers: [periodicTrigger({ cron: EXPR })], run: () => void runs++ });
      scheduler.start();
      // Stop just after the last second boundary; flush() then runs every frame up to it.
      testScheduler.schedule(() => void scheduler.stop(), seconds * 1000 + 500);
    });
    return runs;
  },
  'ours-next'(n) {
    const parsed = parseCron(EXPR);
    let t = START;
    for (let i = 0; i < n; i++) t = nextCronTime(parsed, t) as number;
    if (t !== START + n * 1000) throw new Error('ours-next: wrong result');
    return n;
  },
  croner(n) {
    const cron = new Cron(EXPR, { paused: true });
    let d = new Date(START);
    for (let i = 0; i < n; i++) d = cron.nextRun(d) as Date;
    if (d.getTime() !== START + n * 1000) throw new Error('croner: wrong result');
    return n;
  },
  'cron-parser'(n) {
    const expr = CronExpressionParser.parse(EXPR, { currentDate: new Date(START) });
    let t = 0;
    for (let i = 0; i < n; i++) t = expr.next().getTime();
    if (t !== START + n * 1000) throw new Error('cron-parser: wrong result');
    return n;
  },
};

main(async () => {
  const impl = impls[params.impl];
  if (!impl) throw new Error(`unknown impl ${params.impl}`);
  const n = params.impl === 'ours' ? params.virtualSeconds : params.n;
  impl(params.warmup);
  gc();
  const t0 = performance.now();
  const fires = impl(n);
  const ms = performance.now() - t0;
  if (fires !== n) throw new Error(`${params.impl}: ${fires} fires, expected ${n}`);
  return { impl: params.impl, fires, ms, firesPerSec: (fires / ms) * 1000, usPerFire: (ms * 1000) / fires };
});
