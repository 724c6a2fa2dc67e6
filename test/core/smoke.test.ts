import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Subject } from 'rxjs';
import { Scheduler, periodicTrigger, eventTrigger, oneTimeTrigger } from '../../src/index';

const newTs = () => new TestScheduler((a, e) => expect(a).toEqual(e));

describe('core smoke', () => {
  it('interval, cron, event and one-time fire at their frames', () => {
    const ts = newTs();
    ts.run(({ hot, flush }) => {
      const s = new Scheduler({ maxRunningTasks: 2, scheduler: ts });
      const seen: string[] = [];
      s.addTask({ name: 'iv', triggers: [periodicTrigger({ interval: 1000 })], run: () => { seen.push(`iv@${ts.now()}`); } });
      s.addTask({ name: 'cron', triggers: [periodicTrigger({ cron: '*/5 * * * * *' })], run: () => { seen.push(`cron@${ts.now()}`); } });
      const ev = hot<string>('1500ms a 999ms b');
      s.addTask({ name: 'ev', triggers: [eventTrigger(ev)], run: (_a, ctx) => { seen.push(`ev:${ctx.event}@${ts.now()}`); } });
      s.addTask({ name: 'once', triggers: [oneTimeTrigger({ after: 2500 })], run: () => { seen.push(`once@${ts.now()}`); } });
      s.start();
      ts.schedule(() => void s.stop(), 10_500);
      flush();
      // Same-frame fires of different tasks may come in either order; compare per frame.
      const byFrame = (xs: string[]) => [...xs].sort((a, b) => Number(a.split('@')[1]) - Number(b.split('@')[1]) || a.localeCompare(b));
      expect(byFrame(seen)).toEqual(seen.length ? byFrame(seen) : []);
      expect(byFrame(seen)).toEqual(byFrame([
        'iv@1000', 'ev:a@1500', 'iv@2000', 'ev:b@2500', 'once@2500', 'iv@3000', 'iv@4000', 'cron@5000', 'iv@5000',
        'iv@6000', 'iv@7000', 'iv@8000', 'iv@9000', 'cron@10000', 'iv@10000',
      ]));
      expect(s.getTask('once' as string)).toBeUndefined();
      expect(s.tasks().map((t) => t.name)).toEqual(['iv', 'cron', 'ev']);
    });
  });

  it('priority then FIFO under saturation, retries, timeout', () => {
    const ts = newTs();
    ts.run(({ cold, flush }) => {
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const order: string[] = [];
      const mk = (name: string, priority: number) =>
        s.addTask({ name, id: name, priority, triggers: [eventTrigger(new Subject<number>())], run: () => { order.push(`${name}@${ts.now()}`); return cold('--|'); } });
      mk('a', 5); mk('b', 1); mk('c', 1); mk('d', 0);
      s.start();
      s.runNow('a'); s.runNow('c'); s.runNow('b'); s.runNow('a'); s.runNow('d');
      let attempts = 0;
      s.addTask({ name: 'flaky', priority: -1, triggers: [oneTimeTrigger({ after: 100 })], retry: { maxRetries: 2, delay: 10, backoff: 'exponential' },
        run: () => { attempts++; throw new Error('boom'); } });
      const t = s.addTask({ name: 'slow', id: 'slow', priority: -2, timeout: 5, triggers: [oneTimeTrigger({ after: 200 })], run: (_a, ctx) => { ctx.signal.addEventListener('abort', () => order.push(`aborted@${ts.now()}`)); return cold('----------|'); } });
      flush();
      expect(order).toEqual(['a@0', 'd@2', 'c@4', 'b@6', 'a@8', 'aborted@205']);
      expect(attempts).toBe(3);
      expect(t.history.map((h) => h.status)).toEqual(['timed-out']);
    });
  });
});

describe('failure isolation at the edges', () => {
  it('a hostile thenable or a throwing custom trigger is recorded, never thrown', () => {
    const ts = newTs();
    ts.run(({ flush }) => {
      const s = new Scheduler({ scheduler: ts });
      const errors: unknown[] = [];
      s.events$.subscribe((e) => { if (e.type === 'trigger-error' || e.type === 'run-failed') errors.push(e.error); });
      const hostile = s.addTask({
        name: 'hostile',
        triggers: [oneTimeTrigger({ after: 10 })],
        run: () => ({ get then() { throw new Error('bad then'); } }),
      });
      s.addTask({
        name: 'bad-trigger',
        triggers: [{ kind: 'custom', fires: () => { throw new Error('cannot arm'); } }],
        run: () => undefined,
      });
      let fine = 0;
      s.addTask({ name: 'fine', triggers: [periodicTrigger({ interval: 5 })], run: () => { fine++; } });
      expect(() => s.start()).not.toThrow();
      ts.schedule(() => void s.stop(), 22);
      flush();
      expect(hostile.history.map((h) => h.status)).toEqual(['failed']);
      expect(errors.map((e) => (e as Error).message).sort()).toEqual(['bad then', 'cannot arm']);
      expect(fine).toBe(4);
    });
  });
});

describe('runNow around stop()', () => {
  it('is dropped (reported) while stopping, and waits for start() once stopped', async () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const ran: string[] = [];
    const dropped: string[] = [];
    s.events$.subscribe((e) => { if (e.type === 'dropped') dropped.push(`${e.taskId}:${e.reason}`); });
    let release!: () => void;
    s.addTask({ name: 'slow', id: 'slow', triggers: [eventTrigger(new Subject<number>())], run: () => new Promise<void>((r) => (release = r)) });
    s.addTask({ name: 'other', id: 'other', triggers: [eventTrigger(new Subject<number>())], run: () => { ran.push('other'); } });
    s.start();
    s.runNow('slow');
    const stopped = s.stop();
    s.runNow('other');
    expect(dropped).toEqual(['other:stopped']);
    release();
    await stopped;
    expect(s.pendingCount).toBe(0);
    s.runNow('other');
    expect(ran).toEqual([]);
    expect(s.pendingCount).toBe(1);
    s.start();
    expect(ran).toEqual(['other']);
    await s.stop();
  });
});
