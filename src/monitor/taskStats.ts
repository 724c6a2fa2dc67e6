import type { ExecutionStatus } from '../types';
import { Distribution, EMPTY_DISTRIBUTION, type DistributionOptions, type DistributionSnapshot } from './distribution';

/**
 * What a task is doing, as shown in stats and the status table.
 * `'disabled'`: registered with `enabled: false`; `'running'`: an attempt runs or a retry waits;
 * `'paused'`: paused by `pauseTask` with nothing running; `'waiting'`: fires wait for a slot;
 * `'idle'`: none of these.
 */
export type TaskState = 'idle' | 'waiting' | 'running' | 'paused' | 'disabled';

/** The public fields of a task that decide its {@link TaskState} (a `Task` has all of them). */
export interface TaskStateFields {
  readonly enabled: boolean;
  readonly paused: boolean;
  readonly activeRuns: number;
  readonly waitingFires: number;
}

/**
 * Derives a task's {@link TaskState} from its public fields. Running wins over paused, so a
 * paused task whose last attempt is still in progress shows as running until it ends.
 *
 * @example
 * ```ts
 * taskState({ enabled: true, paused: false, activeRuns: 0, waitingFires: 2 }); // 'waiting'
 * ```
 */
export function taskState(task: TaskStateFields): TaskState {
  if (!task.enabled) return 'disabled';
  if (task.activeRuns > 0) return 'running';
  if (task.paused) return 'paused';
  if (task.waitingFires > 0) return 'waiting';
  return 'idle';
}

/** Identity and state of a task, given to {@link TaskStats.snapshot} by the scheduler. */
export interface TaskInfo {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly state: TaskState;
}

/** A point-in-time copy of one task's statistics. Plain data: safe to keep, serialize or compare. */
export interface TaskStatsSnapshot {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly state: TaskState;
  /** Attempts started, retries included (one per `'run-started'` event). */
  readonly runs: number;
  /** Attempts that succeeded. */
  readonly successes: number;
  /** Attempts that did not succeed: failed, timed out or aborted (one per `'run-failed'` event). */
  readonly failures: number;
  /** Retries scheduled (one per `'retry-scheduled'` event). */
  readonly retries: number;
  /** Attempts that timed out (also counted in `failures`). */
  readonly timeouts: number;
  /** Attempts aborted by `stop({ timeout })` (also counted in `failures`). */
  readonly aborted: number;
  /** Fires dropped by the `'skip'` overlap policy. */
  readonly skipped: number;
  /** Fires merged into a waiting one by the `'buffer-one'` policy. */
  readonly coalesced: number;
  /** Fires dropped by `maxPending` or by `stop()`. */
  readonly dropped: number;
  /** The error of the latest attempt that did not succeed (kept after later successes); `undefined` if none. */
  readonly lastError: unknown;
  /** When `lastError` happened (scheduler clock, ms). */
  readonly lastErrorAt: number | undefined;
  /** Start of the latest attempt (scheduler clock, ms). */
  readonly lastRunAt: number | undefined;
  /** When the task's next time trigger fires (scheduler clock, ms); `undefined` if none is armed. */
  readonly nextFireAt: number | undefined;
  /** Fire → start of each run's first attempt, ms. */
  readonly wait: DistributionSnapshot;
  /** Start → end of each attempt, ms. */
  readonly duration: DistributionSnapshot;
  /** On-CPU time of the task's runs, ms; `undefined` unless CPU monitoring is on (`monitor: { cpu: true }`). */
  readonly cpuMs: number | undefined;
}

