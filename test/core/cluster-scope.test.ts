import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { InMemoryCoordinator } from '../../src/cluster/coordinator';
import { Scheduler, periodicTrigger, eventTrigger, oneTimeTrigger, SchedulerError } from '../../src/index';
import { Subject } from 'rxjs';

const newTs = () => new TestScheduler((a, e) => expect(a).toEqual(e));

describe("scope: 'cluster' (virtual time, in-memory coordinator)", () => {
  it('runs each occurrence once across replicas armed at different instants (anchored intervals)', () => {
    const ts = newTs();
    ts.run(({ flush }) => {
      const coordinator = new InMemoryCoordinator({ scheduler: ts });
      const runs: Array<[string, number]> = [];
      const replicas = ['a', 'b', 'c'].map((name, i) => {
        const s = new Scheduler({ scheduler: ts, coordinator, maxRunningTasks: 2 });
        s.addTask({ id: 'sync', name: 'sync', scope: 'cluster', triggers: [periodicTrigger({ interval: 100 })], run: (_a, ctx) => { runs.push([name, ctx.firedAt]); } });
        s.addTask({ id: 'cron', name: 'cron', scope: 'cluster', triggers: [periodicTrigger({ cron: '* * * * * *' })], run: (_a, ctx) => { runs.push([`${name}-cron`, ctx.firedAt]); } });
        ts.schedule(() => s.start(), i * 37); // replicas start at different times
        ts.schedule(() => void s.stop(), 3_050);
        return s;
      });
      flush();
      const syncTimes = runs.filter(([n]) => !n.endsWith('cron')).map(([, at]) => at);
      // Anchored to the epoch: 100, 200, … 3000, each exactly once in total.
      expect(syncTimes.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) * 100));
      const cronTimes = runs.filter(([n]) => n.endsWith('cron')).map(([, at]) => at);
      expect(cronTimes.sort((x, y) => x - y)).toEqual([1000, 2000, 3000]);
      const skipped = replicas.reduce((sum, s) => sum + (s.stats().tasks.find((t) => t.id === 'sync')?.skipped ?? 0), 0);
      expect(skipped).toBeGreaterThan(0);
    });
  });

  it('needs a coordinator and a time trigger', () => {
    const s = new Scheduler();
    expect(() => s.addTask({ name: 'x', scope: 'cluster', triggers: [periodicTrigger({ interval: 10 })], run: () => undefined })).toThrow(SchedulerError);
    const c = new Scheduler({ coordinator: new InMemoryCoordinator() });
    expect(() => c.addTask({ name: 'y', scope: 'cluster', triggers: [eventTrigger(new Subject<number>())], run: () => undefined })).toThrow(/scope/);
  });

  it('fails closed: a coordinator that cannot decide skips the occurrence with its reason', () => {
    const ts = newTs();
    ts.run(({ flush }) => {
      const reasons: string[] = [];
      let runs = 0;
      const down = { claimNow: () => ({ owned: false as const, reason: 'redis-unavailable' as const }), claim: async () => false };
      const s = new Scheduler({ scheduler: ts, coordinator: down });
      s.events$.subscribe((e) => { if (e.type === 'skipped') reasons.push(e.reason as string); });
      s.addTask({ name: 'x', scope: 'cluster', triggers: [periodicTrigger({ interval: 100 })], run: () => { runs++; } });
      s.addTask({ name: 'local', triggers: [periodicTrigger({ interval: 100 })], run: () => { runs += 1000; } });
      s.start();
      ts.schedule(() => void s.stop(), 350);
      flush();
      expect(reasons).toEqual(['redis-unavailable', 'redis-unavailable', 'redis-unavailable']);
      expect(runs).toBe(3000);
    });
  });

  it('a paused or busy replica does not claim: an idle replica runs every occurrence', () => {
    const ts = newTs();
    ts.run(({ cold, flush }) => {
      const coordinator = new InMemoryCoordinator({ scheduler: ts });
      const runs: Array<[string, number]> = [];
      const skippedAt: Array<[string, string, number]> = [];
      const make = (name: string, busyMs: number) => {
        const s = new Scheduler({ scheduler: ts, coordinator, name: 'svc' });
        s.events$.subscribe((e) => { if (e.type === 'skipped') skippedAt.push([name, e.reason as string, e.firedAt as number]); });
        s.addTask({ id: 'job', name: 'job', scope: 'cluster', triggers: [periodicTrigger({ interval: 100 })],
          run: (_a, ctx) => { runs.push([name, ctx.firedAt]); return cold(`${busyMs}ms |`); } });
        return s;
      };
      const paused = make('paused', 1);
      const busy = make('busy', 150);
      const idle = make('idle', 10);
      // 'busy' starts first, so it wins the first claim; while it runs it must not claim the next.
      busy.start();
      ts.schedule(() => { paused.start(); paused.pause(); idle.start(); }, 1);
      ts.schedule(() => { void paused.stop(); void busy.stop(); void idle.stop(); }, 1050);
      flush();
      const times = runs.map(([, at]) => at).sort((a, b) => a - b);
      expect(times).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
      expect(skippedAt.filter(([n]) => n === 'paused').every(([, reason]) => reason === 'paused')).toBe(true);
      expect(skippedAt.some(([n, reason]) => n === 'busy' && reason === 'task-busy')).toBe(true);
      expect(skippedAt.every(([, , at]) => at % 100 === 0)).toBe(true);
    });
  });

  it("refuses oneTimeTrigger({ after }) on a cluster task (replicas would disagree on its time)", () => {
    const s = new Scheduler({ coordinator: new InMemoryCoordinator() });
    expect(() => s.addTask({ name: 'x', scope: 'cluster', triggers: [oneTimeTrigger({ after: 1000 })], run: () => undefined })).toThrow(/after/);
    expect(() => s.addTask({ name: 'y', scope: 'cluster', triggers: [oneTimeTrigger({ at: new Date(5000) })], run: () => undefined })).not.toThrow();
  });
});
