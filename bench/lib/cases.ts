// What the suite runs (one case = one implementation with its params, one child per repetition)
// and how the results are tabled. Full sizes follow issue 3; smoke sizes only keep the code alive.
import type { Params } from './child';

export interface Case {
  /** `${group}/${label}` */
  id: string;
  /** The table it belongs to (see GROUPS). */
  group: string;
  /** bench/scenarios/<scenario>.ts */
  scenario: string;
  /** Row label. */
  label: string;
  params: Params;
  /**
   * 'timing': scenarios that mostly wait on timers (accuracy, priority latency); 'cpu': the
   * CPU-bound rest. The two lanes run side by side, one child each, and take about as long.
   * 'quiet': short CPU-bound cases run alone at the start of each repetition, with both lanes
   * paused — the ones the dispatch targets compare with each other (ours and the limit).
   */
  lane: 'timing' | 'cpu' | 'quiet';
  nodeFlags?: string[];
}

export interface Column {
  metric: string;
  title: string;
}

export interface Group {
  id: string;
  /** The table's title, given the params of its first case (sizes differ in smoke runs). */
  title: (p: Params) => string;
  note?: string;
  rowTitle?: string;
  columns: Column[];
  /** A ratio column: this row's median of `metric` over the reference row's. */
  ratio?: { metric: string; title: string; reference: (row: Case, rows: Case[]) => Case | undefined };
}

const num = (x: unknown): string => Number(x).toLocaleString('en-US');

/** The row of impl `impl` (with the same n when `sameN`). */
const oursRow =
  (impl = 'ours', sameN = false) =>
  (row: Case, rows: Case[]): Case | undefined =>
    rows.find((r) => r.params.impl === impl && (!sameN || r.params.n === row.params.n));

/** The columns of both registration tables (4a, 4b). */
const REGISTRATION_COLUMNS: Column[] = [
  { metric: 'n', title: 'tasks' },
  { metric: 'registerMs', title: 'register ms' },
  { metric: 'registerUsPerTask', title: 'µs/task' },
  { metric: 'bytesPerTask', title: 'heap B/task' },
  { metric: 'removeMs', title: 'remove ms' },
  { metric: 'retainedPerTask', title: 'left after removal B/task' },
];

