/**
 * A BullMQ queue as a shared, durable mailbox of several Schedulers: two real child processes, each
 * a Scheduler consuming `eventTrigger(fromBullMQ(queue))` with `overlap: 'allow'` and
 * `maxRunningTasks: 4`, acking each job only after its run succeeded. Real redis-server, real BullMQ;
 * nothing is mocked. Fixture: fixtures/bullmqScheduler.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { startRedis, type TestRedis } from '../support/redis';
import { startChild, type Child } from './childProcess';

const N = 1_000;
const MAX_RUNNING = 4;

let redis: TestRedis;
const children: Child[] = [];
const queues: Queue[] = [];
let seq = 0;

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

afterEach(async () => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  for (const q of queues.splice(0)) await q.close().catch(() => undefined);
});

afterAll(async () => {
  await redis?.stop();
});

type Message = Record<string, unknown>;

function newQueue(): Queue {
  const queue = new Queue(`jobs${++seq}-${Date.now()}`, { connection: { host: redis.host, port: redis.port } });
  queue.on('error', () => undefined); // the producer is not under test
  queues.push(queue);
  return queue;
}

function replica(queue: Queue, label: string, lockDuration: number, stalledInterval: number, hangAt?: number): Child {
  const params = { url: redis.url, queue: queue.name, label, maxRunningTasks: MAX_RUNNING, workMs: 8, lockDuration, stalledInterval, hangAt };
  const child = startChild('bullmqScheduler.ts', [JSON.stringify(params)]);
  children.push(child);
  return child;
}

async function addJobs(queue: Queue, count: number): Promise<string[]> {
  const jobs = await queue.addBulk(Array.from({ length: count }, (_, n) => ({ name: 'job', data: { n } })));
  return jobs.map((j) => j.id as string);
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const ids = (c: Child, key: string) => c.messages.filter((m) => key in m).map((m) => m[key] as string);

function repeated(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(values.filter((v) => (seen.has(v) ? true : (seen.add(v), false))))];
}

/** Stops a replica through stdin and checks it exits by itself, cleanly. */
async function stop(c: Child): Promise<Message> {
  c.send('stop');
  const last = await c.waitFor((m) => m.exited === true, 20_000);
  const exit = await Promise.race([c.exited, sleep(10_000).then(() => 'still running' as const)]);
  expect(exit).toEqual({ code: 0, signal: null });
  return last;
}

function expectClean(c: Child): void {
  expect(c.messages.filter((m) => 'unhandled' in m || 'failed' in m), c.stderr()).toEqual([]);
}

/** Runs at once, as seen by the run itself, never above the limit; and more than one did overlap. */
function expectConcurrencyLimit(c: Child): void {
  const running = c.messages.filter((m) => 'start' in m).map((m) => m.running as number);
  expect(Math.max(...running)).toBeLessThanOrEqual(MAX_RUNNING);
  expect(Math.max(...running)).toBeGreaterThan(1);
}

