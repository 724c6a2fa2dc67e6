// The Go package's own test scenarios (seed-background_tasks.md: priority, maxRunningTasks,
// retry policy, Start/Stop, AddTask/RemoveTask, one-time tasks removed after running),
// restated for this API.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Subject } from 'rxjs';
import { Scheduler, eventTrigger, oneTimeTrigger, periodicTrigger } from '../../src/index';
import { atFrame, guard, newTestScheduler, recordEvents, work } from './helpers';

describe('seed scenarios (Go background_tasks) restated', () => {
  it('AddTask / GetTask / RemoveTask: a registered task can be found, then removed', () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    const task = s.addTask({ name: 'heartbeat', triggers: [periodicTrigger({ interval: 5_000 })], run: () => undefined });
    expect(s.getTask(task.id)).toBe(task);
    expect(s.tasks()).toEqual([task]);
    expect(s.removeTask(task.id)).toBe(true);
    expect(s.getTask(task.id)).toBeUndefined();
    expect(s.tasks()).toEqual([]);
  });

  it('tasks run in priority order (lower number first) when they wait for the single slot', () => {
    const ts = newTestScheduler();
    const order: string[] = [];
    ts.run(({ hot }) => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      // All fire together at frame 10 while 'busy' holds the slot (0–50).
      s.addTask({ name: 'busy', priority: 0, triggers: [eventTrigger(hot('a'))], run: () => work(ts, 50) });
      for (const [name, priority] of [
        ['task-3', 3],
        ['task-1', 1],
        ['task-4', 4],
        ['task-2', 2],
        ['task-0', 0],
      ] as const) {
        s.addTask({
          name,
          priority,
          triggers: [oneTimeTrigger({ after: 10 })],
          run: () => {
            order.push(name);
            return work(ts, 5);
          },
        });
      }
      s.start();
      atFrame(ts, 1_000, () => void s.stop());
    });
    expect(order).toEqual(['task-0', 'task-1', 'task-2', 'task-3', 'task-4']);
  });

  it('the concurrency limit holds: 10 tasks of 100 ms with maxRunningTasks 3 run 3 at a time and all finish', () => {
    const ts = newTestScheduler();
    let running = 0;
    let peak = 0;
    const ended: number[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 3, scheduler: ts });
      for (let i = 0; i < 10; i++) {
        s.addTask({
          name: `job-${i}`,
          triggers: [oneTimeTrigger({ after: 1 })],
          run: () => {
            running++;
            peak = Math.max(peak, running, s.runningCount);
            return work(ts, 100, () => {
              running--;
              ended.push(ts.now());
            });
          },
        });
      }
      s.start();
      atFrame(ts, 2_000, () => void s.stop());
    });
    expect(peak).toBe(3);
    expect(ended).toEqual([101, 101, 101, 201, 201, 201, 301, 301, 301, 401]);
  });

  it('retry history records each attempt: maxRetries 3 on an always-failing task gives 4 failed executions', () => {
    const ts = newTestScheduler();
    let history: Array<[number, string, string]> = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const task = s.addTask({
        name: 'always-fails',
        triggers: [periodicTrigger({ interval: 5_000 })],
        retry: { maxRetries: 3, delay: 10 },
        run: (_a, ctx) => {
          throw new Error(`attempt ${ctx.attempt} failed`);
        },
      });
      s.start();
      s.runNow(task.id);
      atFrame(ts, 1_000, () => {
        history = task.history.map((h) => [h.attempt, h.status, (h.error as Error).message]);
        void s.stop();
      });
    });
    expect(history).toEqual([
      [1, 'failed', 'attempt 1 failed'],
      [2, 'failed', 'attempt 2 failed'],
      [3, 'failed', 'attempt 3 failed'],
      [4, 'failed', 'attempt 4 failed'],
    ]);
  });

  it('retry history of a task that succeeds on its second attempt: failed, then succeeded', () => {
    const ts = newTestScheduler();
    let history: string[] = [];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      const task = s.addTask({
        name: 'second-time',
        triggers: [periodicTrigger({ interval: 5_000 })],
        retry: { maxRetries: 3, delay: 10 },
        run: (_a, ctx) => {
          if (ctx.attempt === 1) throw new Error('first');
          return 'ok';
        },
      });
      s.start();
      s.runNow(task.id);
      atFrame(ts, 1_000, () => {
        history = task.history.map((h) => `${h.attempt}:${h.status}`);
        void s.stop();
      });
    });
    expect(history).toEqual(['1:failed', '2:succeeded']);
  });

  it('a task with only a one-time trigger is removed automatically once run', () => {
    const ts = newTestScheduler();
    let ran = 0;
    let id = '';
    let present: [boolean, boolean] = [false, false];
    ts.run(() => {
      guard(ts, 10_000);
      const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
      id = s.addTask({ name: 'once', triggers: [oneTimeTrigger({ after: 100 })], run: () => void ran++ }).id;
      s.start();
      atFrame(ts, 99, () => (present[0] = s.getTask(id) !== undefined));
      atFrame(ts, 101, () => (present[1] = s.getTask(id) !== undefined));
      atFrame(ts, 1_000, () => void s.stop());
    });
    expect(ran).toBe(1);
    expect(present).toEqual([true, false]);
  });

  describe('nothing runs after stop (default asyncScheduler, fake timers)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('ticks stop, running work finishes, stop resolves, and nothing starts afterwards', async () => {
      vi.useFakeTimers();
      const t0 = Date.now();
      const s = new Scheduler({ maxRunningTasks: 2 });
      const events = recordEvents(s);
      const starts: number[] = [];
      const mailbox = new Subject<string>();
      s.addTask({
        name: 'heartbeat',
        triggers: [periodicTrigger({ interval: 1_000 }), eventTrigger(mailbox)],
        run: async () => {
          starts.push(Date.now() - t0);
          await new Promise((resolve) => setTimeout(resolve, 300));
        },
      });
      s.start();
      await vi.advanceTimersByTimeAsync(2_100); // ticks at 1000, 2000 (the second still running)
      let resolved = false;
      const stopped = s.stop().then(() => (resolved = true));
      await vi.advanceTimersByTimeAsync(199);
      expect(resolved).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(resolved).toBe(true);
      await stopped;
      mailbox.next('after stop');
      await vi.advanceTimersByTimeAsync(10_000);
      expect(starts).toEqual([1_000, 2_000]);
      expect(events.filter((e) => e.type === 'run-started')).toHaveLength(2);
      expect(s.runningCount).toBe(0);
      expect(s.pendingCount).toBe(0);
      await s.stop(); // stop() twice is harmless
    });
  });
});
