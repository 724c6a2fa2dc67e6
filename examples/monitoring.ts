/**
 * Monitoring and resource limits in one short run — it exits by itself after about 4 seconds.
 *
 *   heartbeat   every 250 ms, essential (priority 0)
 *   crunch      every 150 ms, essential; from 1.0 s to 2.2 s it blocks the event loop ~120 ms per run
 *   report      every 300 ms, background (priority 10), a few ms of CPU per run
 *   flaky       every 700 ms, background, fails every other run
 *
 * While `crunch` overloads the event loop, the background tasks are held back ('throttled'); they
 * run again once the loop recovers ('unthrottled'). A status table is printed every second from
 * `stats$`, a summary from `stats()` at the end, and a Gantt chart of every attempt is written to
 * the OS temp directory.
 *
 *   npx tsx examples/monitoring.ts
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Scheduler, periodicTrigger, renderStatusTable, renderTimeline } from '../src/index';

/** Keeps the CPU busy for `ms` (blocking the event loop). */
function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

// A scheduler that measures per-task CPU time and protects the event loop.
const scheduler = new Scheduler({
  maxRunningTasks: 2,
  monitor: { cpu: true }, // per-task on-CPU time in stats().tasks[i].cpuMs (opt-in)
  resourceLimits: { eventLoopDelayMs: 50 }, // while the event loop lags more than 50 ms …
  essentialPriority: 0, // … only runs of priority ≤ 0 start; the others wait (they are not dropped)
});

let overload = false;

scheduler.addTask({
  id: 'heartbeat',
  name: 'heartbeat',
  priority: 0,
  triggers: [periodicTrigger({ interval: 250 })],
  run: () => delay(5),
});
scheduler.addTask({
  id: 'crunch',
  name: 'crunch',
  priority: 0,
  triggers: [periodicTrigger({ interval: 150 })],
  run: () => burnCpu(overload ? 120 : 1),
});
scheduler.addTask({
  id: 'report',
  name: 'report',
  priority: 10,
  triggers: [periodicTrigger({ interval: 300 })],
  run: async () => {
    burnCpu(3);
    await delay(20);
    burnCpu(2);
  },
});
let flakyRuns = 0;
scheduler.addTask({
  id: 'flaky',
  name: 'flaky',
  priority: 10,
  triggers: [periodicTrigger({ interval: 700 })],
  run: async () => {
    await delay(10);
    if (++flakyRuns % 2 === 0) throw new Error('upstream returned 503');
  },
});

// Throttling is reported on events$.
scheduler.events$.subscribe((e) => {
  if (e.type === 'throttled') console.log(`throttled: ${e.reason} exceeded, background runs wait`);
  if (e.type === 'unthrottled') console.log('unthrottled: background runs start again, in priority order');
});

// A status table every second, on the scheduler's clock.
const table = scheduler.stats$(1_000).subscribe((snapshot) => {
  console.log(`\n${renderStatusTable(snapshot, { now: snapshot.at, color: process.stdout.isTTY === true })}`);
});

scheduler.start();
setTimeout(() => (overload = true), 1_000);
setTimeout(() => (overload = false), 2_200);
await delay(4_000);

table.unsubscribe();
await scheduler.stop({ timeout: 1_000 });

// A snapshot: per task counts, distributions and CPU; per scheduler running, waiting, event loop, memory.
const stats = scheduler.stats();
for (const t of stats.tasks) {
  console.log(
    `${t.name.padEnd(10)} runs ${String(t.runs).padStart(3)}  failures ${t.failures}  ` +
      `wait p95 ${t.wait.p95.toFixed(1)} ms  duration p95 ${t.duration.p95.toFixed(1)} ms  cpu ${t.cpuMs?.toFixed(1)} ms` +
      (t.lastError === undefined ? '' : `  last error: ${(t.lastError as Error).message}`),
  );
}
console.log(
  `event loop delay p99 ${stats.eventLoopDelay.p99.toFixed(1)} ms, utilisation ${(stats.eventLoopUtilization * 100).toFixed(0)} %, ` +
    `heap ${(stats.heapUsed / 2 ** 20).toFixed(1)} MiB, fires/s ${stats.firesPerSecond.toFixed(1)}`,
);

// Every attempt of every task as an SVG Gantt chart.
const history = scheduler.tasks().flatMap((task) => task.history);
const file = join(tmpdir(), 'rx-background-tasks-timeline.svg');
writeFileSync(file, renderTimeline(history, { title: 'examples/monitoring.ts' }));
console.log(`wrote ${file} (${history.length} attempts)`);
