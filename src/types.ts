import type { Observable, SchedulerLike } from 'rxjs';
import type { Coordinator } from './cluster/coordinator';
import type { OtelApi, OtelInstrumentation } from './monitor/otel';
import type { ResourceLimits, ResourceSampler } from './monitor/resourceSampler';

/** How a task reacts to a fire while it is already running or waiting. See the README's "Overlap". */
export type OverlapPolicy = 'skip' | 'buffer-one' | 'queue' | 'allow';

/** Final status of one attempt. */
export type ExecutionStatus = 'succeeded' | 'failed' | 'timed-out' | 'aborted';

/** One emission of a trigger for a task. Time ticks carry no event; event triggers carry a payload. */
export interface Fire<E = unknown> {
  /** When the fire happened on the scheduler's clock; for time triggers, the scheduled time it was computed for. */
  readonly at: number;
  /** The payload of an event fire (`undefined` for time ticks). */
  readonly event?: E;
  /** Set by pull-based triggers: called once the fire has left the waiting state (started or dropped). */
  readonly ack?: () => void;
}

/** What a trigger is given when the scheduler arms it. */
export interface TriggerContext {
  /** The scheduler's clock: read time with `now()`, wait with `schedule()`. */
  readonly scheduler: SchedulerLike;
}

/**
 * When to run: an object that yields an Observable of fires under a given RxJS scheduler.
 * Implement it for custom triggers; `kind` shows up in events and spans.
 *
 * A pull-based trigger (one that must not take more input than its task can accept) sets `ack`
 * on each fire: the scheduler calls it once that fire has started or been dropped, and the trigger
 * then takes its next input.
 *
 * @example
 * ```ts
 * const everySecondWhileOnline: Trigger = {
 *   kind: 'custom',
 *   fires: ({ scheduler }) => interval(1000, scheduler).pipe(map(() => ({ at: scheduler.now() }))),
 * };
 * ```
 */
export interface Trigger<E = unknown> {
  /** A short name of the trigger kind: 'periodic', 'event', 'one-time' for the built-in ones. */
  readonly kind: string;
  /** True when the trigger fires at most once (a task whose triggers all are is removed after its run). */
  readonly once?: boolean;
  /** True when the trigger fires on a clock (time triggers), false for events. Decides the default overlap. */
  readonly timeBased?: boolean;
  /** The fires, armed from the moment of subscription. */
  fires(context: TriggerContext): Observable<Fire<E>>;
}

/** Retry policy of a task. The n-th retry waits `delay` (fixed) or `delay × 2^(n−1)` capped at `maxDelay` (exponential). */
export interface RetryOptions {
  /** How many retries after the first attempt. @default 0 */
  readonly maxRetries: number;
  /** Milliseconds before the first retry. @default 0 */
  readonly delay?: number;
  /** @default 'fixed' */
  readonly backoff?: 'fixed' | 'exponential';
  /** Upper bound of one retry delay for exponential backoff. @default Infinity */
  readonly maxDelay?: number;
}

/** What `run` receives beside its args. */
export interface TaskContext<E = unknown> {
  /** Aborted when the attempt times out or the scheduler's stop timeout ends it. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** The payload of the fire that started this run (`undefined` for time ticks). */
  readonly event: E | undefined;
  /** When the fire happened (scheduler clock, ms). */
  readonly firedAt: number;
  /** The task's id. */
  readonly taskId: string;
}

/** What `run` may return: nothing, a value, a Promise, or an Observable (its completion ends the attempt). */
export type RunResult<R> = R | PromiseLike<R> | Observable<R> | void;

/** Options of {@link Scheduler.addTask}. */
export interface TaskOptions<A = undefined, E = unknown, R = unknown> {
  /** Human-readable name (required). */
  readonly name: string;
  /** Unique id. @default a generated unique id */
  readonly id?: string;
  /** Lower number = more urgent. Any finite number. @default 0 */
  readonly priority?: number;
  /** When to run: one or more triggers (required). */
  readonly triggers: ReadonlyArray<Trigger<E>>;
  /** The work. */
  readonly run: (args: A, ctx: TaskContext<E>) => RunResult<R>;
  /** Passed to `run` as its first argument. */
  readonly args?: A;
  /** @default no retries */
  readonly retry?: RetryOptions;
  /** Per-attempt limit in ms; aborts `ctx.signal` and counts as a failed attempt. @default none */
  readonly timeout?: number;
  /** @default 'skip' for time-only tasks, 'queue' for tasks with an event trigger */
  readonly overlap?: OverlapPolicy;
  /** For `overlap: 'queue'`: at most this many fires wait. @default Infinity */
  readonly maxPending?: number;
  /** A disabled task is registered but its triggers are not armed. @default true */
  readonly enabled?: boolean;
  /**
   * `'cluster'`: each occurrence of the task's time triggers runs once across every scheduler that
   * shares the `coordinator` (interval triggers are anchored to the epoch). Event triggers stay local.
   * @default 'local'
   */
  readonly scope?: 'local' | 'cluster';
}

