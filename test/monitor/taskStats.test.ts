import { describe, expect, it } from 'vitest';
import { EMPTY_DISTRIBUTION } from '../../src/monitor/distribution';
import { TASK_DISTRIBUTION_OPTIONS, TaskStats, taskState, type TaskInfo } from '../../src/monitor/taskStats';

const info: TaskInfo = { id: 't1', name: 'heartbeat', priority: 3, state: 'idle' };

describe('TaskStats', () => {
  it('starts at zero with empty distributions', () => {
    const s = new TaskStats().snapshot(info);
    expect(s).toEqual({
      id: 't1',
      name: 'heartbeat',
      priority: 3,
      state: 'idle',
      runs: 0,
      successes: 0,
      failures: 0,
      retries: 0,
      timeouts: 0,
      aborted: 0,
      skipped: 0,
      coalesced: 0,
      dropped: 0,
      lastError: undefined,
      lastErrorAt: undefined,
      lastRunAt: undefined,
      nextFireAt: undefined,
      wait: EMPTY_DISTRIBUTION,
      duration: EMPTY_DISTRIBUTION,
      cpuMs: undefined,
    });
  });

  it('matches TaskStats.empty for a task that never fired', () => {
    expect(TaskStats.empty(info, 5_000)).toEqual({ ...new TaskStats().snapshot(info), nextFireAt: 5_000 });
    expect(TaskStats.empty(info, undefined, true).cpuMs).toBe(0);
  });

  it('counts a run, its wait and its duration', () => {
    const stats = new TaskStats();
    stats.attemptStarted(1_050, 1_000, 1);
    stats.attemptEnded('succeeded', 1_050, 1_070);
    const s = stats.snapshot(info);
    expect(s.runs).toBe(1);
    expect(s.successes).toBe(1);
    expect(s.failures).toBe(0);
    expect(s.lastRunAt).toBe(1_050);
    expect(s.wait).toMatchObject({ count: 1, max: 50 });
    expect(s.duration).toMatchObject({ count: 1, max: 20 });
  });

  it('records wait for first attempts only, duration for every attempt', () => {
    const stats = new TaskStats();
    stats.attemptStarted(10, 0, 1);
    stats.attemptEnded('failed', 10, 15, new Error('boom'));
    stats.retries++;
    stats.attemptStarted(115, 0, 2); // a retry: its "wait" since the fire is not a queueing wait
    stats.attemptEnded('succeeded', 115, 120);
    const s = stats.snapshot(info);
    expect(s.wait.count).toBe(1);
    expect(s.wait.max).toBe(10);
    expect(s.duration.count).toBe(2);
    expect(s.runs).toBe(2);
    expect(s.retries).toBe(1);
    expect(s.lastRunAt).toBe(115);
  });

  it('counts every non-success as a failure and timeouts / aborts also on their own', () => {
    const stats = new TaskStats();
    const statuses = ['succeeded', 'failed', 'timed-out', 'aborted', 'timed-out'] as const;
    statuses.forEach((status, i) => {
      stats.attemptStarted(i * 10, i * 10, 1);
      stats.attemptEnded(status, i * 10, i * 10 + 5, status === 'succeeded' ? undefined : `${status}-${i}`);
    });
    const s = stats.snapshot(info);
    expect(s).toMatchObject({ runs: 5, successes: 1, failures: 4, timeouts: 2, aborted: 1 });
    // Invariant for operators: every attempt started has ended as a success or a failure.
    expect(s.successes + s.failures).toBe(s.runs);
    expect(s.lastError).toBe('timed-out-4');
    expect(s.lastErrorAt).toBe(45);
  });

  it('keeps the last error after later successes', () => {
    const stats = new TaskStats();
    const boom = new Error('boom');
    stats.attemptEnded('failed', 0, 1, boom);
    stats.attemptEnded('succeeded', 2, 3);
    expect(stats.snapshot(info).lastError).toBe(boom);
  });

  it('reports fire counters, next fire and CPU when asked', () => {
    const stats = new TaskStats();
    stats.skipped += 2;
    stats.coalesced += 3;
    stats.dropped += 4;
    stats.nextFireAt = 60_000;
    stats.cpuMicros = 12_500;
    expect(stats.snapshot(info, true)).toMatchObject({ skipped: 2, coalesced: 3, dropped: 4, nextFireAt: 60_000, cpuMs: 12.5 });
    expect(stats.snapshot(info, false).cpuMs).toBeUndefined();
  });

  it('creates no distribution until a value arrives', () => {
    const stats = new TaskStats();
    stats.skipped++;
    const s = stats.snapshot(info);
    expect(s.wait).toBe(EMPTY_DISTRIBUTION);
    expect(s.duration).toBe(EMPTY_DISTRIBUTION);
  });

  it('returns snapshots detached from later updates', () => {
    const stats = new TaskStats();
    stats.attemptStarted(0, 0, 1);
    const before = stats.snapshot(info);
    stats.attemptEnded('succeeded', 0, 1);
    stats.attemptStarted(2, 2, 1);
    expect(before.runs).toBe(1);
    expect(before.duration.count).toBe(0);
    expect(stats.snapshot(info).runs).toBe(2);
  });

  it('passes distribution options through', () => {
    const stats = new TaskStats({ highestMs: 100 });
    stats.attemptEnded('succeeded', 0, 10_000);
    expect(stats.snapshot(info).duration.max).toBe(100);
  });

  it('keeps quantiles within 6.25 % with the lean per-task default, and within 1 % with figures: 2', () => {
    expect(TASK_DISTRIBUTION_OPTIONS.figures).toBe(1);
    const lean = new TaskStats();
    const precise = new TaskStats({ figures: 2 });
    for (let ms = 1; ms <= 1_000; ms++) {
      lean.attemptEnded('succeeded', 0, ms);
      precise.attemptEnded('succeeded', 0, ms);
    }
    const a = lean.snapshot(info).duration;
    const b = precise.snapshot(info).duration;
    expect(a.mean).toBe(500.5); // exact either way
    expect(a.max).toBe(1_000);
    expect(Math.abs(a.p95 - 950) / 950).toBeLessThanOrEqual(0.0625);
    expect(Math.abs(b.p95 - 950) / 950).toBeLessThanOrEqual(0.01);
  });
});

describe('taskState', () => {
  const base = { enabled: true, paused: false, activeRuns: 0, waitingFires: 0 };
  it.each([
    [{ ...base }, 'idle'],
    [{ ...base, waitingFires: 1 }, 'waiting'],
    [{ ...base, activeRuns: 1, waitingFires: 1 }, 'running'],
    [{ ...base, paused: true, waitingFires: 1 }, 'paused'],
    [{ ...base, paused: true, activeRuns: 1 }, 'running'],
    [{ ...base, enabled: false, activeRuns: 1 }, 'disabled'],
  ] as const)('%o is %s', (fields, state) => {
    expect(taskState(fields)).toBe(state);
  });
});
