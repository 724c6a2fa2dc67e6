import { InvalidOptionError } from './errors';
import { HistoryRing } from './internal/historyRing';
import { flushRunLog, runLogPending, type RunLogTarget } from './internal/runLog';
import { TaskStats } from './monitor/taskStats';
export { ExecutionRecord } from './internal/historyRing';
import type { FireQueue } from './internal/fireQueue';
import type { WaitingRun } from './internal/readyQueue';
import type { Detachable, FireSink } from './triggers/base';
import type {
  Execution,
  ExecutionStatus,
  OverlapPolicy,
  RetryOptions,
  TaskContext,
  TaskOptions,
  Trigger,
} from './types';

const OVERLAPS: ReadonlySet<string> = new Set(['skip', 'buffer-one', 'queue', 'allow']);

/** A registered task as the scheduler exposes it. */
export interface Task<A = unknown, E = unknown, R = unknown> {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly triggers: ReadonlyArray<Trigger<E>>;
  readonly args: A;
  readonly retry: Readonly<Required<RetryOptions>> | undefined;
  readonly timeout: number | undefined;
  readonly overlap: OverlapPolicy;
  readonly maxPending: number;
  readonly enabled: boolean;
  /** Paused by `pauseTask`. */
  readonly paused: boolean;
  /** Runs in progress (an attempt running or a retry waiting). */
  readonly activeRuns: number;
  /** Fires accepted and not yet started. */
  readonly waitingFires: number;
  /** Executions (one per attempt), newest last, at most `historyLimit`. */
  readonly history: ReadonlyArray<Execution<E, R>>;
}

/** The normalized, validated form of {@link TaskOptions}; never the caller's object. */
export interface NormalizedTask {
  readonly id: string | undefined;
  readonly name: string;
  readonly priority: number;
  readonly triggers: ReadonlyArray<Trigger<unknown>>;
  readonly run: (args: unknown, ctx: TaskContext<unknown>) => unknown;
  readonly args: unknown;
  readonly retry: Readonly<Required<RetryOptions>> | undefined;
  readonly timeout: number | undefined;
  readonly overlap: OverlapPolicy;
  readonly maxPending: number;
  readonly enabled: boolean;
  readonly scope: 'local' | 'cluster';
}

/** Validates task options and returns a new normalized object (the caller's is not touched). */
export function normalizeTask(options: TaskOptions<any, any, any>): NormalizedTask {
  const where = 'addTask';
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('INVALID_OPTION', where, 'options', 'must be an object', options);
  }
  const { id, name, priority = 0, triggers, run, args, retry, timeout, overlap, maxPending = Infinity, enabled = true, scope = 'local' } = options;
  if (id !== undefined && (typeof id !== 'string' || id === '')) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'id', 'must be a non-empty string', id);
  }
  if (typeof name !== 'string' || name === '') {
    throw new InvalidOptionError('INVALID_OPTION', where, 'name', 'must be a non-empty string', name);
  }
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    throw new InvalidOptionError('INVALID_PRIORITY', where, 'priority', 'must be a finite number', priority);
  }
  if (typeof run !== 'function') {
    throw new InvalidOptionError('MISSING_RUN', where, 'run', 'must be a function', run);
  }
  if (!Array.isArray(triggers) || triggers.length === 0) {
    throw new InvalidOptionError('NO_TRIGGERS', where, 'triggers', 'must be a non-empty array of triggers', triggers);
  }
  triggers.forEach((t, i) => {
    if (t === null || typeof t !== 'object' || typeof (t as Trigger).fires !== 'function') {
      throw new InvalidOptionError('INVALID_TRIGGER', where, `triggers[${i}]`, 'must be a Trigger (an object with fires())', t);
    }
  });
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    throw new InvalidOptionError('INVALID_TIMEOUT', where, 'timeout', 'must be a finite number > 0', timeout);
  }
  if (overlap !== undefined && !OVERLAPS.has(overlap as string)) {
    throw new InvalidOptionError('INVALID_OVERLAP', where, 'overlap', "must be 'skip', 'buffer-one', 'queue' or 'allow'", overlap);
  }
  if (typeof maxPending !== 'number' || Number.isNaN(maxPending) || maxPending < 0 || (Number.isFinite(maxPending) && !Number.isInteger(maxPending))) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'maxPending', 'must be an integer ≥ 0 or Infinity', maxPending);
  }
  if (typeof enabled !== 'boolean') {
    throw new InvalidOptionError('INVALID_OPTION', where, 'enabled', 'must be a boolean', enabled);
  }
  if (scope !== 'local' && scope !== 'cluster') {
    throw new InvalidOptionError('INVALID_OPTION', where, 'scope', "must be 'local' or 'cluster'", scope);
  }
  if (scope === 'cluster' && triggers.some((t: Trigger) => t.kind === 'one-time' && (t as { after?: number }).after !== undefined)) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'scope', "'cluster' cannot use oneTimeTrigger({ after }): each replica would compute its own time; use { at }", scope);
  }
  if (scope === 'cluster' && triggers.every((t: Trigger) => t.timeBased === false)) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'scope', "'cluster' needs a time trigger (event triggers stay local)", scope);
  }
  const timeOnly = triggers.every((t: Trigger) => t.timeBased !== false);
  return {
    id,
    name,
    priority,
    triggers: triggers.slice(),
    run,
    args,
    retry: normalizeRetry(retry),
    timeout,
    overlap: overlap ?? (timeOnly ? 'skip' : 'queue'),
    maxPending,
    enabled,
    scope,
  };
}

