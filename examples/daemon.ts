/**
 * A compute-node daemon in miniature — what `npm start` runs. Several tasks share one scheduler
 * with at most two runs at once:
 *
 *   heartbeat        every 2 s (jitter, timeout, retries)                      priority 0
 *   receiveMessages  a mailbox listener, fed by a simulated message source     priority 5
 *   rotate-logs      cron '*\/10 * * * * *' (every ten seconds)                 priority 20
 *   maintenance      every 3 s, flaky, retried with exponential backoff       priority 50
 *
 * On a terminal a live status table (state, priority, next fire, runs, failures, p95 duration,
 * CPU per task; event-loop delay and throttling) is redrawn in place with the latest events under
 * it; otherwise every run is logged on one line and the table is printed every 5 s. Background
 * work (priority above 5) is held back while the event loop is overloaded. Ctrl-C (SIGINT) or
 * SIGTERM stops gracefully: triggers are disarmed, running attempts get up to 5 s to finish,
 * `timeline.svg` (a Gantt chart of every attempt) is written, then the process exits 0. The
 * library installs no signal handlers — this is the daemon's job.
 *
 *   npm start                                    # until Ctrl-C
 *   npm start -- --duration 10000                # stops by itself after 10 s (or DEMO_DURATION_MS=10000)
 */
import { writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Scheduler,
  eventTrigger,
  periodicTrigger,
  renderStatusTable,
  renderTimeline,
  type Execution,
  type SchedulerEvent,
} from '../src/index';
import { Mailbox } from './lib/mailbox';

interface Message {
  readonly id: number;
  readonly body: string;
}

const scheduler = new Scheduler({
  maxRunningTasks: 2,
  monitor: { cpu: true }, // per-task CPU time in the status table
  resourceLimits: { eventLoopDelayMs: 100 }, // hold background work back while the loop is overloaded
  essentialPriority: 5, // heartbeat and the mailbox always run
});
const mailbox = new Mailbox<Message>();

scheduler.addTask({
  name: 'heartbeat',
  id: 'heartbeat',
  priority: 0,
  triggers: [periodicTrigger({ interval: 2_000, jitter: 100 })],
  args: { endpoint: 'https://telemetry.example/heartbeat' },
  timeout: 1_000,
  retry: { maxRetries: 2, delay: 100, backoff: 'exponential' },
  run: (_args, ctx) => delay(50 + Math.random() * 100, undefined, { signal: ctx.signal }),
});

scheduler.addTask({
  name: 'receiveMessages',
  id: 'receiveMessages',
  priority: 5,
  triggers: [eventTrigger(mailbox)], // pulled with back-pressure; overlap defaults to 'queue'
  run: (_args, ctx) => delay(100 + Math.random() * 400, undefined, { signal: ctx.signal }),
});

scheduler.addTask({
  name: 'rotate-logs',
  id: 'rotate-logs',
  priority: 20,
  triggers: [periodicTrigger({ cron: '*/10 * * * * *' })],
  run: () => delay(30),
});

scheduler.addTask({
  name: 'maintenance',
  id: 'maintenance',
  priority: 50,
  triggers: [periodicTrigger({ interval: 3_000 })],
  timeout: 1_500,
  retry: { maxRetries: 3, delay: 200, backoff: 'exponential', maxDelay: 2_000 },
  run: async (_args, ctx) => {
    await delay(200 + Math.random() * 300, undefined, { signal: ctx.signal });
    if (Math.random() < 0.5) throw new Error('disk check failed');
  },
});

// ── Console log: one line per run-started / run-succeeded / run-failed / retry-scheduled / skipped / dropped ──

