/**
 * Retries with exponential backoff. `sync-inventory` fails its first three attempts and succeeds
 * on the fourth; `send-report` always fails and gives up after its retries. The n-th retry waits
 * `delay × 2^(n−1)` ms, capped at `maxDelay`; a retry waiting out its delay holds no slot. Every
 * attempt is recorded in `task.history`, printed at the end. The events are read with `for await`.
 *
 *   npx tsx examples/retry.ts
 */
import { Scheduler, oneTimeTrigger } from '../src/index';

const scheduler = new Scheduler({ maxRunningTasks: 2 });

let inventoryCalls = 0;
const syncInventory = scheduler.addTask({
  name: 'sync-inventory',
  triggers: [oneTimeTrigger({ after: 0 })],
  retry: { maxRetries: 5, delay: 100, backoff: 'exponential', maxDelay: 1_000 },
  run: async () => {
    if (++inventoryCalls < 4) throw new Error(`inventory service unavailable (call ${inventoryCalls})`);
    return { items: 42 };
  },
});

const sendReport = scheduler.addTask({
  name: 'send-report',
  triggers: [oneTimeTrigger({ after: 50 })],
  retry: { maxRetries: 2, delay: 150 }, // backoff: 'fixed' is the default
  run: () => {
    throw new Error('mail server refused the connection');
  },
});

const t0 = Date.now();
const names = new Map(scheduler.tasks().map((t) => [t.id, t.name]));
const events = scheduler.events(); // an async iterable over events$; subscribe before start()
scheduler.start();

// Both tasks have only one-time triggers, so each is removed once its run (with retries) has ended.
let removed = 0;
for await (const e of events) {
  const ms = String(e.at - t0).padStart(5); // e.at: the scheduler's clock
  const name = names.get(e.taskId ?? '');
  if (e.type === 'run-failed') console.log(`${ms} ms  ${name} attempt ${e.attempt} failed: ${(e.error as Error).message}`);
  if (e.type === 'retry-scheduled') console.log(`${ms} ms  ${name} attempt ${e.attempt} in ${e.delay} ms`);
  if (e.type === 'run-succeeded') console.log(`${ms} ms  ${name} attempt ${e.attempt} succeeded`);
  if (e.type === 'task-removed' && ++removed === 2) break; // leaving the loop unsubscribes
}
await scheduler.stop();

for (const task of [syncInventory, sendReport]) {
  console.log(`\n${task.name} history:`);
  console.log('attempt  status     since fire  result / error');
  for (const x of task.history) {
    const outcome = x.status === 'succeeded' ? JSON.stringify(x.result) : (x.error as Error).message;
    console.log(`${String(x.attempt).padStart(7)}  ${x.status.padEnd(9)}  ${String(x.startedAt - x.firedAt).padStart(7)} ms  ${outcome}`);
  }
}
console.log('\nstopped');
