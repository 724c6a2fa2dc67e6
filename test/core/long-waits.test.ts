import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import { Scheduler, oneTimeTrigger, periodicTrigger } from '../../src/index';

const root = resolve(__dirname, '../..');

describe('waits longer than 2^31−1 ms', () => {
  afterEach(() => vi.useRealTimers());

  it('fire at their exact virtual frame', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ flush }) => {
      const s = new Scheduler({ scheduler: ts });
      const frames: number[] = [];
      s.addTask({ name: 'far', triggers: [oneTimeTrigger({ after: 2 ** 31 + 5000 })], run: () => { frames.push(ts.now()); } });
      s.start();
      flush();
      expect(frames).toEqual([2 ** 31 + 5000]);
    });
  });

  it('fire on time on the real async scheduler (fake timers): not at 2^31 ms − 1, once at 2^31 + 5 s', async () => {
    vi.useFakeTimers({ now: 0 });
    const s = new Scheduler();
    let runs = 0;
    s.addTask({ name: 'far', triggers: [oneTimeTrigger({ after: 2 ** 31 + 5000 })], run: () => { runs++; } });
    s.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(2 ** 31 + 4999 - 1000);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(runs).toBe(1);
    await s.stop();
  });

  it('a wall-clock jump forward during a long wait fires once, not in a burst', async () => {
    vi.useFakeTimers({ now: 0 });
    const s = new Scheduler();
    const fired: number[] = [];
    s.addTask({ name: 'hourly', triggers: [periodicTrigger({ interval: 3_600_000 })], run: (_a, ctx) => { fired.push(ctx.firedAt); } });
    s.start();
    vi.setSystemTime(5 * 3_600_000 + 1000); // the wall clock jumps 5 h ahead; timers did not run
    // The next chunk (≤ 60 s) notices: one catch-up run for the missed occurrences, not five.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fired).toEqual([3_600_000]);
    // Then back on the grid: the 6 h occurrence, once.
    await vi.advanceTimersByTimeAsync(6 * 3_600_000 - Date.now() - 1);
    expect(fired).toEqual([3_600_000]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([3_600_000, 6 * 3_600_000]);
    await s.stop();
  });

  it('arm without TimeoutOverflowWarning, unlike a plain RxJS timer (real process)', () => {
    const script = `
      import { timer } from 'rxjs';
      import { Scheduler, oneTimeTrigger } from './src/index.ts';
      const warnings = [];
      process.on('warning', (w) => warnings.push(w.name));
      const s = new Scheduler({ unref: true });
      let ours = 0;
      s.addTask({ name: 'far', triggers: [oneTimeTrigger({ after: 2 ** 31 + 1000 })], run: () => { ours++; } });
      s.start();
      let plain = 0;
      const sub = timer(2 ** 31).subscribe(() => plain++);
      setTimeout(() => { sub.unsubscribe(); console.log(JSON.stringify({ ours, plain, warnings })); }, 300);
    `;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(out.status, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout.trim().split('\n').pop() as string);
    expect(result.ours).toBe(0);
    expect(result.plain).toBe(1); // Node fires an overflowing setTimeout after 1 ms
    expect(result.warnings.filter((w: string) => w === 'TimeoutOverflowWarning').length).toBe(1); // the plain timer's only
  });

  it('unref: true lets the process exit while only the scheduler timers remain (real process)', () => {
    const script = `
      import { Scheduler, periodicTrigger } from './src/index.ts';
      const s = new Scheduler({ unref: true });
      s.addTask({ name: 'hourly', triggers: [periodicTrigger({ interval: 3_600_000 })], run: () => {} });
      s.addTask({ name: 'cron', triggers: [periodicTrigger({ cron: '0 0 1 1 *' })], run: () => {} });
      s.start();
      console.log('armed');
    `;
    const started = Date.now();
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('armed');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