/** Event-loop delay over the latest sample window, ms. */
export interface EventLoopDelaySnapshot {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * A point-in-time copy of the scheduler's statistics: the process, the dispatch pipeline and every task.
 *
 * @example
 * ```ts
 * const s: SchedulerStatsSnapshot = scheduler.stats();
 * if (s.throttled) console.warn('held back by', s.exceededLimits, 'loop delay p99', s.eventLoopDelay.p99, 'ms');
 * for (const t of s.tasks) console.log(t.name, t.runs, t.failures, t.duration.p95);
 * ```
 */
export interface SchedulerStatsSnapshot {
  /** When the snapshot was taken (scheduler clock, ms). */
  readonly at: number;
  /** Runs in progress. */
  readonly running: number;
  /** Fires waiting for a slot. */
  readonly waiting: number;
  /** Fires per second over the last window (see {@link RateMeter}). */
  readonly firesPerSecond: number;
  /** Event-loop delay (from `monitorEventLoopDelay`), ms. */
  readonly eventLoopDelay: EventLoopDelaySnapshot;
  /** Event-loop utilisation over the latest sample window, 0..1. */
  readonly eventLoopUtilization: number;
  /** V8 heap in use, bytes. */
  readonly heapUsed: number;
  /** Resident set size, bytes. */
  readonly rss: number;
  /** True while a resource limit holds back non-essential runs. */
  readonly throttled: boolean;
  /** The limits exceeded at the latest sample (names of `resourceLimits` fields); empty or absent when none. */
  readonly exceededLimits?: ReadonlyArray<string>;
  /** Per-task statistics, in registration order. */
  readonly tasks: ReadonlyArray<TaskStatsSnapshot>;
}

/**
 * Distribution options of {@link TaskStats} unless told otherwise: `figures: 1` (quantiles within
 * ≈ 6 %, ≈ 2 KB of native memory per histogram) rather than {@link Distribution}'s own default of
 * 2 (1 %, ≈ 32 KB), because per-task histograms multiply by the number of tasks.
 *
 * @example
 * ```ts
 * new TaskStats({ figures: 2 }); // 1 % quantiles for this task, at ≈ 64 KB
 * ```
 */
export const TASK_DISTRIBUTION_OPTIONS: DistributionOptions = Object.freeze({ figures: 1 });

/**
 * Per-task counters and distributions, updated by the scheduler on its hot path.
 *
 * Create one lazily, on a task's first fire or run (a registered task that never fires costs
 * nothing), and call the `attempt…` methods around every attempt; the fire counters
 * (`skipped`, `coalesced`, `dropped`, `retries`) are plain fields to increment. The object itself
 * has the `{ cpuMicros }` shape of a CPU account, so it can be passed straight to `CpuTracker.run`.
 *
 * Memory: ≈ 170 bytes of JS heap; the wait and duration {@link Distribution}s are created on
 * their first value and their native histograms on their second, so a task that ran once costs
 * ≈ 400 bytes. A task that runs repeatedly costs ≈ 4 KB (2 KB heap + 2 KB native) with the
 * per-task default {@link TASK_DISTRIBUTION_OPTIONS} (`figures: 1`: quantiles within ≈ 6 %;
 * `count`, `mean` and `max` stay exact), or ≈ 64 KB with `{ figures: 2 }` (quantiles within 1 %)
 * — a choice that multiplies by the number of tasks, hence the leaner default here.
 *
 * Cost (Node 20): `attemptStarted` + `attemptEnded` ≈ 70 ns together, no allocation once the
 * histograms exist. The scheduler calls them after the burst of runs they belong to, not inside
 * it (see its run log).
 *
 * @example
 * ```ts
 * const stats = new TaskStats();
 * stats.attemptStarted(1_050, 1_000, 1);        // fired at 1000, started at 1050
 * stats.attemptEnded('succeeded', 1_050, 1_070);
 * stats.snapshot({ id: 'a', name: 'heartbeat', priority: 0, state: 'idle' }).duration.p95; // 20
 * ```
 */
export class TaskStats {
  runs = 0;
  successes = 0;
  failures = 0;
  retries = 0;
  timeouts = 0;
  aborted = 0;
  skipped = 0;
  coalesced = 0;
  dropped = 0;
  lastError: unknown = undefined;
  lastErrorAt: number | undefined = undefined;
  /** Start of the latest attempt; NaN before the first (a double field: no box per store). */
  private lastRun = NaN;
  nextFireAt: number | undefined = undefined;
  /** On-CPU time credited by `CpuTracker`, µs. */
  cpuMicros = 0;
  private waitTimes: Distribution | null = null;
  private durations: Distribution | null = null;
  private readonly distributionOptions: DistributionOptions;