export const GROUPS: Group[] = [
  {
    id: 'dispatch',
    title: () => '1. Dispatch throughput — no-op async runs, random priority 0–9, 8 at once, all queued up front',
    rowTitle: 'implementation @ queued',
    columns: [
      { metric: 'runsPerSec', title: 'runs/s' },
      { metric: 'ms', title: 'total ms' },
    ],
    ratio: { metric: 'runsPerSec', title: 'runs/s vs ours', reference: oursRow('ours', true) },
    note: 'ours: 10 tasks (one per priority), eventTrigger + overlap "allow", maxRunningTasks 8. limit: 8 async workers popping a binary heap. RxJS mergeMap has no priorities (FIFO).',
  },
  {
    id: 'priority-latency',
    title: (p) => `2. Priority latency under saturation — wait (fire → start) of a priority-0 run fired every 10 ms for ${num(p.durationMs)} ms while 8 slots are busy with priority-5 work`,
    columns: [
      { metric: 'waitP50', title: 'wait p50 ms' },
      { metric: 'waitP99', title: 'wait p99 ms' },
      { metric: 'waitMax', title: 'wait max ms' },
      { metric: 'waitsOver500usPct', title: 'waits ≥ 0.5 ms %' },
      { metric: 'busyRunsPerSec', title: 'busy runs/s' },
    ],
    ratio: { metric: 'waitP99', title: 'p99 vs ours', reference: oursRow() },
    note: 'Priority-5 runs each wait 1–3 ms on a timer; a backlog of 64 more always waits behind the 8 running. One harness per implementation, started once: its first 300 ms are a warm-up whose waits are not recorded.',
  },
  {
    id: 'timers-interval',
    title: (p) => `3a. Interval accuracy — ${num(p.tasks)} tasks every ${p.period} ms for ${num(p.durationMs)} ms`,
    columns: [
      { metric: 'lateP50', title: 'late p50 ms' },
      { metric: 'lateP99', title: 'late p99 ms' },
      { metric: 'lateMax', title: 'late max ms' },
      { metric: 'driftMedian', title: 'drift ms' },
      { metric: 'driftEndsMedian', title: 'last − first tick ms' },
      { metric: 'cpuUsPerFire', title: 'CPU µs/fire' },
      { metric: 'ticks', title: 'ticks' },
    ],
    ratio: { metric: 'lateP99', title: 'p99 vs ours', reference: oursRow() },
    note: 'Lateness = start − scheduled time; drift = the median lateness of a task\'s last 10 ticks − that of its first 10 (median over tasks): how far the schedule has slipped by the end. "last − first tick" is the same with one tick at each end, which mostly measures those two ticks\' jitter. fixed-rate: a setTimeout loop re-armed from the schedule (the timer limit). Each implementation is started once and runs on: its first 300 ms are its warm-up and are not recorded, then a full GC, then the window (so an implementation that drifts carries its warm-up\'s drift into it). Expected ticks: tasks × duration / period.',
  },
  {
    id: 'timers-cron',
    title: (p) => `3b. Cron accuracy — ${num(p.tasks)} tasks on \`* * * * * *\`, ${p.fires} second boundaries`,
    columns: [
      { metric: 'lateP50', title: 'late p50 ms' },
      { metric: 'lateP99', title: 'late p99 ms' },
      { metric: 'lateMax', title: 'late max ms' },
      { metric: 'cpuUsPerFire', title: 'CPU µs/fire' },
      { metric: 'ticks', title: 'ticks' },
    ],
    ratio: { metric: 'lateP99', title: 'p99 vs ours', reference: oursRow() },
    note: 'After a warm-up in which one second boundary fires every task once; registered 200 ms before a second boundary; expected ticks: tasks × boundaries. aligned: a setTimeout loop to the next second boundary. CPU per fire over the window (croner and node-cron run one timer per task).',
  },
  {
    id: 'registration-interval',
    title: () => '4a. Registration — tasks on a 1-hour interval',
    columns: REGISTRATION_COLUMNS,
    ratio: { metric: 'bytesPerTask', title: 'B/task vs ours', reference: oursRow() },
    note: 'Heap (the JS heap plus ArrayBuffer contents) after a full GC, minus the baseline taken before registering; "left after removal" is the heap after removing every task (and dropping the bench\'s own handles) minus that baseline.',
  },
  {
    id: 'registration-cron',
    title: () => '4b. Registration — tasks on `0 * * * *`',
    columns: REGISTRATION_COLUMNS,
    ratio: { metric: 'bytesPerTask', title: 'B/task vs ours', reference: oursRow() },
    note: 'croner (~80 KB per job), node-cron (~150 µs per job) and RxJS + cron-parser (a parse per task) are measured at fewer tasks to stay within the time and memory budget; compare per-task columns.',
  },
  {
    id: 'floods',
    title: (p) => `5. Floods — ${num(p.n)} events into a busy task, ${num(p.chunk)} per setImmediate`,
    columns: [
      { metric: 'floodMs', title: 'flood ms' },
      { metric: 'peakHeapGrowthMB', title: 'peak heap +MB' },
      { metric: 'floodStallMs', title: 'stall ms' },
      { metric: 'bytesPerWaiting', title: 'B/waiting' },
      { metric: 'drainPerSec', title: 'drain runs/s' },
      { metric: 'drainStallMs', title: 'drain stall ms' },
      { metric: 'drainComplete', title: 'drained all' },
    ],
    ratio: { metric: 'drainPerSec', title: 'drain vs limit', reference: oursRow('limit') },
    note: 'Heap = the JS heap plus ArrayBuffer contents (typed arrays). Stall = worst lateness of a 10 ms setInterval. The drain is stopped after 2 s (drained all = 0): RxJS mergeMap\'s Array#shift buffer would take minutes, in one microtask chain. limit: a binary heap with one async worker — it drains in one microtask chain too, so it blocks timers while draining.',
  },
  {
    id: 'cron-next',
    title: (p) => `6. Cron next-fire cost — \`* * * * * *\`, ${num(p.n)} fires`,
    columns: [
      { metric: 'fires', title: 'fires' },
      { metric: 'firesPerSec', title: 'fires/s' },
      { metric: 'usPerFire', title: 'µs/fire' },
    ],
    ratio: { metric: 'firesPerSec', title: 'fires/s vs ours', reference: oursRow() },
    note: 'ours: a task on a TestScheduler through as many virtual seconds (trigger, dispatch and run included). The others: the raw next() of one parsed expression.',
  },
  {
    id: 'cluster-claim',
    title: (p) => `7. Cluster claim overhead — one task fired ${num(p.n)} times one after another, then ${num(p.burst)} at once, local vs scope 'cluster' on a RedisCoordinator`,
    columns: [
      { metric: 'claimUsP50', title: 'claim µs/run (p50)' },
      { metric: 'setUsP50', title: 'bare SET µs (p50)' },
      { metric: 'localRunsPerSec', title: 'local runs/s' },
      { metric: 'clusterRunsPerSec', title: 'cluster runs/s' },
      { metric: 'localBurstRunsPerSec', title: 'local burst runs/s' },
      { metric: 'clusterBurstRunsPerSec', title: 'cluster burst runs/s' },
    ],
    note: 'claim µs/run: median fire → start latency of the cluster task minus the local one (a SET NX PX round trip on a local redis-server). Needs redis-server (bash scripts/redis.sh).',
  },
];

function make(group: string, scenario: string, lane: Case['lane'], label: string, params: Params, nodeFlags?: string[]): Case {
  return { id: `${group}/${label}`, group, scenario, label, params, lane, nodeFlags };
}

