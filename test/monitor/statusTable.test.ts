import { describe, expect, it } from 'vitest';
import { EMPTY_DISTRIBUTION } from '../../src/monitor/distribution';
import { renderStatusTable } from '../../src/monitor/statusTable';
import { TaskStats, type SchedulerStatsSnapshot, type TaskStatsSnapshot } from '../../src/monitor/taskStats';

const MiB = 1024 * 1024;
const NOW = 1_000_000;

function task(over: Partial<TaskStatsSnapshot> & Pick<TaskStatsSnapshot, 'id' | 'name'>): TaskStatsSnapshot {
  return { ...TaskStats.empty({ id: over.id, name: over.name, priority: 0, state: 'idle' }), ...over };
}

const snapshot: SchedulerStatsSnapshot = {
  at: NOW,
  running: 2,
  waiting: 5,
  firesPerSecond: 12.34,
  eventLoopDelay: { p50: 1.2, p99: 3.14, max: 9 },
  eventLoopUtilization: 0.423,
  heapUsed: 45.2 * MiB,
  rss: 120 * MiB,
  throttled: false,
  tasks: [
    task({
      id: 'hb',
      name: 'heartbeat',
      priority: 10,
      state: 'running',
      nextFireAt: NOW + 4_200,
      runs: 120,
      failures: 0,
      duration: { ...EMPTY_DISTRIBUTION, count: 120, p95: 1.26 },
      cpuMs: 45.25,
    }),
    task({
      id: 'mb',
      name: 'receiveMessages listener',
      priority: -1,
      state: 'waiting',
      runs: 7,
      failures: 3,
      duration: { ...EMPTY_DISTRIBUTION, count: 7, p95: 1234.4 },
      cpuMs: 0.25,
    }),
    task({ id: 'gc', name: 'maintenance', state: 'paused', nextFireAt: NOW - 5 }),
  ],
};

const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('renderStatusTable', () => {
  it('renders the scheduler line, a header and one aligned row per task', () => {
    const lines = renderStatusTable(snapshot, { now: NOW }).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      'running 2  waiting 5  fires/s 12.3  loop delay p99 3.1 ms  ELU 42%  heap 45.2 MiB  rss 120.0 MiB  not throttled',
    );
    expect(lines.slice(1)).toEqual([
      'NAME                      STATE    PRIO  NEXT FIRE  RUNS  FAIL  P95 MS  CPU MS',
      'heartbeat                 running    10  in 4.2 s    120     0     1.3    45.3',
      'receiveMessages listener  waiting    -1  —             7     3    1234   0.250',
      'maintenance               paused      0  due           0     0       —       —',
    ]);
  });

  it('keeps every column at the same offset on every row', () => {
    const lines = renderStatusTable(snapshot, { now: NOW }).split('\n').slice(1);
    const runsEnd = lines[0].indexOf('RUNS') + 'RUNS'.length;
    for (const line of lines.slice(1)) expect(line[runsEnd - 1]).toMatch(/\d/);
  });

  it('formats next fire relative to now', () => {
    const at = (d: number | undefined) =>
      renderStatusTable({ ...snapshot, tasks: [task({ id: 'x', name: 'x', nextFireAt: d === undefined ? undefined : NOW + d })] }, { now: NOW })
        .split('\n')[2]
        .split(/\s{2,}/)[3];
    expect(at(undefined)).toBe('—');
    expect(at(0)).toBe('due');
    expect(at(250.2)).toBe('in 251 ms');
    expect(at(59_000)).toBe('in 59.0 s');
    expect(at(185_000)).toBe('in 3 min 5 s');
    expect(at(3 * 3_600_000 + 120_000)).toBe('in 3 h 2 min');
    expect(at(3 * 86_400_000)).toBe('in 3.0 d');
  });

  it('says THROTTLED and formats GiB', () => {
    const line = renderStatusTable({ ...snapshot, throttled: true, rss: 3 * 1024 * MiB }, { now: NOW }).split('\n')[0];
    expect(line).toContain('rss 3.00 GiB');
    expect(line.endsWith('THROTTLED')).toBe(true);
    const why = renderStatusTable({ ...snapshot, throttled: true, exceededLimits: ['eventLoopDelayMs', 'heapUsedBytes'] }, { now: NOW });
    expect(why.split('\n')[0].endsWith('THROTTLED (eventLoopDelayMs, heapUsedBytes)')).toBe(true);
  });

  it('colours state, failures and throttling without changing the layout', () => {
    const plain = renderStatusTable({ ...snapshot, throttled: true }, { now: NOW });
    const coloured = renderStatusTable({ ...snapshot, throttled: true }, { now: NOW, color: true });
    expect(coloured).not.toBe(plain);
    expect(strip(coloured)).toBe(plain);
    expect(coloured).toContain('\u001b[32mrunning');
    expect(coloured).toContain('\u001b[33mwaiting');
    expect(coloured).toMatch(/\u001b\[31m\s+3\u001b\[0m/); // failures > 0 in red
    expect(coloured).toContain('\u001b[1m\u001b[31mTHROTTLED');
    expect(plain).not.toContain('\u001b');
  });

  it('cuts long names and neutralizes control characters', () => {
    const out = renderStatusTable(
      { ...snapshot, tasks: [task({ id: 'x', name: 'a-very-long-task-name-that-goes-on\u001b[2J' })] },
      { now: NOW, maxNameWidth: 10 },
    );
    expect(out.split('\n')[2].startsWith('a-very-lo… ')).toBe(true);
    expect(out).not.toContain('\u001b');
  });

  it('summarizes rows beyond maxRows and says when there are no tasks', () => {
    const out = renderStatusTable(snapshot, { now: NOW, maxRows: 1 }).split('\n');
    expect(out).toHaveLength(4);
    expect(out[3]).toBe('… 2 more tasks');
    expect(renderStatusTable({ ...snapshot, tasks: [] }, { now: NOW }).split('\n').at(-1)).toBe('(no tasks)');
  });

  it('renders snapshots taken from real TaskStats', () => {
    const stats = new TaskStats();
    for (let i = 0; i < 20; i++) {
      stats.attemptStarted(i * 100 + 1, i * 100, 1);
      stats.attemptEnded(i % 10 === 9 ? 'failed' : 'succeeded', i * 100 + 1, i * 100 + 1 + (i + 1));
    }
    stats.cpuMicros = 1_500;
    const row = renderStatusTable(
      { ...snapshot, tasks: [stats.snapshot({ id: 'x', name: 'x', priority: 2, state: 'idle' }, true)] },
      { now: NOW },
    ).split('\n')[2];
    // durations 1..20 ms: p95 is 19 (within 6.25 %: TaskStats' lean per-task precision), 2 failures, 1.5 ms CPU
    const cells = row.split(/\s{2,}/);
    expect(cells.filter((_, i) => i !== 6)).toEqual(['x', 'idle', '2', '—', '20', '2', '1.5']);
    expect(Math.abs(Number(cells[6]) - 19)).toBeLessThanOrEqual(19 * 0.0625 + 0.05);
  });

  it('is pure', () => {
    expect(renderStatusTable(snapshot, { now: NOW })).toBe(renderStatusTable(snapshot, { now: NOW }));
  });

  it.each([
    ['now', { now: Number.NaN }],
    ['maxNameWidth', { now: NOW, maxNameWidth: 2 }],
    ['maxRows', { now: NOW, maxRows: -1 }],
    ['maxRows', { now: NOW, maxRows: 1.5 }],
  ])('rejects a bad %s', (field, options) => {
    expect(() => renderStatusTable(snapshot, options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', field }));
  });
});
