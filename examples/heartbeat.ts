/**
 * The telemetry heartbeat from the Go package's seed ("Register Heartbeat"): every interval, tell
 * the telemetry endpoint that this node is alive. A periodic trigger with jitter (so a fleet of
 * nodes does not beat in lockstep), a per-attempt timeout that aborts the request, and retries with
 * exponential backoff. Runs for about three seconds, then stops gracefully.
 *
 *   npx tsx examples/heartbeat.ts
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Scheduler, periodicTrigger } from '../src/index';

interface HeartbeatArgs {
  readonly nodeId: string;
  readonly endpoint: string;
}

// A stand-in for the HTTP call: most beats answer in ~50 ms, every fourth request hangs for 400 ms.
let requests = 0;
async function postHeartbeat(args: HeartbeatArgs, signal: AbortSignal): Promise<number> {
  const latency = ++requests % 4 === 0 ? 400 : 50;
  await delay(latency, undefined, { signal }); // rejects as soon as the attempt times out
  return latency;
}

const scheduler = new Scheduler({ maxRunningTasks: 2 });

const heartbeat = scheduler.addTask({
  name: 'heartbeat',
  id: 'heartbeat',
  priority: 10,
  triggers: [periodicTrigger({ interval: 500, jitter: 50 })],
  args: { nodeId: 'node-1', endpoint: 'https://telemetry.example/heartbeat' },
  timeout: 200,
  retry: { maxRetries: 2, delay: 50, backoff: 'exponential', maxDelay: 1_000 },
  run: async (args, ctx) => {
    const latency = await postHeartbeat(args, ctx.signal);
    console.log(`beat from ${args.nodeId} (attempt ${ctx.attempt}) answered in ${latency} ms`);
    return latency;
  },
});

scheduler.events$.subscribe((e) => {
  if (e.type === 'run-failed') console.log(`attempt ${e.attempt} ${e.status}: ${(e.error as Error).message}`);
  if (e.type === 'retry-scheduled') console.log(`retry (attempt ${e.attempt}) in ${e.delay} ms`);
});

scheduler.start();
await delay(3_000);
await scheduler.stop({ timeout: 1_000 });

for (const x of heartbeat.history) {
  console.log(`attempt ${x.attempt} ${x.status.padEnd(9)} ${x.endedAt - x.startedAt} ms`);
}
console.log(`stopped after ${heartbeat.history.length} attempts`);