/** Validates a retry policy; `undefined` means no retries. */
export function normalizeRetry(retry: RetryOptions | undefined, where = 'addTask'): Readonly<Required<RetryOptions>> | undefined {
  if (retry === undefined) return undefined;
  if (retry === null || typeof retry !== 'object') {
    throw new InvalidOptionError('INVALID_RETRY', where, 'retry', 'must be an object', retry);
  }
  const { maxRetries, delay = 0, backoff = 'fixed', maxDelay = Infinity } = retry;
  if (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new InvalidOptionError('INVALID_RETRY', where, 'retry.maxRetries', 'must be an integer ≥ 0', maxRetries);
  }
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
    throw new InvalidOptionError('INVALID_RETRY', where, 'retry.delay', 'must be a finite number ≥ 0', delay);
  }
  if (backoff !== 'fixed' && backoff !== 'exponential') {
    throw new InvalidOptionError('INVALID_RETRY', where, 'retry.backoff', "must be 'fixed' or 'exponential'", backoff);
  }
  if (typeof maxDelay !== 'number' || Number.isNaN(maxDelay) || maxDelay < 0) {
    throw new InvalidOptionError('INVALID_RETRY', where, 'retry.maxDelay', 'must be a number ≥ 0 (Infinity allowed)', maxDelay);
  }
  return { maxRetries, delay, backoff, maxDelay };
}

/**
 * What a fire needs to know of its trigger, read once when the task is registered: a fire then
 * touches no trigger object (500 tasks ticking together: each cold object read is a cache miss
 * that every later task in the tick waits for). A trigger's kind and one-time nature are fixed.
 * @internal
 */
export interface TriggerFacts {
  readonly kind: string;
  readonly once: boolean;
  /** Claimed on the cluster before it runs: a time-based trigger of a cluster-scoped task. */
  readonly claim: boolean;
}

/** Shared: tasks on the same kind of trigger share one facts object (registration memory). */
const FACTS = new Map<string, TriggerFacts>();

/** @internal */
export function triggerFacts(trigger: Trigger<unknown>, scope: 'local' | 'cluster'): TriggerFacts {
  // As given: a custom trigger's kind reaches events and spans unchanged, whatever it is.
  const kind = trigger.kind;
  const once = trigger.once === true;
  const claim = scope === 'cluster' && trigger.timeBased !== false;
  const key = `${once ? 1 : 0}${claim ? 1 : 0}${typeof kind}:${String(kind)}`;
  let facts = FACTS.get(key);
  if (facts === undefined) {
    facts = Object.freeze({ kind, once, claim });
    // Bounded: custom trigger kinds are few in practice, but a program inventing them must not grow this.
    if (FACTS.size < 256) FACTS.set(key, facts);
  }
  return facts;
}

/** What a task record reports its triggers' fires to (the scheduler). @internal */
export interface TaskOwner {
  readonly historyLimit: number;
  onFire(task: TaskRecord, facts: TriggerFacts, index: number, at: number, event: unknown, ack: (() => void) | undefined): void;
  onTriggerError(task: TaskRecord, error: unknown): void;
  onTriggerComplete(task: TaskRecord, trigger: Trigger<unknown>): void;
}