describe('Schedulers sharing a BullMQ queue through eventTrigger(fromBullMQ(…))', () => {
  it('1 000 jobs across two processes, 4 runs at once each, ack after success: each completed exactly once', async () => {
    const queue = newQueue();
    const a = replica(queue, 'a', 30_000, 30_000);
    const b = replica(queue, 'b', 30_000, 30_000);
    // Jobs arrive once both listen, so neither drains the queue before the other has started.
    await Promise.all([a, b].map((c) => c.waitFor((m) => m.ready === true, 45_000)));
    const jobIds = await addJobs(queue, N);
    await until(async () => (await queue.getJobCounts('completed')).completed === N, 90_000, 'all jobs completed');
    // A job is completed in Redis before its replica has printed (and the test read) its 'done'
    // line: stop both (their last line comes after every run's) before reading their logs.
    const finals = await Promise.all([a, b].map(stop));

    expect(await queue.getJobCounts('active', 'waiting', 'delayed', 'failed', 'completed')).toEqual({
      active: 0,
      waiting: 0,
      delayed: 0,
      failed: 0,
      completed: N,
    });
    const starts = [...ids(a, 'start'), ...ids(b, 'start')];
    const done = [...ids(a, 'done'), ...ids(b, 'done')];
    expect(repeated(starts), 'jobs run twice').toEqual([]);
    expect(done.sort()).toEqual([...jobIds].sort());
    // BullMQ's record agrees with the run log: each job's result names the replica that ran it.
    const doneBy = new Map([...ids(a, 'done').map((id) => [id, 'a'] as const), ...ids(b, 'done').map((id) => [id, 'b'] as const)]);
    const completed = await queue.getJobs(['completed'], 0, N);
    expect(completed).toHaveLength(N);
    for (const job of completed) expect(job.returnvalue, `job ${job.id}`).toBe(doneBy.get(job.id as string));
    // Both replicas took a share, each within its own concurrency limit.
    expect(ids(a, 'done').length).toBeGreaterThan(N / 10);
    expect(ids(b, 'done').length).toBeGreaterThan(N / 10);
    expectConcurrencyLimit(a);
    expectConcurrencyLimit(b);

    for (const f of finals) expect((f.stats as Array<{ failures: number }>)[0].failures).toBe(0);
    expectClean(a);
    expectClean(b);
  }, 180_000);

  it('a replica killed mid-way (SIGKILL) loses no job; only its jobs in flight run again, elsewhere, after the stall check', async () => {
    const lockDuration = 1_000;
    const stalledInterval = 300;
    const queue = newQueue();
    // a's 200th run never ends: a is killed while that one (and up to 3 others) is in flight.
    const a = replica(queue, 'a', lockDuration, stalledInterval, 200);
    const b = replica(queue, 'b', lockDuration, stalledInterval);
    await Promise.all([a, b].map((c) => c.waitFor((m) => m.ready === true, 45_000)));
    const jobIds = await addJobs(queue, N);
    const hanging = (await a.waitFor((m) => 'hanging' in m, 30_000)).hanging as string;
    a.process.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await a.exited).signal).toBe('SIGKILL');
    await closed(a); // every line a wrote before it died has been read
    const startedOnA = ids(a, 'start');
    const doneOnA = new Set(ids(a, 'done'));
    const inFlight = startedOnA.filter((id) => !doneOnA.has(id));
    expect(inFlight, 'a had runs in flight when it was killed').toContain(hanging);
    expect(inFlight.length).toBeLessThanOrEqual(MAX_RUNNING);

    await until(async () => (await queue.getJobCounts('completed')).completed === N, 90_000, 'all jobs completed');
    // As above: b's log is complete only once it has stopped.
    await stop(b);
    expect(await queue.getJobCounts('active', 'waiting', 'delayed', 'failed', 'completed')).toEqual({
      active: 0,
      waiting: 0,
      delayed: 0,
      failed: 0,
      completed: N,
    });

    // None lost: every job was completed, by the replica its run log says.
    const completed = await queue.getJobs(['completed'], 0, N);
    expect(completed.map((j) => j.id as string).sort()).toEqual([...jobIds].sort());
    const doneOnB = new Set(ids(b, 'done'));
    for (const job of completed) {
      const id = job.id as string;
      if (job.returnvalue === 'b') expect(doneOnB.has(id), `job ${id}`).toBe(true);
      else {
        // Acked by a: its done line, or (killed between the ack and the line) one of its runs in flight.
        expect(job.returnvalue, `job ${id}`).toBe('a');
        expect(doneOnA.has(id) || inFlight.includes(id), `job ${id}`).toBe(true);
      }
    }

    // Duplicates only for a's runs in flight; each of those that a had not acked ran again on b, once,
    // not before a's lock could lapse (last renewed at most lockDuration / 2 before the kill).
    const starts = [...startedOnA, ...ids(b, 'start')];
    const twice = repeated(starts);
    expect(twice.filter((id) => !inFlight.includes(id)), 'run twice but not in flight on a').toEqual([]);
    expect(repeated(ids(b, 'start')), 'run twice on b').toEqual([]);
    const byId = new Map(completed.map((j) => [j.id as string, j.returnvalue as string]));
    for (const id of inFlight) {
      if (byId.get(id) !== 'b') continue;
      expect(twice).toContain(id);
      const rerun = b.messages.find((m) => m.start === id)!;
      expect((rerun.at as number) - killedAt, `re-run of job ${id}`).toBeGreaterThanOrEqual(lockDuration / 2 - 50);
    }
    // The job a was surely still running when it died was run again, and completed, on b.
    expect(byId.get(hanging)).toBe('b');
    expect(twice).toContain(hanging);

    expectConcurrencyLimit(b);
    expectClean(b);
    expect(a.messages.filter((m) => 'unhandled' in m)).toEqual([]);
  }, 180_000);
});

/** Resolves once the child's stdio streams are closed (after 'exit', its last output may still be in the pipe). */
function closed(c: Child): Promise<void> {
  return new Promise((resolve) => {
    if (c.process.stdout?.closed) resolve();
    else c.process.once('close', () => resolve());
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
