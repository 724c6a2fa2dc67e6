import { describe, expect, it } from 'vitest';
import { Scheduler, eventTrigger } from '../../src/index';

/** An async-iterable mailbox that records how many messages were taken out of it. */
class Mailbox<T> implements AsyncIterable<T> {
  taken = 0;
  private readonly items: T[];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  constructor(items: T[]) {
    this.items = [...items];
  }
  put(item: T): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      this.taken++;
      w({ value: item, done: false });
    } else this.items.push(item);
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) {
          this.taken++;
          return Promise.resolve({ value: this.items.shift() as T, done: false });
        }
        return new Promise((resolve) => (this.waiter = resolve));
      },
    };
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('eventTrigger(AsyncIterable) back-pressure', () => {
  it('takes at most one message beyond those running (queue, one at a time)', async () => {
    const mailbox = new Mailbox([1, 2, 3, 4, 5, 6]);
    const release: Array<() => void> = [];
    const handled: number[] = [];
    const s = new Scheduler({ maxRunningTasks: 4 });
    s.addTask({
      name: 'receiveMessages',
      triggers: [eventTrigger(mailbox)],
      run: (_a, ctx) => new Promise<void>((r) => release.push(() => { handled.push(ctx.event as number); r(); })),
    });
    s.start();
    for (let i = 0; i < 5; i++) await tick();
    // One running (message 1), one taken and waiting (message 2): nothing more drained.
    expect(s.runningCount).toBe(1);
    expect(s.pendingCount).toBe(1);
    expect(mailbox.taken).toBe(2);
    release.shift()!();
    for (let i = 0; i < 5; i++) await tick();
    expect(handled).toEqual([1]);
    expect(mailbox.taken).toBe(3);
    while (release.length) { release.shift()!(); for (let i = 0; i < 5; i++) await tick(); }
    expect(handled).toEqual([1, 2, 3, 4, 5, 6]);
    mailbox.put(7);
    for (let i = 0; i < 5; i++) await tick();
    release.shift()!();
    await s.stop();
    expect(handled).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("with overlap 'allow' keeps at most one waiting beyond the running ones", async () => {
    const mailbox = new Mailbox(Array.from({ length: 20 }, (_, i) => i));
    const release: Array<() => void> = [];
    const s = new Scheduler({ maxRunningTasks: 3 });
    s.addTask({ name: 'm', overlap: 'allow', triggers: [eventTrigger(mailbox)], run: () => new Promise<void>((r) => release.push(r)) });
    s.start();
    for (let i = 0; i < 10; i++) await tick();
    expect(s.runningCount).toBe(3);
    expect(mailbox.taken).toBe(4);
    release.splice(0).forEach((r) => r());
    for (let i = 0; i < 10; i++) await tick();
    expect(s.runningCount).toBe(3);
    expect(mailbox.taken).toBe(7);
    const stopped = s.stop({ timeout: 0 });
    await stopped;
    expect(s.runningCount).toBe(0);
  });

  it('a mailbox that throws is reported and does not stop the scheduler', async () => {
    const broken: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('mailbox down')) }),
    };
    const s = new Scheduler();
    const events: string[] = [];
    s.events$.subscribe((e) => events.push(e.type));
    let ticks = 0;
    s.addTask({ name: 'bad', triggers: [eventTrigger(broken)], run: () => undefined });
    s.addTask({ name: 'good', triggers: [eventTrigger((async function* () { yield 1; yield 2; })())], run: () => { ticks++; } });
    s.start();
    for (let i = 0; i < 10; i++) await tick();
    expect(events).toContain('trigger-error');
    expect(ticks).toBe(2);
    expect(s.state).toBe('running');
    await s.stop();
  });
});