const live = process.stdout.isTTY === true && process.env.CI === undefined;
const recent: string[] = []; // the latest event lines, shown under the live table
const attempts: Execution[] = []; // every attempt, for timeline.svg

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function logEvent(e: SchedulerEvent): void {
  let detail: string;
  switch (e.type) {
    case 'run-started':
      detail = `attempt ${e.attempt}${e.event === undefined ? '' : `  message #${(e.event as Message).id}`}`;
      break;
    case 'run-succeeded':
      attempts.push(e.execution!);
      detail = `attempt ${e.attempt}  ${e.execution!.endedAt - e.execution!.startedAt} ms`;
      break;
    case 'run-failed':
      attempts.push(e.execution!);
      detail = `attempt ${e.attempt}  ${e.execution!.endedAt - e.execution!.startedAt} ms  ${e.status}: ${(e.error as Error).message}`;
      break;
    case 'retry-scheduled':
      detail = `attempt ${e.attempt} in ${e.delay} ms`;
      break;
    case 'throttled':
    case 'unthrottled':
      detail = e.reason ?? '';
      break;
    case 'skipped':
    case 'dropped':
      detail = `${e.attempt === undefined ? '' : `attempt ${e.attempt}  `}${e.reason}`;
      break;
    default:
      return;
  }
  const line = `${clock(e.at)}  ${(e.taskId ?? '').padEnd(15)}  ${e.type.padEnd(15)}  ${detail}`;
  if (!live) return console.log(line);
  recent.push(line);
  if (recent.length > 10) recent.shift();
}

scheduler.events$.subscribe(logEvent);

/** The status table: redrawn in place on a terminal, printed as a block otherwise. */
function printStatus(): void {
  const table = renderStatusTable(scheduler.stats(), { now: Date.now(), color: live });
  if (!live) {
    console.log(`${clock(Date.now())}  status (mailbox ${mailbox.size} waiting):\n${table}`);
    return;
  }
  // Home the cursor and clear the screen, then draw the table and the latest events under it.
  process.stdout.write(`\x1b[H\x1b[2J${table}\n\nmailbox: ${mailbox.size} waiting   (Ctrl-C to stop)\n\n${recent.join('\n')}\n`);
}

// ── A simulated message source: a message every 300–1 200 ms ──

let nextMessage = 1;
let producer: NodeJS.Timeout | undefined;
function produce(): void {
  mailbox.push({ id: nextMessage, body: `job #${nextMessage}` });
  nextMessage++;
  producer = setTimeout(produce, 300 + Math.random() * 900);
}

// ── Start, and stop gracefully on a signal or after --duration ──

const statusTimer = setInterval(printStatus, live ? 500 : 5_000);
let durationTimer: NodeJS.Timeout | undefined;
let stopping = false;

async function shutdown(reason: string): Promise<void> {
  // stop() is bounded by its timeout, so a second signal (or the same Ctrl-C relayed by npm or
  // tsx) need not force anything.
  if (stopping) return;
  stopping = true;
  clearTimeout(producer);
  clearTimeout(durationTimer);
  clearInterval(statusTimer);
  console.log(`${clock(Date.now())}  stopping (${reason}): running attempts get up to 5 s to finish`);
  await scheduler.stop({ timeout: 5_000 });
  mailbox.close();
  printStatus();
  const names = Object.fromEntries(scheduler.tasks().map((t) => [t.id, t.name]));
  writeFileSync('timeline.svg', renderTimeline(attempts, { names, title: 'rx-background-tasks demo daemon' }));
  console.log(`${clock(Date.now())}  wrote timeline.svg (${attempts.length} attempts)`);
  console.log(`${clock(Date.now())}  stopped`);
  // Nothing of the scheduler's is left on the event loop now, so the process exits by itself.
  setTimeout(() => {
    console.error('still alive 2 s after stop(): something leaked a timer');
    process.exit(1);
  }, 2_000).unref();
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

const duration = parseDuration(process.argv.slice(2), process.env.DEMO_DURATION_MS);
if (duration !== undefined) durationTimer = setTimeout(() => void shutdown(`--duration ${duration}`), duration);

scheduler.start();
produce();
console.log(
  `${clock(Date.now())}  started ${scheduler.tasks().length} tasks, at most ${scheduler.maxRunningTasks} at once; ` +
    (duration === undefined ? 'Ctrl-C to stop' : `stopping after ${duration} ms`),
);

function parseDuration(argv: string[], env: string | undefined): number | undefined {
  const i = argv.findIndex((a) => a === '--duration' || a.startsWith('--duration='));
  const text = i < 0 ? env : argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  if (text === undefined || text === '') return undefined;
  const ms = Number(text);
  if (!Number.isFinite(ms) || ms <= 0) {
    console.error(`--duration must be a positive number of ms, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return ms;
}
