import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, eventTrigger, type Task } from '../../src/index';
import { Subject } from 'rxjs';

/** The task's statistics object as the scheduler keeps it (null until the first logged attempt is applied). */
const counters = (task: Task) => (task as unknown as { counters: { runs: number } | null }).counters;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('run log: attempt bookkeeping applied after the macrotask, or when read', () => {
  let scheduler: Scheduler;
  afterEach(async () => {
    await scheduler.stop();
  });

  function setup(run: (n: number) => unknown = () => undefined) {
    scheduler = new Scheduler({ maxRunningTasks: 4 });
    const events = new Subject<number>();
    const task = scheduler.addTask({ name: 'sync', triggers: [eventTrigger(events)], overlap: 'allow', run: (_args, ctx) => run(ctx.event as number) }) as Task;
    scheduler.start();
    return { events, task };
  }

  it('leaves the task\'s statistics untouched during the burst and applies them after it', async () => {
    const { events, task } = setup();
    for (let i = 0; i < 3; i++) events.next(i);
    expect(counters(task)).toBeNull(); // three runs started and ended, nothing applied yet
    await nextTurn();
    expect(counters(task)?.runs).toBe(3);
  });

  it('applies everything logged before a read: stats(), history', () => {
    const { events, task } = setup((n) => n * 10);
    for (let i = 0; i < 3; i++) events.next(i);
    expect(scheduler.stats().tasks[0]).toMatchObject({ runs: 3, successes: 3 });
    events.next(7);
    expect(task.history.map((e) => [e.event, e.result, e.status])).toEqual([
      [0, 0, 'succeeded'],
      [1, 10, 'succeeded'],
      [2, 20, 'succeeded'],
      [7, 70, 'succeeded'],
    ]);
  });

  it('does not carry one entry\'s payloads over to a later entry in the same slot', async () => {
    let withResult = true;
    const { events, task } = setup(() => (withResult ? { big: true } : undefined));
    events.next(1);
    await nextTurn(); // applied: the log's slot 0 is free again
    withResult = false;
    events.next(undefined as unknown as number);
    const [first, second] = task.history;
    expect(first.result).toEqual({ big: true });
    expect(second.result).toBeUndefined();
    expect(second.event).toBeUndefined();
  });

  it('applies itself when full, within one macrotask', () => {
    const { events, task } = setup();
    for (let i = 0; i < 1500; i++) events.next(i); // 3000 entries (start + end): past the log's 2048
    expect(counters(task)?.runs).toBeGreaterThanOrEqual(1024);
    expect(scheduler.stats().tasks[0].runs).toBe(1500);
  });
});
