/**
 * fromBullMQ against a real redis-server and real BullMQ workers in child processes. Nothing is mocked.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue, type Job } from 'bullmq';
import { asyncScheduler, type Subscription } from 'rxjs';
import { startRedis, type TestRedis } from '../support/redis';
import { fromBullMQ, type BullMQMailbox, type BullMQMessage } from '../../src/adapters/bullmq';
import { eventTrigger } from '../../src/triggers/event';
import type { Fire } from '../../src/types';
import { startChild, type Child } from './childProcess';

let redis: TestRedis;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const cleanups: Array<() => Promise<unknown>> = [];
let seq = 0;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  redis = await startRedis();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  expect(unhandled).toEqual([]);
});

afterAll(async () => {
  await redis?.stop();
  process.off('unhandledRejection', onUnhandled);
});

const connection = () => ({ host: '127.0.0.1', port: redis.port });

async function queueWith(count: number, jobOptions: Parameters<Queue['add']>[2] = {}): Promise<Queue> {
  const queue = new Queue(`q${++seq}-${Date.now()}`, { connection: connection() });
  queue.on('error', () => undefined); // the producer side is not under test; it reconnects by itself
  cleanups.push(() => queue.close());
  await addJobs(queue, count, jobOptions);
  return queue;
}

async function addJobs(queue: Queue, count: number, jobOptions: Parameters<Queue['add']>[2] = {}): Promise<void> {
  if (count > 0) await queue.addBulk(Array.from({ length: count }, (_, n) => ({ name: 'job', data: { n }, opts: jobOptions })));
}

function mailboxFor<D = { n: number }, R = string>(queue: Queue, options: Partial<Parameters<typeof fromBullMQ>[1]> = {}): BullMQMailbox<D, R> {
  const mailbox = fromBullMQ<D, R>(queue.name, { connection: connection(), drainDelay: 1, ...options });
  cleanups.push(() => mailbox.close());
  return mailbox;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('fromBullMQ in one process', () => {
  it('takes a job from Redis only when the consumer asks for the next message (back-pressure)', async () => {
    const queue = await queueWith(10);
    const mailbox = mailboxFor(queue);
    await sleep(200);
    expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 0, waiting: 10 });

    const first = await mailbox.next();
    expect(first.done).toBe(false);
    await sleep(200);
    expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 1, waiting: 9 });
    expect(mailbox.held).toBe(1);

    const second = await mailbox.next();
    expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 2, waiting: 8 });
    await (first.value as BullMQMessage<{ n: number }, string>).ack('one');
    await (second.value as BullMQMessage<{ n: number }, string>).ack('two');
    expect(await queue.getJobCounts('active', 'waiting', 'completed')).toEqual({ active: 0, waiting: 8, completed: 2 });
    expect(mailbox.held).toBe(0);
    const done = await queue.getJob((first.value as BullMQMessage).id);
    expect(done?.returnvalue).toBe('one');
  });

  it('acks after success, leaves a nacked job to BullMQ retry, and fails it when attempts run out', async () => {
    const queue = await queueWith(1, { attempts: 2 });
    const mailbox = mailboxFor(queue);
    const a = (await mailbox.next()).value as BullMQMessage<{ n: number }, string>;
    expect(a.attemptsMade).toBe(0);
    await a.nack(new Error('first try failed'));
    await expect(a.ack('late')).rejects.toThrow(/already settled/);
    const b = (await mailbox.next()).value as BullMQMessage<{ n: number }, string>;
    expect(b.id).toBe(a.id); // the same job again, from BullMQ's retry
    expect(b.attemptsMade).toBe(1);
    await b.nack('second try failed');
    const job = (await queue.getJob(a.id)) as Job;
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toBe('second try failed');
  });

  it('release() gives a job back without counting an attempt', async () => {
    const queue = await queueWith(1, { attempts: 1 });
    const mailbox = mailboxFor(queue);
    const a = (await mailbox.next()).value as BullMQMessage<{ n: number }, string>;
    await a.release();
    const again = (await mailbox.next()).value as BullMQMessage<{ n: number }, string>;
    expect(again.id).toBe(a.id);
    expect(again.attemptsMade).toBe(0);
    await again.ack('ok');
    expect(await (await queue.getJob(a.id))?.getState()).toBe('completed');
  });

  it('keeps the lock of a held message alive past lockDuration (no stall while the run lasts)', async () => {
    const queue = await queueWith(1);
    const lockDuration = 400;
    const mailbox = mailboxFor(queue, { lockDuration, stalledInterval: 100 });
    const held = (await mailbox.next()).value as BullMQMessage<{ n: number }, string>;
    // A second worker runs the stalled check every 100 ms: it would move an unlocked job back to
    // wait (and then take it). Its next() starts the checker and waits on the now empty queue.
    const watcher = mailboxFor(queue, { lockDuration, stalledInterval: 100 });
    const watched = watcher.next();
    await sleep(lockDuration * 4);
    expect(held.signal.aborted).toBe(false);
    expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 1, waiting: 0 });
    await held.ack('survived');
    expect(await (await queue.getJob(held.id))?.getState()).toBe('completed');
    await watcher.close();
    expect(await watched).toEqual({ value: undefined, done: true });
  });

  it('aborts the signal of a message whose lock was lost, and its ack then fails', async () => {
    const queue = await queueWith(1);
    const mailbox = mailboxFor(queue, { lockDuration: 400 });
    const held = (await mailbox.next()).value as BullMQMessage<{ n: number }, string>;
    // As if the lock had lapsed (a long event-loop stall, a network partition): BullMQ's lock key is gone.
    expect(await redis.command('DEL', `bull:${queue.name}:${held.id}:lock`)).toBe(':1\r\n');
    await until(() => held.signal.aborted, 2_000, 'signal aborted');
    expect(String((held.signal.reason as Error).message)).toMatch(/lost the lock/);
    await expect(held.ack('too late')).rejects.toThrow();
  });

  it('close() releases held messages back to wait and aborts their signals', async () => {
    const queue = await queueWith(2);
    const mailbox = mailboxFor(queue);
    const held = (await mailbox.next()).value as BullMQMessage<{ n: number }, string>;
    const pending = mailbox.next(); // blocked on an empty-looking queue? no: one job is still waiting
    const second = (await pending).value as BullMQMessage<{ n: number }, string>;
    await mailbox.close();
    expect(held.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(true);
    expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 0, waiting: 2 });
    expect(await mailbox.next()).toEqual({ value: undefined, done: true });
    await expect(held.ack('too late')).rejects.toThrow(/already settled/);
  });

  it('ends a pending next() when closed while waiting on an empty queue', async () => {
    const queue = await queueWith(0);
    const mailbox = mailboxFor(queue, { drainDelay: 5 });
    const pending = mailbox.next();
    await sleep(100);
    const started = Date.now();
    await mailbox.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('feeds eventTrigger one message at a time: the next job is taken only after the fire is acked', async () => {
    const queue = await queueWith(5);
    const mailbox = mailboxFor(queue);
    const fires: Array<Fire<BullMQMessage<{ n: number }, string>>> = [];
    const sub: Subscription = eventTrigger(mailbox).fires({ scheduler: asyncScheduler }).subscribe((f) => fires.push(f));
    cleanups.push(async () => sub.unsubscribe());
    await until(() => fires.length === 1, 5_000, 'first fire');
    await sleep(300);
    expect(fires).toHaveLength(1);
    expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 1, waiting: 4 });
    for (let i = 1; i <= 5; i++) {
      const fire = fires[i - 1];
      fire.ack?.(); // the scheduler's "this fire has started": the trigger may take the next job
      await fire.event!.ack(`run ${i}`);
      if (i < 5) await until(() => fires.length === i + 1, 5_000, `fire ${i + 1}`);
    }
    expect(fires.map((f) => f.event!.data.n)).toEqual([0, 1, 2, 3, 4]);
    expect(await queue.getJobCounts('completed')).toEqual({ completed: 5 });
  });

  it('keeps serving after Redis was down for 1 s, without unhandled rejections', async () => {
    const queue = await queueWith(1);
    const mailbox = mailboxFor(queue);
    const first = (await mailbox.next()).value as BullMQMessage<{ n: number }, string>;
    await first.ack('before');
    const pending = mailbox.next(); // waiting on the empty queue when Redis goes away
    await redis.down(1_000); // no persistence: the restarted server is empty
    await addJobs(queue, 1);
    const after = await Promise.race([pending, sleep(15_000).then(() => 'timeout' as const)]);
    expect(after).not.toBe('timeout');
    const message = (after as IteratorResult<BullMQMessage<{ n: number }, string>>).value!;
    expect(message.data).toEqual({ n: 0 });
    await message.ack('after');
    expect(await (await queue.getJob(message.id))?.getState()).toBe('completed');
  }, 60_000);

  it.each([
    ['queueName', () => fromBullMQ('', { connection: {} }), TypeError],
    ['connection', () => fromBullMQ('q', {} as never), TypeError],
    ['lockDuration', () => fromBullMQ('q', { connection: {}, lockDuration: 0 }), RangeError],
    ['lockRenewTime', () => fromBullMQ('q', { connection: {}, lockDuration: 1_000, lockRenewTime: 1_000 }), RangeError],
    ['onError', () => fromBullMQ('q', { connection: {}, onError: 1 as never }), TypeError],
  ])('rejects a bad %s', (field, make, type) => {
    expect(make).toThrow(type);
    expect(make).toThrow(new RegExp(`^fromBullMQ: (options\\.)?${field} `));
  });
});

describe('fromBullMQ across processes', () => {
  const consumers: Child[] = [];
  afterEach(() => {
    for (const c of consumers.splice(0)) c.process.kill('SIGKILL');
  });

  function consumer(queue: Queue, name: string, workMs: number, lockDuration = 30_000, stalledInterval = 30_000, hangAt = 0): Child {
    const args = [redis.url, queue.name, name, workMs, lockDuration, stalledInterval, hangAt].map(String);
    const child = startChild('bullmqConsumer.ts', args);
    consumers.push(child);
    return child;
  }

  /** Per consumer, its starts and dones must alternate: one job at a time. */
  function expectOneAtATime(child: Child): void {
    let running: unknown;
    for (const m of child.messages) {
      if ('start' in m) {
        expect(running).toBeUndefined();
        running = m.start;
      } else if ('done' in m) {
        expect(m.done).toBe(running);
        running = undefined;
      }
    }
  }

  it('1 000 jobs consumed by two processes, each taking one at a time: every job completed exactly once', async () => {
    const N = 1_000;
    const queue = await queueWith(0);
    const a = consumer(queue, 'a', 0);
    const b = consumer(queue, 'b', 0);
    // Jobs arrive once both are listening, so neither drains the queue before the other has started.
    await Promise.all([a, b].map((c) => c.waitFor((m) => m.ready === true, 45_000)));
    await addJobs(queue, N);
    await until(async () => (await queue.getJobCounts('completed')).completed === N, 60_000, 'all jobs completed');
    // A job is completed in Redis before its consumer has printed (and the test read) its 'done'
    // line: stop both and read their output to the end before counting the lines.
    for (const c of [a, b]) c.send('stop');
    const exits = await Promise.all([a.exited, b.exited]);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    await Promise.all([a, b].map(closed));
    const done = [...a.messages, ...b.messages].filter((m) => 'done' in m).map((m) => m.done);
    const starts = [...a.messages, ...b.messages].filter((m) => 'start' in m).map((m) => m.start);
    expect(done).toHaveLength(N);
    expect(new Set(done).size).toBe(N);
    expect(starts).toHaveLength(N); // no job ran twice
    // Both shared the work.
    expect(a.messages.filter((m) => 'done' in m).length).toBeGreaterThan(N / 10);
    expect(b.messages.filter((m) => 'done' in m).length).toBeGreaterThan(N / 10);
    expectOneAtATime(a);
    expectOneAtATime(b);
    expect(await queue.getJobCounts('active', 'waiting', 'failed', 'completed')).toEqual({ active: 0, waiting: 0, failed: 0, completed: N });
    const jobs = await queue.getJobs(['completed'], 0, N);
    expect(new Set(jobs.map((j) => j.returnvalue))).toEqual(new Set(['a', 'b']));
  }, 120_000);

  it('a process killed mid-run (SIGKILL) loses no job: its job runs again elsewhere after the stall check', async () => {
    const N = 300;
    const lockDuration = 1_000;
    const stalledInterval = 300;
    const queue = await queueWith(0);
    // a's 20th run never ends: it is killed in the middle of it.
    const a = consumer(queue, 'a', 2, lockDuration, stalledInterval, 20);
    const b = consumer(queue, 'b', 2, lockDuration, stalledInterval);
    await Promise.all([a, b].map((c) => c.waitFor((m) => m.ready === true, 45_000)));
    await addJobs(queue, N);
    const hanging = (await a.waitFor((m) => 'hanging' in m, 30_000)).hanging as string;
    a.process.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await a.exited).signal).toBe('SIGKILL');
    await closed(a); // every line a wrote before it died has been read

    await until(async () => (await queue.getJobCounts('completed')).completed === N, 60_000, 'all jobs completed');
    // A job is completed in Redis before b has printed (and the test read) its 'done' line: stop b
    // and read its output to the end before counting the lines.
    b.send('stop');
    expect((await b.exited).code).toBe(0);
    await closed(b);
    const rerun = await b.waitFor((m) => m.done === hanging, 1_000);
    expect(rerun.done).toBe(hanging);
    // Not before the dead process's lock could lapse: it was last renewed at most
    // lockDuration / 2 before the kill, so it ran out at least lockDuration / 2 after it.
    const rerunStart = b.messages.find((m) => m.start === hanging);
    expect(rerunStart).toBeDefined();
    expect((rerunStart!.at as number) - killedAt).toBeGreaterThanOrEqual(lockDuration / 2 - 50);

    const doneA = a.messages.filter((m) => 'done' in m).map((m) => m.done);
    const doneB = b.messages.filter((m) => 'done' in m).map((m) => m.done);
    const all = [...doneA, ...doneB];
    expect(all).toHaveLength(N);
    expect(new Set(all).size).toBe(N);
    expect(doneA).not.toContain(hanging);
    // Exactly one job ran twice: the one that was running in the killed process.
    const starts = [...a.messages, ...b.messages].filter((m) => 'start' in m).map((m) => m.start as string);
    const twice = starts.filter((id, i) => starts.indexOf(id) !== i);
    expect(twice).toEqual([hanging]);
    expectOneAtATime(b);
    expect(await queue.getJobCounts('active', 'waiting', 'failed', 'completed')).toEqual({ active: 0, waiting: 0, failed: 0, completed: N });
  }, 120_000);
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
