import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { ackOnSuccess, type BullMQMessage } from '../../src/bullmq';
import { Scheduler, eventTrigger } from '../../src/index';

/** Only what ackOnSuccess touches of a BullMQ message; the adapter itself is tested against Redis. */
function fakeMessage(data: number) {
  const log: string[] = [];
  let settled = false;
  const message = {
    data,
    signal: new AbortController().signal,
    get settled() { return settled; },
    ack: async (r?: unknown) => { settled = true; log.push(`ack:${String(r)}`); },
    nack: async (e?: unknown) => { settled = true; log.push(`nack:${(e as Error).message}`); },
  } as unknown as BullMQMessage<number, number>;
  return { message, log };
}

describe('ackOnSuccess', () => {
  it('acks with the result after success, nacks and records the failure otherwise', async () => {
    const s = new Scheduler({ maxRunningTasks: 2 });
    const jobs = new Subject<BullMQMessage<number, number>>();
    const task = s.addTask({
      name: 'jobs',
      triggers: [eventTrigger(jobs)],
      run: ackOnSuccess<number, number>(async (n) => {
        if (n < 0) throw new Error(`bad ${n}`);
        return n * 2;
      }),
    });
    s.start();
    const ok = fakeMessage(21);
    const bad = fakeMessage(-1);
    jobs.next(ok.message);
    jobs.next(bad.message);
    await new Promise((r) => setTimeout(r, 20));
    await s.stop();
    expect(ok.log).toEqual(['ack:42']);
    expect(bad.log).toEqual(['nack:bad -1']);
    expect(task.history.map((h) => h.status)).toEqual(['succeeded', 'failed']);
  });
});