/** The record of one attempt. */
export interface Execution<E = unknown, R = unknown> {
  readonly taskId: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  readonly firedAt: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: ExecutionStatus;
  readonly error?: unknown;
  readonly event?: E;
  readonly result?: R;
}

/** Every event type on `scheduler.events$`. */
export type SchedulerEventType =
  | 'run-started'
  | 'run-succeeded'
  | 'run-failed'
  | 'retry-scheduled'
  | 'skipped'
  | 'coalesced'
  | 'dropped'
  | 'task-added'
  | 'task-removed'
  | 'task-paused'
  | 'task-resumed'
  | 'trigger-error'
  | 'trigger-completed'
  | 'started'
  | 'paused'
  | 'resumed'
  | 'stopped'
  | 'throttled'
  | 'unthrottled';

/** One event on `scheduler.events$`. */
export interface SchedulerEvent {
  readonly type: SchedulerEventType;
  /** Scheduler clock time of the event. */
  readonly at: number;
  readonly taskId?: string;
  /** Attempt number for run-* and retry-scheduled events. */
  readonly attempt?: number;
  /** For 'run-failed': 'failed' | 'timed-out' | 'aborted'; for 'run-succeeded': 'succeeded'. */
  readonly status?: ExecutionStatus;
  readonly error?: unknown;
  /** For 'retry-scheduled': the delay before the retry. */
  readonly delay?: number;
  /** For 'skipped' / 'dropped' / 'coalesced' / 'throttled': why. */
  readonly reason?: string;
  /** The event payload of the fire concerned, when it has one. */
  readonly event?: unknown;
  /** For fire events ('skipped', 'dropped', 'coalesced'): when the fire happened (a time trigger's scheduled time). */
  readonly firedAt?: number;
  /** The execution record, for run-succeeded / run-failed. */
  readonly execution?: Execution;
}

/** Options of `new Scheduler()`. */
export interface SchedulerOptions {
  /** Never more than this many runs at once. A positive integer. @default 1 */
  readonly maxRunningTasks?: number;
  /** The clock for every trigger, delay and timeout. Pass a TestScheduler to test in virtual time. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** Executions kept per task. @default 100 */
  readonly historyLimit?: number;
  /** Let the process exit while only the scheduler's timers remain. @default false */
  readonly unref?: boolean;
  /** Name of this scheduler: prefixes cluster occurrence keys and shows in logs. @default 'default' */
  readonly name?: string;
  /** Monitoring switches. Counts and wait/duration distributions are always on. */
  readonly monitor?: {
    /** Attribute on-CPU time to the run that spent it (async context tracking). @default false */
    readonly cpu?: boolean;
  };
  /**
   * While any of these is exceeded, runs with a priority number above `essentialPriority` wait
   * (they are not dropped) and start again, in priority order, once it clears.
   * @default no limits
   */
  readonly resourceLimits?: ResourceLimits;
  /** Fires at or below this priority number run even while a resource limit is exceeded. @default 0 */
  readonly essentialPriority?: number;
  /** Where resource usage is read; inject one to drive throttling in tests. @default a NodeResourceSampler */
  readonly resourceSampler?: ResourceSampler;
  /** How often resource usage is re-read while limits are set (ms, scheduler clock). @default 100 */
  readonly resourceCheckInterval?: number;
  /**
   * Priority aging: a waiting fire's effective priority improves by one for each `agingMs` it
   * waits, which bounds how long urgent work can starve it. @default no aging (strict priority)
   */
  readonly agingMs?: number;
  /** OpenTelemetry: the `@opentelemetry/api` module (or a ready instrumentation). @default none, nothing loaded */
  readonly otel?: OtelApi | OtelInstrumentation;
  /** A pino-style logger (`info/warn/error(obj, msg)`, optional `debug`). @default silent */
  readonly logger?: Logger;
  /** Cluster coordination for tasks with `scope: 'cluster'`. @default none */
  readonly coordinator?: Coordinator;
  /** How long a claimed cluster occurrence is leased (ms). @default 60_000 */
  readonly leaseMs?: number;
}

/** A pino-style logger: structured object first, message second. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}
