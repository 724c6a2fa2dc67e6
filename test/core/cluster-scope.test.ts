import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { InMemoryCoordinator } from '../../src/cluster/coordinator';
import { Scheduler, periodicTrigger, eventTrigger, SchedulerError } from '../../src/index';
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
});