/**
 * The scheduler's own record of a task. It is also the public {@link Task} object and, for a task
 * with one trigger, that trigger's fire sink — so a registered task costs this object plus its
 * trigger's membership of a shared schedule (see the registration benchmark).
 * @internal fields and methods below the public ones belong to the scheduler.
 */
export class TaskRecord implements Task, FireSink<unknown>, RunLogTarget {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly triggers: ReadonlyArray<Trigger<unknown>>;
  readonly args: unknown;
  readonly retry: Readonly<Required<RetryOptions>> | undefined;
  readonly timeout: number | undefined;
  readonly overlap: OverlapPolicy;
  readonly maxPending: number;
  readonly enabled: boolean;
  readonly scope: 'local' | 'cluster';
  paused = false;
  activeRuns = 0;
  waitingFires = 0;

  /** @internal */ readonly run: (args: unknown, ctx: TaskContext<unknown>) => unknown;
  /** @internal */ readonly owner: TaskOwner;
  /** @internal */ removed = false;
  /** @internal the armed triggers (one, or one per trigger) */ armed: Detachable | Detachable[] | null = null;
  /** @internal fires waiting behind the running one ('queue', 'buffer-one') */ queue: FireQueue<TaskRecord> | null = null;
  /**
   * @internal payload and acknowledgement of a 'buffer-one' task's waiting fire (it has at most
   * one): kept here, not with the fire, so a coalescing fire replaces them wherever it waits.
   */
  bufferedEvent: unknown = undefined;
  /** @internal */ bufferedAck: (() => void) | undefined = undefined;
  /** @internal runs popped while the task was paused */ parked: WaitingRun<TaskRecord>[] | null = null;
  /** @internal one-time triggers (by index) that have fired */ onceFired: Set<number> | null = null;
  /** @internal every trigger fires at most once */ readonly onceOnly: boolean;
  /** @internal what a fire needs of the first trigger, read once (a fire touches no trigger object) */
  readonly firstFacts: TriggerFacts;
  /** @internal counts and distributions, created on the first activity (idle tasks cost nothing here) */ counters: TaskStats | null = null;
  /** @internal monitoring state (created lazily by the monitor) */ monitor: unknown = null;
  /** Created on the first execution: idle tasks cost nothing here. */
  private executions: HistoryRing | null = null;

  constructor(id: string, normalized: NormalizedTask, owner: TaskOwner) {
    this.id = id;
    this.name = normalized.name;
    this.priority = normalized.priority;
    this.triggers = normalized.triggers;
    this.args = normalized.args;
    this.retry = normalized.retry;
    this.timeout = normalized.timeout;
    this.overlap = normalized.overlap;
    this.maxPending = normalized.maxPending;
    this.enabled = normalized.enabled;
    this.scope = normalized.scope;
    this.run = normalized.run;
    this.owner = owner;
    this.onceOnly = normalized.triggers.every((t) => t.once === true);
    this.firstFacts = triggerFacts(normalized.triggers[0], normalized.scope);
  }

  get history(): ReadonlyArray<Execution> {
    if (runLogPending()) flushRunLog();
    return this.executions === null ? [] : this.executions.toArray(this.id);
  }

  /** @internal fire of the task's only trigger */
  onTriggerFire(at: number, event: unknown, ack: (() => void) | undefined): void {
    this.owner.onFire(this, this.firstFacts, 0, at, event, ack);
  }

  /** @internal */
  onTriggerError(error: unknown): void {
    this.owner.onTriggerError(this, error);
  }

  /** @internal */
  onTriggerComplete(): void {
    this.owner.onTriggerComplete(this, this.triggers[0]);
  }

  /** @internal the task's statistics, with every logged attempt applied (see `runLog`) */
  stats(): TaskStats {
    if (runLogPending()) flushRunLog();
    return this.loggedStats();
  }

  /** @internal the statistics the run log applies entries to (no flush: see `runLog`) */
  loggedStats(): TaskStats {
    return (this.counters ??= new TaskStats());
  }

  /** @internal the history the run log applies entries to; null when none is kept */
  loggedHistory(): HistoryRing | null {
    const limit = this.owner.historyLimit;
    return limit === 0 ? null : (this.executions ??= new HistoryRing(limit));
  }

}