  /**
   * @param distributionOptions passed to both distributions (precision, range); unset fields
   *   take their value from {@link TASK_DISTRIBUTION_OPTIONS}.
   */
  constructor(distributionOptions?: DistributionOptions) {
    this.distributionOptions =
      distributionOptions === undefined ? TASK_DISTRIBUTION_OPTIONS : { ...TASK_DISTRIBUTION_OPTIONS, ...distributionOptions };
  }

  /** When the latest attempt started (scheduler clock); undefined before the first. */
  get lastRunAt(): number | undefined {
    const at = this.lastRun;
    return at === at ? at : undefined;
  }

  /**
   * An attempt starts at `startedAt` for a fire at `firedAt`. Counts a run; the first attempt
   * (`attempt === 1`) also records its wait, fire → start (a retry's wait would include the
   * earlier attempts and the retry delay, so it is not a queueing wait).
   */
  attemptStarted(startedAt: number, firedAt: number, attempt: number): void {
    this.runs++;
    this.lastRun = startedAt;
    if (attempt === 1) (this.waitTimes ??= new Distribution(this.distributionOptions)).record(startedAt - firedAt);
  }

  /** An attempt that started at `startedAt` ended at `endedAt` with `status` (and `error` when it did not succeed). */
  attemptEnded(status: ExecutionStatus, startedAt: number, endedAt: number, error?: unknown): void {
    (this.durations ??= new Distribution(this.distributionOptions)).record(endedAt - startedAt);
    if (status === 'succeeded') {
      this.successes++;
      return;
    }
    this.failures++;
    if (status === 'timed-out') this.timeouts++;
    else if (status === 'aborted') this.aborted++;
    this.lastError = error;
    this.lastErrorAt = endedAt;
  }

  /**
   * A plain copy, detached from later updates. `cpu` says whether CPU monitoring is on (otherwise `cpuMs` is
   * `undefined`, so "0 ms" never means "not measured").
   */
  snapshot(task: TaskInfo, cpu = false): TaskStatsSnapshot {
    return {
      id: task.id,
      name: task.name,
      priority: task.priority,
      state: task.state,
      runs: this.runs,
      successes: this.successes,
      failures: this.failures,
      retries: this.retries,
      timeouts: this.timeouts,
      aborted: this.aborted,
      skipped: this.skipped,
      coalesced: this.coalesced,
      dropped: this.dropped,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      lastRunAt: this.lastRunAt,
      nextFireAt: this.nextFireAt,
      wait: this.waitTimes === null ? EMPTY_DISTRIBUTION : this.waitTimes.snapshot(),
      duration: this.durations === null ? EMPTY_DISTRIBUTION : this.durations.snapshot(),
      cpuMs: cpu ? this.cpuMicros / 1000 : undefined,
    };
  }

  /**
   * The snapshot of a task that has no `TaskStats` yet (it never fired), without creating one.
   *
   * @example
   * ```ts
   * TaskStats.empty({ id: 'a', name: 'a', priority: 0, state: 'idle' }, 60_000).runs; // 0
   * ```
   */
  static empty(task: TaskInfo, nextFireAt?: number, cpu = false): TaskStatsSnapshot {
    // The snapshot of stats that never recorded anything, so the two shapes cannot drift apart.
    return { ...NEVER_RAN.snapshot(task, cpu), nextFireAt };
  }

}

/** Shared, never written: what a task that has not run yet reports. */
const NEVER_RAN = new TaskStats();
