/**
 * A durable shared queue as a mailbox: BullMQ queues on Redis, consumed by schedulers through
 * `eventTrigger(fromBullMQ(queueName, { connection }))`.
 *
 * Every replica of a service reads the same queues; each applies its own priorities, concurrency
 * limit and resource limits, and takes a job from Redis only when it can start it (back-pressure),
 * so the jobs it cannot run yet stay available to the others. A job is acknowledged only after its
 * run succeeded: a failed run nacks it, and BullMQ retries it (the job's `attempts` and `backoff`);
 * a replica that dies mid-run leaves its job to BullMQ's stalled check, which hands it to another
 * replica. Delivery is at-least-once: make handlers idempotent.
 *
 * Here two replicas run in one process so that you can watch them share the work; in production
 * each is a process (or a machine) of its own, running the same code.
 *
 *   bash scripts/redis.sh && redis-server --port 6379 --save '' &    # or any Redis ≥ 6.2
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/bullmq-mailbox.ts
 *
 * Without REDIS_URL it starts nothing: it prints how to start a Redis and exits.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Scheduler, eventTrigger } from '../src/index';
import { fromBullMQ, type BullMQMailbox } from '../src/bullmq';

interface Work {
  readonly n: number;
  /** Fails on its first attempt (to show BullMQ's retry after a nack). */
  readonly flaky?: boolean;
}

const ALERTS = 'rbt-example-alerts';
const REPORTS = 'rbt-example-reports';

const url = process.env.REDIS_URL;
if (!url) {
  console.log(
    [
      'examples/bullmq-mailbox.ts needs a Redis: set REDIS_URL, e.g.',
      '',
      "  bash scripts/redis.sh && redis-server --port 6379 --save '' &",
      '  REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/bullmq-mailbox.ts',
      '',
      '(any Redis ≥ 6.2 will do). Nothing was started.',
    ].join('\n'),
  );
} else {
  await main(url);
}

async function main(redisUrl: string): Promise<void> {
  const { hostname, port, username, password, pathname } = new URL(redisUrl);
  const connection = {
    host: hostname,
    port: Number(port || 6379),
    username: username || undefined,
    password: password || undefined,
    db: Number(pathname.slice(1) || 0),
  };

  // The producer: any process may add jobs; BullMQ keeps them in Redis until one is acknowledged.
  const alerts = new Queue<Work>(ALERTS, { connection });
  const reports = new Queue<Work>(REPORTS, { connection });
  const jobOptions = { attempts: 3, backoff: { type: 'fixed', delay: 200 } };
  await reports.addBulk(Array.from({ length: 20 }, (_, n) => ({ name: 'report', data: { n, flaky: n === 7 }, opts: jobOptions })));
  await alerts.addBulk(Array.from({ length: 5 }, (_, n) => ({ name: 'alert', data: { n }, opts: jobOptions })));

  const replicas = [startReplica('replica-1', connection), startReplica('replica-2', connection)];

  // Wait until both queues are drained (or give up after 20 s), then shut down.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [a, r] = await Promise.all([alerts.getJobCounts('completed', 'failed'), reports.getJobCounts('completed', 'failed')]);
    if (a.completed + a.failed === 5 && r.completed + r.failed === 20) {
      console.log(`\nBullMQ: alerts ${JSON.stringify(a)}, reports ${JSON.stringify(r)}`);
      break;
    }
    if (Date.now() > deadline) {
      console.error('gave up waiting for the queues to drain');
      process.exitCode = 1;
      break;
    }
    await delay(100);
  }

  await Promise.all(replicas.map((replica) => replica.shutdown()));
  for (const replica of replicas) console.log(`${replica.name}: ran ${replica.handled()} jobs`);
  // Leave nothing behind on the Redis (the example's own queues only).
  await Promise.all([alerts.obliterate({ force: true }), reports.obliterate({ force: true })]);
  await Promise.all([alerts.close(), reports.close()]);
}

/** One replica: a scheduler consuming both queues with its own limits. */
function startReplica(name: string, connection: object) {
  const scheduler = new Scheduler({
    name,
    maxRunningTasks: 2, // at most 2 jobs run at once on this replica, however long the queues are
    resourceLimits: { eventLoopDelayMs: 250, heapUsedBytes: 512 * 1024 ** 2 }, // while exceeded, only…
    essentialPriority: 0, // …runs of priority ≤ 0 (alerts) start; reports wait, they stay in Redis
  });
  let handled = 0;

  const mailboxes: Array<BullMQMailbox<Work, string>> = [];
  const consume = (queueName: string, priority: number) => {
    const mailbox = fromBullMQ<Work, string>(queueName, { connection, lockDuration: 10_000 });
    mailboxes.push(mailbox);
    scheduler.addTask({
      name: queueName,
      priority, // lower = more urgent: an alert waiting for a slot starts before a waiting report
      overlap: 'allow', // runs of this task may overlap, within maxRunningTasks
      triggers: [eventTrigger(mailbox)],
      run: async (_, ctx) => {
        const msg = ctx.event!;
        try {
          const result = await handle(name, queueName, msg.data, msg.attemptsMade, AbortSignal.any([ctx.signal, msg.signal]));
          await msg.ack(result); // the job is completed in BullMQ only now, after success
          handled++;
        } catch (err) {
          if (!msg.settled) await msg.nack(err); // failed: BullMQ retries it (attempts, backoff)
          throw err; // and the scheduler records the run as failed
        }
      },
    });
  };
  consume(ALERTS, 0);
  consume(REPORTS, 10);
  scheduler.start();

  return {
    name,
    handled: () => handled,
    async shutdown(): Promise<void> {
      await scheduler.stop({ timeout: 5_000 }); // let running jobs finish (then abort them)
      await Promise.all(mailboxes.map((m) => m.close())); // jobs taken but not started go back to wait
    },
  };
}

/** The work of one job. */
async function handle(replica: string, queueName: string, work: Work, attemptsMade: number, signal: AbortSignal): Promise<string> {
  await delay(20 + ((work.n * 37) % 40), undefined, { signal });
  const what = `${queueName === ALERTS ? 'alert ' : 'report'} #${String(work.n).padStart(2)}`;
  if (work.flaky && attemptsMade === 0) {
    console.log(`${replica}  ${what}  failed (attempt 1); nacked, BullMQ will retry it`);
    throw new Error(`${what}: transient failure`);
  }
  console.log(`${replica}  ${what}  done${attemptsMade > 0 ? ` (attempt ${attemptsMade + 1})` : ''}`);
  return `${what} by ${replica}`;
}