export function buildCases(smoke: boolean): Case[] {
  const cases: Case[] = [];
  const S = smoke;

  // 1. Dispatch
  for (const n of S ? [5_000, 1_000] : [200_000, 20_000]) {
    for (const impl of ['ours', 'limit', 'p-queue', 'rxjs']) {
      // ours and the limit are the ratio of the dispatch target and take a second or two: they run
      // alone. p-queue (≈ 10 s a run) alone would not fit in 5 minutes: it opens the CPU lane,
      // beside the near-idle cron cases (see 3b) rather than the busier timer scenarios. (Measured:
      // 16–22k runs/s there, 22.6k/s in a run of the dispatch cases alone, `--only dispatch`.)
      const lane = impl === 'ours' || impl === 'limit' ? 'quiet' : 'cpu';
      cases.push(make('dispatch', 'dispatch', lane, `${impl} @ ${n.toLocaleString('en-US')}`, { impl, n, warmup: S ? 500 : 20_000 }));
    }
  }

  // 1b. The overhead of per-task CPU attribution (monitor: { cpu: true }), on the shallower run.
  const cpuN = S ? 1_000 : 20_000;
  cases.push(make('dispatch', 'dispatch', 'cpu', `ours-cpu @ ${cpuN.toLocaleString('en-US')}`, { impl: 'ours-cpu', n: cpuN, warmup: S ? 500 : 5_000 }));

  // 3b. Cron accuracy — first in the timer lane: these children are nearly idle (200 runs a
  // second), and beside them the CPU lane starts with p-queue's 200 000-fire dispatch (≈ 10 s),
  // so that it runs with as little beside it as the suite allows. (Tables keep their own order.)
  for (const impl of ['ours', 'aligned', 'croner', 'node-cron']) {
    cases.push(make('timers-cron', 'timers', 'timing', impl, { impl, mode: 'cron', tasks: S ? 20 : 200, fires: S ? 1 : 4 }));
  }

  // 2. Priority latency
  for (const impl of ['ours', 'p-queue', 'limit']) {
    cases.push(make('priority-latency', 'priority-latency', 'timing', impl, { impl, durationMs: S ? 300 : 3000, warmupMs: S ? 50 : 300 }));
  }

  // 3a. Interval accuracy
  for (const impl of ['ours', 'fixed-rate', 'setInterval', 'toad', 'rxjs']) {
    cases.push(
      make('timers-interval', 'timers', 'timing', impl, { impl, mode: 'interval', tasks: S ? 50 : 500, period: 20, durationMs: S ? 300 : 3000, warmupMs: S ? 50 : 300 }),
    );
  }

  // 4. Registration
  const big = ['--max-old-space-size=4096'];
  for (const impl of ['ours', 'toad', 'rxjs', 'setInterval']) {
    cases.push(make('registration-interval', 'registration', 'cpu', impl, { impl, kind: 'interval', n: S ? 2_000 : 100_000, warmup: S ? 100 : 1_000 }, big));
  }
  const cronN: Record<string, number> = { ours: 100_000, croner: 2_000, 'node-cron': 5_000, 'rxjs+cron-parser': 5_000 };
  for (const impl of Object.keys(cronN)) {
    cases.push(make('registration-cron', 'registration', 'cpu', impl, { impl, kind: 'cron', n: S ? 200 : cronN[impl], warmup: S ? 20 : 200 }, big));
  }

  // 5. Floods
  for (const impl of ['ours-skip', 'ours-buffer-one', 'ours-queue', 'limit', 'rxjs']) {
    cases.push(make('floods', 'floods', 'cpu', impl, { impl, n: S ? 50_000 : 1_000_000, chunk: 10_000, drainCapMs: S ? 500 : 2000, warmup: S ? 1_000 : 20_000 }));
  }

  // 6. Cron next-fire cost
  for (const impl of ['ours', 'ours-next', 'croner', 'cron-parser']) {
    cases.push(make('cron-next', 'cron-next', 'cpu', impl, { impl, virtualSeconds: S ? 2_000 : 50_000, n: S ? 2_000 : 50_000, warmup: S ? 100 : 5_000 }));
  }
  // 7. Cluster claim overhead (issue 5): the same task local vs scope 'cluster' on a RedisCoordinator.
  cases.push(make('cluster-claim', 'cluster-claim', 'cpu', 'local vs cluster', { impl: 'both', n: S ? 300 : 5_000, burst: S ? 300 : 5_000, warmup: S ? 50 : 500 }));
  return cases;
}

/**
 * `cases` with each table's cases rotated by `rep` places among the slots that table holds, the
 * tables keeping their places. In the timer lane every case meets whatever the CPU lane runs
 * beside it; in a fixed order each implementation met about the same neighbour in every
 * repetition (ours always first of its table), so a busy neighbour at one place was one
 * implementation's handicap in all five. Rotated, each meets each place about as often.
 */
export function rotateWithinGroups(cases: Case[], rep: number): Case[] {
  const out = cases.slice();
  for (const group of new Set(cases.map((c) => c.group))) {
    const slots: number[] = [];
    cases.forEach((c, i) => c.group === group && slots.push(i));
    slots.forEach((slot, k) => (out[slot] = cases[slots[(k + rep) % slots.length]]));
  }
  return out;
}
