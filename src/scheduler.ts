import { Subject, interval, isObservable, map, type Observable, type SchedulerLike } from 'rxjs';
import { eachValueFrom } from 'rxjs-for-await';
import { InvalidOptionError, SchedulerError, UnknownTaskError, DuplicateTaskError } from './errors';
import { retryDelay } from './internal/backoff';
import { Clock, type TimerHandle } from './internal/clock';
import { FireQueue } from './internal/fireQueue';
import { ReadyQueue, type WaitingRun } from './internal/readyQueue';
import { flushRunLog, logEnded, logStarted } from './internal/runLog';
import { atTurnEnd, type TurnEndWork } from './internal/turnEnd';
import { TimerGroups } from './internal/timerGroups';
import { DEFAULT_KEY_PREFIX, assertLease, claimOccurrence, occurrenceKey, type Coordinator } from './cluster/coordinator';
import { CpuTracker } from './monitor/cpu';
import { createOtelInstrumentation, type OtelApi, type OtelAttemptHandle, type OtelInstrumentation } from './monitor/otel';
import { RateMeter } from './monitor/rateMeter';
import {
  NodeResourceSampler,
  exceededLimits,
  validateResourceLimits,
  type ResourceLimits,
  type ResourceSample,
  type ResourceSampler,
} from './monitor/resourceSampler';
import { TaskStats, taskState, type SchedulerStatsSnapshot, type TaskStatsSnapshot } from './monitor/taskStats';
import { Attempt, AttemptExtras, BUFFERED, Run } from './run';
import { ExecutionRecord, TaskRecord, normalizeTask, triggerFacts, type Task, type TaskOwner, type TriggerFacts } from './task';
import { detachable, isBuiltInTrigger, type Detachable, type FireSink, type TriggerEnv } from './triggers/base';
import type {
  ExecutionStatus,
  Logger,
  SchedulerEvent,
  SchedulerEventType,
  SchedulerOptions,
  TaskOptions,
  Trigger,
} from './types';

/** Where the scheduler is in its lifecycle. */
export type SchedulerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Options of {@link Scheduler.stop}. */
export interface StopOptions {
  /** Ms to let running attempts finish before they are aborted. @default no limit */
  readonly timeout?: number;
}

/** The reason a timed-out attempt's signal is aborted with (and its recorded error). */
export class TaskTimeoutError extends Error {
  constructor(readonly taskId: string, readonly timeout: number) {
    super(`task ${JSON.stringify(taskId)} timed out after ${timeout} ms`);
    this.name = 'TimeoutError';
  }
}

/** The reason an attempt's signal is aborted with when `stop({ timeout })` ends it. */
export class TaskAbortedError extends Error {
  constructor(readonly taskId: string) {
    super(`task ${JSON.stringify(taskId)} was aborted because the scheduler stopped`);
    this.name = 'AbortError';
  }
}

/**
 * Starts at most this many runs per event-loop turn on a real clock, then yields (setImmediate)
 * so a drained backlog of promise runs cannot starve timers. Virtual time never yields.
 */
const TURN_BUDGET = 1000;

/**
 * Free {@link Reaction}s kept for reuse: as many as attempts run at once, up to this many (a
 * spike of 10 000 concurrent attempts must not keep 10 000 pairs of callbacks forever).
 */
const MAX_FREE_REACTIONS = 256;

/** `Promise.prototype.then` as it was when this module loaded. */
const NATIVE_THEN = Promise.prototype.then;

/**
 * The two callbacks an attempt's promise settles through (`then(fulfilled, rejected)`), made once
 * and reused by one attempt after another instead of two closures per attempt: a pair of
 * closures and their context were ≈ 170 B of the ≈ 770 B allocated per run of a 200 000-run
 * dispatch (V8's sampling heap profiler). Only for native promises (`then` is the intrinsic
 * `Promise.prototype.then`), which call one of the two exactly once — after which the pair is
 * free for the next attempt. A foreign thenable might call them again,
 * later, for an attempt that is no longer its own: it gets fresh closures.
 */
class Reaction {
  attempt: Attempt | null = null;
  readonly fulfilled: (value: unknown) => void;
  readonly rejected: (error: unknown) => void;

  constructor(
    settle: (attempt: Attempt, status: ExecutionStatus, error: unknown, result: unknown) => void,
    private readonly free: Reaction[],
  ) {
    this.fulfilled = (value) => settle(this.release(), 'succeeded', undefined, value);
    this.rejected = (error) => settle(this.release(), 'failed', error, undefined);
  }

  /** Returns the attempt it was lent to, and itself to the free list (unless that is full). */
  release(): Attempt {
    const attempt = this.attempt as Attempt;
    this.attempt = null;
    if (this.free.length < MAX_FREE_REACTIONS) this.free.push(this);
    return attempt;
  }
}

/**
 * Schedules and runs background tasks: fires of every enabled task's triggers are ordered by
 * priority (lower number first, then earliest fire) and run with at most `maxRunningTasks` runs at
 * once. All timing goes through one RxJS `SchedulerLike`, so `TestScheduler.run()` drives it in
 * virtual time.
 *
 * Lifecycle: `idle` → `start()` → `running` ⇄ `pause()`/`resume()`; `stop()` → `stopping` →
 * `stopped`; `start()` or `resume()` re-arms a stopped scheduler from now.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler({ maxRunningTasks: 4 });
 * scheduler.addTask({ name: 'heartbeat', triggers: [periodicTrigger({ interval: 5_000 })], run: sendHeartbeat });
 * scheduler.start();
 * process.once('SIGTERM', () => scheduler.stop({ timeout: 5_000 }));
 * ```
 * @see periodicTrigger
 * @see eventTrigger
 * @see oneTimeTrigger
 */
export class Scheduler implements TaskOwner {
  /** Everything that happens, as an Observable (hot; no replay). */
  readonly events$: Observable<SchedulerEvent>;
  /** The limit of runs at once. */
  readonly maxRunningTasks: number;
  /** Executions kept per task. */
  readonly historyLimit: number;

  private readonly subject = new Subject<SchedulerEvent>();
  /** @internal */ readonly clock: Clock;
  private readonly env: TriggerEnv;
  /** Trigger environment of cluster-scoped tasks: intervals anchored to the epoch. */
  private readonly clusterEnv: TriggerEnv;
  private readonly coordinator: Coordinator | null;
  private readonly leaseMs: number;
  private readonly registry = new Map<string, TaskRecord>();
  /** Runs eligible to start, waiting for a slot: priority, then fire order. */
  private readonly ready: ReadyQueue<TaskRecord>;
  /** Runs waiting out a retry delay (they hold no slot). */
  private readonly retrying = new Set<Run>();
  private lifecycle: SchedulerState = 'idle';
  private paused = false;
  private running = 0;
  private pending = 0;
  private seq = 0;
  private idCounter = 0;
  private draining = false;
  /** Attempts in progress, in no particular order (each knows its `slot`). */
  private readonly inFlight: Attempt[] = [];
  /** Free callback pairs for attempts' promises (see {@link Reaction}). */
  private readonly reactions: Reaction[] = [];
  private readonly settleFromReaction = (attempt: Attempt, status: ExecutionStatus, error: unknown, result: unknown): void =>
    this.settle(attempt, status, error, result);
  private stopping: { promise: Promise<void>; resolve: () => void; timer: TimerHandle | null } | null = null;
  /** Runs started on a real clock since the last {@link endTurn} (the turn budget counts them). */
  private turnStarts = 0;
  private yielded = false;
  private turnEndArmed = false;
  /**
   * While below `Infinity`, the free slots of this turn go only to fires whose ordering key is
   * lower than this (more urgent than anything that waited when a slot was held): see
   * {@link holdForUrgent}. Reset at the turn's end.
   */
  private holdBelow = Infinity;
  /** The lowest priority number of any registered task (recomputed lazily after a removal). */
  private urgentPriority = Infinity;
  private urgentStale = false;

  // Monitoring and resource-aware admission (all optional; idle unless configured).
  /** Name of this scheduler. */
  readonly name: string;
  private readonly logger: Logger | null;
  private readonly otel: OtelInstrumentation | null;
  private readonly cpu: CpuTracker | null;
  private readonly fireRate = new RateMeter();
  /** Fires not yet counted into `fireRate` (see `countFire`), the first at `firesAt`. */
  private firesPending = 0;
  private firesAt = 0;
  private readonly limits: ResourceLimits | null;
  private readonly essentialPriority: number;
  private readonly resourceCheckInterval: number;
  private readonly agingMs: number;
  private sampler: ResourceSampler | null;
  private readonly ownSampler: boolean;
  private lastSample: ResourceSample | null = null;
  private lastSampleAt = -Infinity;
  private exceeded: string[] = [];
  /** Non-essential runs held back while a resource limit is exceeded. */
  private throttledRuns: WaitingRun<TaskRecord>[] = [];
  private recheck: TimerHandle | null = null;

  constructor(options: SchedulerOptions = {}) {
    const where = 'Scheduler';
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('INVALID_OPTION', where, 'options', 'must be an object', options);
    }
    const {
      maxRunningTasks = 1,
      scheduler,
      historyLimit = 100,
      unref = false,
      name = 'default',
      monitor,
      resourceLimits,
      essentialPriority = 0,
      resourceSampler,
      resourceCheckInterval = 100,
      agingMs,
      otel,
      logger,
      coordinator,
      leaseMs = 60_000,
    } = options;
    if (typeof maxRunningTasks !== 'number' || !Number.isInteger(maxRunningTasks) || maxRunningTasks < 1) {
      throw new InvalidOptionError('INVALID_MAX_RUNNING_TASKS', where, 'maxRunningTasks', 'must be a positive integer', maxRunningTasks);
    }
    if (typeof historyLimit !== 'number' || !Number.isInteger(historyLimit) || historyLimit < 0) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'historyLimit', 'must be an integer ≥ 0', historyLimit);
    }
    if (scheduler !== undefined && !isSchedulerLike(scheduler)) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'scheduler', 'must be an RxJS SchedulerLike (now() and schedule())', scheduler);
    }
    if (typeof unref !== 'boolean') {
      throw new InvalidOptionError('INVALID_OPTION', where, 'unref', 'must be a boolean', unref);
    }
    if (typeof name !== 'string' || name === '') {
      throw new InvalidOptionError('INVALID_OPTION', where, 'name', 'must be a non-empty string', name);
    }
    if (monitor !== undefined && (monitor === null || typeof monitor !== 'object')) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'monitor', 'must be an object like { cpu: true }', monitor);
    }
    if (typeof essentialPriority !== 'number' || !Number.isFinite(essentialPriority)) {
      throw new InvalidOptionError('INVALID_PRIORITY', where, 'essentialPriority', 'must be a finite number', essentialPriority);
    }
    if (typeof resourceCheckInterval !== 'number' || !Number.isFinite(resourceCheckInterval) || resourceCheckInterval <= 0) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'resourceCheckInterval', 'must be a finite number > 0', resourceCheckInterval);
    }
    if (agingMs !== undefined && (typeof agingMs !== 'number' || !Number.isFinite(agingMs) || agingMs <= 0)) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'agingMs', 'must be a finite number > 0', agingMs);
    }
    if (resourceSampler !== undefined && (resourceSampler === null || typeof (resourceSampler as ResourceSampler).sample !== 'function')) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'resourceSampler', 'must have a sample() method', resourceSampler);
    }
    if (logger !== undefined && !isLogger(logger)) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'logger', 'must have info, warn and error methods', logger);
    }
    if (coordinator !== undefined && (coordinator === null || typeof (coordinator as Coordinator).claim !== 'function')) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'coordinator', 'must implement Coordinator (claim(key, leaseMs))', coordinator);
    }
    assertLease(where, leaseMs);
    if (otel !== undefined && !isOtel(otel)) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'otel', 'must be the @opentelemetry/api module or an OtelInstrumentation', otel);
    }
    this.maxRunningTasks = maxRunningTasks;
    this.historyLimit = historyLimit;
    this.name = name;
    this.logger = logger ?? null;
    this.otel = otel === undefined ? null : 'onAttemptStart' in otel ? otel : createOtelInstrumentation(otel as OtelApi);
    this.cpu = monitor?.cpu === true ? new CpuTracker() : null;
    this.limits = resourceLimits === undefined ? null : validateResourceLimits(resourceLimits, where);
    this.essentialPriority = essentialPriority;
    this.resourceCheckInterval = resourceCheckInterval;
    this.agingMs = agingMs ?? 0;
    this.ready = new ReadyQueue<TaskRecord>(this.agingMs);
    this.sampler = resourceSampler ?? null;
    this.ownSampler = resourceSampler === undefined;
    this.clock = new Clock(scheduler, unref);
    this.env = { clock: this.clock, timers: new TimerGroups(this.clock) };
    this.clusterEnv = { clock: this.clock, timers: this.env.timers, anchorIntervals: true };
    this.coordinator = coordinator ?? null;
    this.leaseMs = leaseMs;
    this.events$ = this.subject.asObservable();
  }

  // ── Registry ────────────────────────────────────────────────────────────────────────────────

  /**
   * Registers a task. Its triggers are armed at once if the scheduler is running, else on
   * `start()`. Throws {@link SchedulerError} for invalid options or a duplicate id.
   */
  addTask<A = undefined, E = never, R = unknown>(options: TaskOptions<A, E, R>): Task<A, E, R> {
    const normalized = normalizeTask(options);
    if (normalized.scope === 'cluster' && this.coordinator === null) {
      throw new InvalidOptionError('INVALID_OPTION', 'addTask', 'scope', "'cluster' needs the scheduler's coordinator option", normalized.scope);
    }
    const id = normalized.id ?? this.generateId();
    if (this.registry.has(id)) throw new DuplicateTaskError(id);
    const task = new TaskRecord(id, normalized, this);
    this.registry.set(id, task);
    if (task.priority < this.urgentPriority) this.urgentPriority = task.priority;
    if (this.watching) this.emit('task-added', { taskId: id });
    if (this.lifecycle === 'running' && task.enabled) this.arm(task);
    return task as unknown as Task<A, E, R>;
  }

  /** The task with this id, or `undefined`. */
  getTask(id: string): Task | undefined {
    return this.registry.get(id);
  }

  /** Every registered task, in registration order. */
  tasks(): Task[] {
    return [...this.registry.values()];
  }

  /**
   * Unregisters a task: its triggers are disarmed and its waiting fires and pending retries
   * dropped (reported). A running attempt finishes, but no retry or later fire of it starts.
   * Returns `false` for an unknown id.
   */
  removeTask(id: string): boolean {
    const task = this.registry.get(id);
    if (!task) return false;
    this.retire(task, 'task-removed');
    return true;
  }

  // ── Lifecycle ───────────────────────────────────────────────────────────────────────────────

  /** Current lifecycle state. */
  get state(): SchedulerState {
    return this.lifecycle;
  }

  /** True while `pause()` holds runs back. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Attempts running now. */
  get runningCount(): number {
    return this.running;
  }

  /** Fires (and retries whose delay is over) waiting for a slot. */
  get pendingCount(): number {
    return this.pending;
  }

  /**
   * Arms every enabled task's triggers and starts dispatching. Idempotent while running; from
   * `stopped` it re-arms every trigger from now (ticks missed while stopped are not replayed).
   * Throws `SCHEDULER_STOPPING` while a `stop()` is still in progress.
   */
  start(): void {
    if (this.lifecycle === 'running') return;
    if (this.lifecycle === 'stopping') {
      throw new SchedulerError('SCHEDULER_STOPPING', 'start: the scheduler is stopping; await stop() before starting it again');
    }
    this.lifecycle = 'running';
    this.cpu?.enable();
    if (this.watching) this.emit('started', {});
    for (const task of this.registry.values()) if (task.enabled) this.arm(task);
    this.drain();
  }

  /** Stops starting runs; triggers keep firing into the waiting queue under each overlap policy. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.watching) this.emit('paused', {});
  }

  /** Undoes `pause()`, starting waiting runs in priority order; on a stopped scheduler, like `start()`. */
  resume(): void {
    if (this.lifecycle === 'stopped') {
      this.paused = false;
      this.start();
      if (this.watching) this.emit('resumed', {});
      return;
    }
    if (this.lifecycle === 'stopping') {
      throw new SchedulerError('SCHEDULER_STOPPING', 'resume: the scheduler is stopping; await stop() before resuming it');
    }
    if (!this.paused) return;
    this.paused = false;
    if (this.watching) this.emit('resumed', {});
    this.drain();
  }

  /**
   * Disarms every trigger, drops waiting fires and pending retries (reported as `'dropped'`), lets
   * running attempts finish for up to `timeout` ms, then aborts them through `ctx.signal` and
   * records them `'aborted'`. Resolves once no attempt is running; an attempt that ignores its
   * signal is abandoned and its late result ignored. Calling it again returns the same promise.
   */
  stop(options: StopOptions = {}): Promise<void> {
    const timeout = options?.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
      throw new InvalidOptionError('INVALID_TIMEOUT', 'stop', 'timeout', 'must be a number ≥ 0', timeout);
    }
    if (this.stopping) return this.stopping.promise;
    const wasRunning = this.lifecycle === 'running';
    this.lifecycle = 'stopping';
    for (const task of this.registry.values()) this.disarm(task, false);
    this.dropAllWaiting('stopped');
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.stopping = { promise, resolve, timer: null };
    if (this.running === 0) this.finishStop(wasRunning);
    else if (timeout !== undefined) this.stopping.timer = this.clock.after(timeout, () => this.abortInFlight());
    return promise;
  }

  /** Holds one task's runs back, like `pause()` for the whole scheduler. Throws for an unknown id. */
  pauseTask(id: string): void {
    const task = this.require('pauseTask', id);
    if (task.paused) return;
    task.paused = true;
    if (this.watching) this.emit('task-paused', { taskId: id });
  }

  /** Undoes `pauseTask`. Throws for an unknown id. */
  resumeTask(id: string): void {
    const task = this.require('resumeTask', id);
    if (!task.paused) return;
    task.paused = false;
    const parked = task.parked;
    task.parked = null;
    if (parked) for (const run of parked) this.ready.pushRun(run);
    if (this.watching) this.emit('task-resumed', { taskId: id });
    this.drain();
  }

  /**
   * Fires the task now, with an optional event: a fire like any other (overlap policy, priority;
   * it waits while paused, before `start()` and after `stop()` has resolved). While `stop()` is in
   * progress it is dropped and reported, like every other waiting fire. Throws for an unknown id.
   */
  runNow(id: string, event?: unknown): void {
    const task = this.require('runNow', id);
    const now = this.clock.now();
    const seq = ++this.seq;
    if (this.lifecycle === 'stopping') {
      // stop() drops what waits; a fire arriving while it drains is dropped the same way.
      this.reject(task, now, event, undefined, 'dropped', 'stopped');
      return;
    }
    this.countFire(now);
    this.admit(task, now, event, undefined, seq, 'manual');
  }

  /** The events as an async iterable (each value buffered until read), via rxjs-for-await. */
  events(): AsyncIterableIterator<SchedulerEvent> {
    return eachValueFrom(this.events$);
  }

  // ── Triggers ────────────────────────────────────────────────────────────────────────────────

  private arm(task: TaskRecord): void {
    if (task.armed !== null || task.removed) return;
    const triggers = task.triggers;
    if (triggers.length === 1) {
      // The common case: the task record is the sink and the membership the detacher.
      task.armed = [];
      if (!(triggers[0].once && task.onceFired?.has(0))) {
        const armed = this.armTrigger(task, triggers[0], 0, task);
        if (task.armed !== null && !task.removed) task.armed = armed;
        else armed.detach(task.removed);
      }
      return;
    }
    const all: Detachable[] = [];
    task.armed = all;
    for (let i = 0; i < triggers.length; i++) {
      const trigger = triggers[i];
      if (trigger.once && task.onceFired?.has(i)) continue;
      all.push(this.armTrigger(task, trigger, i, new TriggerSink(this, task, trigger, i)));
      if (task.armed !== all) {
        // A synchronous fire removed the task (or stop disarmed it) while arming: undo the rest.
        for (const armed of all) armed.detach(task.removed);
        break;
      }
    }
  }

  private armTrigger(task: TaskRecord, trigger: Trigger<unknown>, index: number, sink: FireSink<unknown>): Detachable {
    if (isBuiltInTrigger(trigger)) return trigger.attach(task.scope === 'cluster' ? this.clusterEnv : this.env, sink);
    try {
      const sub = trigger.fires({ scheduler: this.clock.scheduler }).subscribe({
        next: (fire) => sink.onTriggerFire(fire.at, fire.event, fire.ack),
        error: (error) => sink.onTriggerError(error),
        complete: () => sink.onTriggerComplete(),
      });
      return detachable(() => sub.unsubscribe());
    } catch (error) {
      // A custom trigger that throws while arming is reported like one that errors.
      sink.onTriggerError(error);
      return detachable(() => undefined);
    }
  }

  private disarm(task: TaskRecord, final: boolean): void {
    const armed = task.armed;
    if (armed === null) return;
    task.armed = null;
    if (Array.isArray(armed)) for (const a of armed) a.detach(final);
    else armed.detach(final);
  }

  /** @internal A trigger of `task` fired. */
  onFire(task: TaskRecord, facts: TriggerFacts, index: number, at: number, event: unknown, ack: (() => void) | undefined): void {
    if (task.removed || this.lifecycle !== 'running') {
      ack?.();
      return;
    }
    if (facts.once) (task.onceFired ??= new Set()).add(index);
    this.countFire(at);
    if (facts.claim) this.claimThenAdmit(new Run(task, at, event, ack, ++this.seq, facts.kind));
    else this.admit(task, at, event, ack, ++this.seq, facts.kind);
  }

  /**
   * Counts a fire for `firesPerSecond`. On a real clock the fires of one macrotask are counted
   * into the rate meter together at its end (at the time of the first): the rate meter's rare
   * branches (a new bucket every second) then run outside the burst of runs, where a first
   * execution that deoptimizes the code does not slow the runs down. A virtual clock counts each
   * at once (its time moves within a macrotask).
   */
  private countFire(at: number): void {
    if (this.clock.virtual) {
      this.fireRate.mark(at);
      return;
    }
    if (this.firesPending++ === 0) {
      this.firesAt = at;
      atTurnEnd(this.fireCount);
    }
  }

  /** Counts the fires waiting since {@link countFire} into the rate meter. */
  private readonly fireCount: TurnEndWork = {
    runAtTurnEnd: () => {
      if (this.firesPending === 0) return;
      this.fireRate.mark(this.firesAt, this.firesPending);
      this.firesPending = 0;
    },
  };

  /**
   * A cluster-scoped occurrence is admitted only once this node owns it. The key is the task id
   * plus the occurrence's scheduled time as the trigger computed it; the lease is never released
   * (it expires), so a fast run cannot be repeated by a slower replica. Fails closed: a claim that
   * errors or times out skips the occurrence here, reported with its reason.
   */
  private claimThenAdmit(run: Run): void {
    const task = run.task;
    // Refuse locally, without claiming, what this replica would not run now: the occurrence stays
    // free for a replica that can (a paused, throttled or — under 'skip' — busy one cannot).
    const refusal = this.localRefusal(task);
    if (refusal !== null) {
      this.reject(task, run.at, run.event, run.ack, 'skipped', refusal);
      return;
    }
    const coordinator = this.coordinator as Coordinator;
    let key: string;
    try {
      key = occurrenceKey(coordinator.prefix ?? DEFAULT_KEY_PREFIX, this.name, task.id, Math.round(run.at));
    } catch (error) {
      this.reject(task, run.at, run.event, run.ack, 'skipped', 'coordinator-error');
      return;
    }
    claimOccurrence(coordinator, key, this.leaseMs).subscribe((result) => {
      if (task.removed || this.lifecycle !== 'running') {
        // The claim was decided after stop() or removal began: reported like any dropped fire.
        this.reject(task, run.at, run.event, run.ack, 'dropped', task.removed ? 'task-removed' : 'stopped');
        return;
      }
      if (result.owned) this.admit(task, run.at, run.event, run.ack, run.seq, run.kind);
      else this.reject(task, run.at, run.event, run.ack, 'skipped', result.reason);
    });
  }

  /** @internal A trigger's source failed: reported, and the task's other triggers carry on. */
  onTriggerError(task: TaskRecord, error: unknown): void {
    task.stats().lastError = error;
    if (this.watching) this.emit('trigger-error', { taskId: task.id, error });
  }

  /** @internal A trigger's source completed. */
  onTriggerComplete(task: TaskRecord, trigger: Trigger<unknown>): void {
    if (this.watching && !trigger.once) this.emit('trigger-completed', { taskId: task.id });
  }

  private localRefusal(task: TaskRecord): string | null {
    if (this.paused || task.paused) return 'paused';
    if (task.overlap === 'skip' && (task.activeRuns > 0 || task.waitingFires > 0)) return 'task-busy';
    if (this.mustHold(task)) return 'throttled';
    return null;
  }

  // ── Admission (overlap policies) ────────────────────────────────────────────────────────────
  // A fire travels as arguments (task, at, event, ack, seq, kind) and is stored column-wise while
  // it waits: no object per fire on this path.

  private admit(task: TaskRecord, at: number, event: unknown, ack: (() => void) | undefined, seq: number, kind: string): void {
    switch (task.overlap) {
      case 'allow':
        return this.enqueue(task, at, event, ack, seq, kind);
      case 'skip':
        if (task.activeRuns > 0 || task.waitingFires > 0) return this.reject(task, at, event, ack, 'skipped', 'task-busy');
        return this.enqueue(task, at, event, ack, seq, kind);
      case 'buffer-one':
        if (task.waitingFires > 0) return this.coalesce(task, at, event, ack);
        if (task.activeRuns > 0) return this.hold(task, at, event, ack, seq, kind);
        return this.enqueue(task, at, event, ack, seq, kind);
      case 'queue':
        if (task.activeRuns === 0 && task.waitingFires === 0) return this.enqueue(task, at, event, ack, seq, kind);
        if (task.waitingFires >= task.maxPending) return this.reject(task, at, event, ack, 'dropped', 'max-pending');
        return this.hold(task, at, event, ack, seq, kind);
    }
  }

  /** Makes a fire eligible for a slot: starts it at once when one is free and nothing else waits. */
  private enqueue(task: TaskRecord, at: number, event: unknown, ack: (() => void) | undefined, seq: number, kind: string): void {
    task.waitingFires++;
    this.pending++;
    if (!this.draining && this.ready.size === 0 && !task.paused && this.slotFree() && !this.mustHold(task)) {
      this.startRun(task, at, event, ack, seq, kind, 0);
      return;
    }
    this.store(this.ready, task, at, seq, event, ack, kind);
    // With every slot taken, nothing can start: skip the drain (the common case under a flood).
    if (this.running < this.maxRunningTasks) this.drain();
  }

  /** Whether a resource limit holds this task's runs back right now. */
  private mustHold(task: TaskRecord): boolean {
    return this.limits !== null && task.priority > this.essentialPriority && this.overLimit();
  }

  /** Keeps a fire behind the task's running one ('queue', 'buffer-one'). */
  private hold(task: TaskRecord, at: number, event: unknown, ack: (() => void) | undefined, seq: number, kind: string): void {
    task.waitingFires++;
    this.pending++;
    this.store((task.queue ??= new FireQueue<TaskRecord>()), task, at, seq, event, ack, kind);
  }

  /**
   * Stores a waiting fire in `queue` (the ready queue, or the task's own behind its running run).
   * A 'buffer-one' task's payload stays on the task (`BUFFERED` in the queue), so that a
   * coalescing fire can replace it wherever the fire waits.
   */
  private store(
    queue: FireQueue<TaskRecord> | ReadyQueue<TaskRecord>,
    task: TaskRecord,
    at: number,
    seq: number,
    event: unknown,
    ack: (() => void) | undefined,
    kind: string,
  ): void {
    if (task.overlap === 'buffer-one') {
      task.bufferedEvent = event;
      task.bufferedAck = ack;
      queue.push(task, at, seq, BUFFERED, undefined, kind);
    } else {
      queue.push(task, at, seq, event, ack, kind);
    }
  }

  /** A 'buffer-one' fire while one waits: the waiting fire keeps its place and takes this payload. */
  private coalesce(task: TaskRecord, at: number, event: unknown, ack: (() => void) | undefined): void {
    const previousAck = task.bufferedAck;
    task.bufferedEvent = event;
    task.bufferedAck = ack;
    task.stats().coalesced++;
    if (this.otel !== null) this.otel.onCoalesced(otelTask(task));
    if (this.watching) this.emit('coalesced', { taskId: task.id, event, reason: 'buffer-one', firedAt: at });
    previousAck?.();
  }

  private reject(task: TaskRecord, at: number, event: unknown, ack: (() => void) | undefined, type: 'skipped' | 'dropped', reason: string): void {
    const stats = task.stats();
    if (type === 'skipped') stats.skipped++;
    else stats.dropped++;
    if (this.otel !== null) {
      if (type === 'skipped') this.otel.onSkipped(otelTask(task));
      else this.otel.onDropped(otelTask(task));
    }
    if (this.watching) this.emit(type, { taskId: task.id, reason, event, firedAt: at });
    ack?.();
    this.maybeRetire(task);
  }

  // ── Dispatch ────────────────────────────────────────────────────────────────────────────────

  /** A slot is free and the scheduler may start runs. */
  private slotFree(): boolean {
    return this.lifecycle === 'running' && !this.paused && this.running < this.maxRunningTasks;
  }

  /**
   * `slotFree()` plus, on a real clock, the per-turn budget for draining a backlog: a flood of
   * waiting runs whose completions chain through microtasks must not starve timers. A fire that
   * finds a slot free and nothing waiting never comes here: it starts within its emission.
   */
  private canDispatch(): boolean {
    if (!this.slotFree()) return false;
    // On a virtual clock `turnStarts` stays 0 (startRun counts real-clock starts only).
    if (this.turnStarts >= TURN_BUDGET) {
      this.yielded = true;
      return false;
    }
    return true;
  }

  /** Runs {@link endTurn} in the check phase of this event-loop turn (once however often called). */
  private armTurnEnd(): void {
    if (this.turnEndArmed) return;
    this.turnEndArmed = true;
    setImmediate(this.endTurn);
  }

  private readonly endTurn = (): void => {
    this.turnEndArmed = false;
    this.turnStarts = 0;
    if (this.yielded || this.holdBelow !== Infinity) {
      this.yielded = false;
      this.holdBelow = Infinity;
      this.drain();
    }
  };

  /**
   * Called when an attempt's end frees a slot while fires wait. On a real clock, if nothing has
   * started since the last turn's end — so the ended attempt started in an earlier turn and its
   * end came from a timer or I/O, in a loop phase whose other callbacks have not all run yet — and
   * a task more urgent than the first waiting fire exists, the slot is held until the end of this
   * turn (`setImmediate`, the check phase). Until then a fire more urgent than that first waiting
   * one takes a held slot at once; at the turn's end the held slots go to whatever waits first.
   *
   * Without this, a priority-0 fire whose timer runs in the same timers phase as the end of a busy
   * priority-5 run, but after it, finds the slot already given to the next priority-5 run and waits
   * for the next one to end (≈ 1 ms with 1–3 ms runs). The cost: a slot stays free for the rest of
   * one loop phase, and only when tasks of different priorities share the scheduler. Virtual time
   * has no loop phases and never holds.
   */
  private holdForUrgent(): boolean {
    if (!this.mayKeepSlots() || !this.slotFree() || !this.outranked(this.ready.peekTask())) return false;
    const key = this.ready.peekKey();
    if (key < this.holdBelow) this.holdBelow = key;
    this.armTurnEnd();
    return true;
  }

  /**
   * Whether a freed slot may be kept for a more urgent fire ({@link holdForUrgent}): on a real
   * clock, before this turn's first start.
   */
  private mayKeepSlots(): boolean {
    return this.turnStarts === 0 && !this.clock.virtual;
  }

  /** Whether some registered task is more urgent than `task`. */
  private outranked(task: TaskRecord): boolean {
    return task.priority > this.mostUrgentPriority();
  }

  /** The lowest priority number among registered tasks: no fire can be more urgent than it. */
  private mostUrgentPriority(): number {
    if (this.urgentStale) {
      this.urgentStale = false;
      let lowest = Infinity;
      for (const task of this.registry.values()) if (task.priority < lowest) lowest = task.priority;
      this.urgentPriority = lowest;
    }
    return this.urgentPriority;
  }

  /**
   * Starts waiting runs while slots are free: lowest priority number first, then FIFO. `now`,
   * when given, is the clock reading the caller just took with nothing run since (an attempt's
   * end): the first run started here uses it instead of reading the clock again.
   */
  private drain(now = NaN): void {
    if (this.draining) return;
    this.draining = true;
    try {
      const ready = this.ready;
      const out = ready.out;
      while (ready.size > 0) {
        const task = ready.peekTask();
        if (task.paused) {
          // Set aside until resumeTask; it keeps its place (seq) when it comes back.
          (task.parked ??= []).push(ready.shiftRun());
          continue;
        }
        if (this.mustHold(task)) {
          // Held back, not dropped: it keeps its place and comes back when the limit clears.
          this.throttledRuns.push(ready.shiftRun());
          this.armRecheck();
          continue;
        }
        // A slot held for the rest of this turn goes only to a more urgent fire (holdForUrgent).
        if (this.holdBelow !== Infinity && ready.peekKey() >= this.holdBelow) break;
        if (!this.canDispatch()) break;
        ready.shift();
        const event = out.event;
        const ack = out.ack;
        ready.releaseOut();
        this.startRun(task, out.at, event, ack, out.seq, out.kind, out.attempt, now);
        now = NaN;
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * Starts the next attempt of a run; `done` is the number of attempts already made, `now` the
   * current time if the caller has just read it (NaN: read it here).
   */
  private startRun(
    task: TaskRecord,
    at: number,
    event: unknown,
    ack: (() => void) | undefined,
    seq: number,
    kind: string,
    done: number,
    now = NaN,
  ): void {
    this.pending--;
    if (done === 0) {
      task.waitingFires--;
      task.activeRuns++;
    }
    if (event === BUFFERED) {
      event = task.bufferedEvent;
      ack = task.bufferedAck;
      task.bufferedEvent = task.bufferedAck = undefined;
    }
    this.running++;
    if (!this.clock.virtual && this.turnStarts++ === 0) this.armTurnEnd();
    if (now !== now) now = this.clock.now();
    const attempt = new Attempt(task, at, event, done + 1, now);
    attempt.slot = this.inFlight.length;
    this.inFlight.push(attempt);
    if (task.retry !== undefined) {
      // A retry waits in the place its original fire earned (seq), reported as the same kind.
      const extras = (attempt.extras = new AttemptExtras());
      extras.seq = seq;
      extras.kind = kind;
    }
    logStarted(task, now, at, attempt.attempt);
    if (this.otel !== null) {
      (attempt.extras ??= new AttemptExtras()).monitor = this.otel.onAttemptStart({
        taskId: task.id,
        taskName: task.name,
        priority: task.priority,
        attempt: attempt.attempt,
        triggerKind: kind,
        waitMs: attempt.attempt === 1 ? now - at : undefined,
      });
    }
    ack?.();
    if (this.watching) this.emit('run-started', { taskId: task.id, attempt: attempt.attempt, event });
    this.invoke(task, attempt);
  }

  private invoke(task: TaskRecord, attempt: Attempt): void {
    let result: unknown;
    try {
      if (this.cpu === null && (attempt.extras === null || attempt.extras.monitor === null)) result = task.run.call(undefined, task.args, attempt);
      else result = this.invokeMonitored(task, attempt);
      if (result !== null && typeof result === 'object') {
        // Inside the try: a hostile thenable (a throwing `then` getter or call) is a failed attempt.
        const then = (result as PromiseLike<unknown>).then;
        if (then === NATIVE_THEN) {
          // A native promise (the common case): settles through a reusable pair of callbacks.
          const reaction = this.reactions.pop() ?? new Reaction(this.settleFromReaction, this.reactions);
          reaction.attempt = attempt;
          try {
            then.call(result, reaction.fulfilled, reaction.rejected);
          } catch (error) {
            // Not a promise after all (a proxy, or a subclass whose constructor throws): the
            // callbacks were not registered, so the pair is free again.
            reaction.release();
            throw error;
          }
          this.armTimeout(task, attempt);
          return;
        }
        if (typeof then === 'function') {
          then.call(
            result,
            (value: unknown) => this.settle(attempt, 'succeeded', undefined, value),
            (error: unknown) => this.settle(attempt, 'failed', error, undefined),
          );
          this.armTimeout(task, attempt);
          return;
        }
        if (isObservable(result)) {
          let last: unknown;
          const sub = result.subscribe({
            next: (value) => (last = value),
            error: (error) => this.settle(attempt, 'failed', error, undefined),
            complete: () => this.settle(attempt, 'succeeded', undefined, last),
          });
          if (!attempt.done) {
            (attempt.extras ??= new AttemptExtras()).sub = sub;
            this.armTimeout(task, attempt);
          }
          return;
        }
      }
    } catch (error) {
      this.settle(attempt, 'failed', error, undefined);
      return;
    }
    this.settle(attempt, 'succeeded', undefined, result);
  }

  /** `run` inside the attempt's span and CPU account (only when those are switched on). */
  private invokeMonitored(task: TaskRecord, attempt: Attempt): unknown {
    const call = () => task.run.call(undefined, task.args, attempt);
    const monitor = attempt.extras === null ? null : attempt.extras.monitor;
    const inSpan = monitor === null ? call : () => this.otel!.withSpan(monitor as OtelAttemptHandle, call);
    return this.cpu === null ? inSpan() : this.cpu.run(task.stats(), inSpan);
  }

  private armTimeout(task: TaskRecord, attempt: Attempt): void {
    const timeout = task.timeout;
    if (timeout === undefined || attempt.done) return;
    const extras = (attempt.extras ??= new AttemptExtras());
    extras.timer = this.clock.after(timeout, () => {
      extras.timer = null;
      this.abort(attempt, 'timed-out', new TaskTimeoutError(task.id, timeout));
    });
  }

  private abort(attempt: Attempt, status: 'timed-out' | 'aborted', reason: Error): void {
    if (attempt.done) return;
    try {
      attempt.abort(reason);
    } catch {
      // an abort listener that throws must not keep the attempt alive
    }
    this.settle(attempt, status, reason, undefined);
  }

  /** Ends an attempt exactly once: records it, frees its slot, then retries or ends the run. */
  private settle(attempt: Attempt, status: ExecutionStatus, error: unknown, result: unknown): void {
    if (attempt.done) return; // a late result of a timed-out or abandoned attempt
    // Out of the in-flight list first: from here on the attempt is done.
    const inFlight = this.inFlight;
    const last = inFlight.pop() as Attempt;
    if (last !== attempt) {
      inFlight[attempt.slot] = last;
      last.slot = attempt.slot;
    }
    attempt.slot = -1;
    const extras = attempt.extras;
    if (extras !== null) {
      if (extras.timer !== null) {
        extras.timer.cancel();
        extras.timer = null;
      }
      if (extras.sub !== null) {
        extras.sub.unsubscribe();
        extras.sub = null;
      }
    }
    this.running--;

    const task = attempt.task;
    const endedAt = this.clock.now();
    const startedAt = attempt.startedAt;
    const firedAt = attempt.firedAt;
    logEnded(task, attempt.attempt, firedAt, startedAt, endedAt, status, error, attempt.event, result);
    if (extras !== null && extras.monitor !== null) {
      this.otel!.onAttemptEnd(extras.monitor as OtelAttemptHandle, { status, error, durationMs: endedAt - startedAt });
      extras.monitor = null;
    }
    const watching = this.watching;
    // The record object is built only for listeners; the history keeps it column-wise.
    const execution = watching
      ? new ExecutionRecord(task.id, attempt.attempt, firedAt, startedAt, endedAt, status, error, attempt.event, result)
      : undefined;
    // Whether endRun started the task's next held fire: its run is code run since endedAt.
    let startedNext = false;
    if (status === 'succeeded') {
      if (execution !== undefined) this.emit('run-succeeded', { taskId: task.id, attempt: attempt.attempt, status, execution });
      startedNext = this.endRun(task, watching || this.otel !== null ? NaN : endedAt);
    } else {
      if (execution !== undefined) this.emit('run-failed', { taskId: task.id, attempt: attempt.attempt, status, error, execution });
      const retry = task.retry;
      if (retry !== undefined && attempt.attempt <= retry.maxRetries && status !== 'aborted') {
        if (this.lifecycle === 'running' && !task.removed) this.scheduleRetry(attempt);
        else this.dropRetry(task, attempt.attempt, attempt.event, task.removed ? 'task-removed' : 'stopped');
      } else {
        this.endRun(task);
      }
    }
    // `lifecycle` first: it is 'running' in the steady state, so optimized code never reads
    // `stopping`, which stop() sets and would otherwise deoptimize every scheduler's settle.
    if (this.lifecycle === 'stopping' && this.running === 0) this.finishStop(true);
    // endedAt is still "now" for the next start unless other code ran since it was read: event
    // listeners or OpenTelemetry hooks, a retry started at once (requeue drains), the run endRun
    // started, or the teardown of a retired task's triggers.
    else if (this.ready.size === 0 || !this.holdForUrgent()) {
      this.drain(startedNext || watching || this.otel !== null || status !== 'succeeded' || task.removed ? NaN : endedAt);
    }
  }

  private scheduleRetry(failed: Attempt): void {
    const task = failed.task;
    const extras = failed.extras as AttemptExtras; // a retrying task's attempts have them (startRun)
    const run = new Run(task, failed.firedAt, failed.event, undefined, extras.seq, extras.kind, failed.attempt);
    const delay = retryDelay(task.retry!, run.attempt);
    task.stats().retries++;
    if (this.otel !== null) this.otel.onRetryScheduled(otelTask(task));
    if (this.watching) this.emit('retry-scheduled', { taskId: task.id, attempt: run.attempt + 1, delay });
    if (delay <= 0) {
      this.requeue(run);
      return;
    }
    this.retrying.add(run);
    run.retryTimer = this.clock.after(delay, () => {
      run.retryTimer = null;
      this.retrying.delete(run);
      this.requeue(run);
    });
  }

  /** A retry whose delay is over waits for a slot in its original place (priority, fire order). */
  private requeue(run: Run): void {
    this.pending++;
    this.ready.pushRun(run);
    this.drain();
  }

  /** A retry that cannot happen (stop, removal): reported as dropped, and the run ends. */
  private dropRetry(task: TaskRecord, attemptsMade: number, event: unknown, reason: string): void {
    this.countDropped(task);
    if (this.watching) this.emit('dropped', { taskId: task.id, reason, attempt: attemptsMade + 1, event });
    this.endRun(task);
  }

  /**
   * A run of `task` has ended (no more attempts): lets its next held fire become eligible. When
   * that fire would be the only one waiting and {@link drain} would start it at once, it starts
   * here, without the round trip through the ready queue: a 'queue' task's backlog drains that
   * much faster (a million queued fires behind one busy task, 14 alternating isolated runs: median
   * ≈ 2.25M → ≈ 2.67M runs/s). `now` is as for {@link drain}. Returns whether a run started.
   */
  private endRun(task: TaskRecord, now = NaN): boolean {
    task.activeRuns--;
    const queue = task.queue;
    let started = false;
    if (task.activeRuns === 0 && queue !== null && queue.size > 0 && !task.removed) {
      const ready = this.ready;
      const out = ready.out;
      queue.shift(out);
      const event = out.event;
      const ack = out.ack;
      ready.releaseOut();
      if (this.startsAtOnce(task)) {
        // Inside `draining`, as a start from drain is: a run that ends synchronously leaves the
        // next fire in the ready queue for the caller's drain, instead of starting it recursively.
        this.draining = true;
        try {
          this.startRun(task, out.at, event, ack, out.seq, out.kind, 0, now);
        } finally {
          this.draining = false;
        }
        started = true;
      } else {
        ready.push(task, out.at, out.seq, event, ack, out.kind);
      }
    }
    this.maybeRetire(task);
    return started;
  }

  /**
   * Whether a fire of `task` that a slot just freed would, as the only one waiting, start right
   * now: nothing else waits, no drain is under way, the task is not paused or held back by a
   * resource limit, no slot is kept for a more urgent fire (already, or by this one's end), and a
   * slot and the turn's budget are free (`canDispatch` last: it notes a spent budget, for the
   * turn's end to drain).
   */
  private startsAtOnce(task: TaskRecord): boolean {
    return (
      this.ready.size === 0 &&
      !this.draining &&
      !task.paused &&
      this.holdBelow === Infinity &&
      !(this.mayKeepSlots() && this.outranked(task)) &&
      !this.mustHold(task) &&
      this.canDispatch()
    );
  }

  /** Removes a task whose triggers are all one-time once they have fired and its runs ended. */
  private maybeRetire(task: TaskRecord): void {
    if (
      task.removed ||
      task.activeRuns > 0 ||
      task.waitingFires > 0 ||
      task.onceFired === null ||
      task.onceFired.size < task.triggers.length ||
      !task.onceOnly
    ) {
      return;
    }
    this.retire(task, 'completed');
  }

  // ── Removal and stop ────────────────────────────────────────────────────────────────────────

  private retire(task: TaskRecord, reason: 'task-removed' | 'completed'): void {
    task.removed = true;
    this.registry.delete(task.id);
    if (task.priority === this.urgentPriority) this.urgentStale = true;
    this.disarm(task, true);
    if (task.waitingFires > 0 || task.activeRuns > 0) {
      if (this.ready.size > 0) for (const run of this.ready.removeTask(task)) this.dropWaiting(run, 'task-removed');
      if (this.throttledRuns.length > 0) {
        const mine = this.throttledRuns.filter((r) => r.task === task);
        this.throttledRuns = this.throttledRuns.filter((r) => r.task !== task);
        for (const run of mine) this.dropWaiting(run, 'task-removed');
      }
      this.dropHeld(task, 'task-removed');
      for (const run of [...this.retrying]) if (run.task === task) this.dropRetrying(run, 'task-removed');
    }
    if (this.watching) this.emit('task-removed', { taskId: task.id, reason });
  }

  private dropAllWaiting(reason: string): void {
    for (const run of this.ready.clear()) this.dropWaiting(run, reason);
    for (const run of this.throttledRuns.splice(0)) this.dropWaiting(run, reason);
    for (const task of this.registry.values()) if (task.waitingFires > 0) this.dropHeld(task, reason);
    for (const run of [...this.retrying]) this.dropRetrying(run, reason);
  }

  private dropHeld(task: TaskRecord, reason: string): void {
    const held = task.queue !== null ? task.queue.clear() : [];
    const parked = task.parked ?? [];
    task.parked = null;
    for (const run of held) this.dropWaiting(run, reason);
    for (const run of parked) this.dropWaiting(run, reason);
  }

  /** Drops a run that was waiting for a slot (a first fire, or a retry past its delay). */
  private dropWaiting(run: WaitingRun<TaskRecord>, reason: string): void {
    const task = run.task;
    let { event, ack } = run;
    run.ack = undefined;
    this.pending--;
    if (run.attempt === 0) task.waitingFires--;
    else task.activeRuns--;
    if (event === BUFFERED) {
      event = task.bufferedEvent;
      ack = task.bufferedAck;
      task.bufferedEvent = task.bufferedAck = undefined;
    }
    this.countDropped(task);
    if (this.watching) this.emit('dropped', { taskId: task.id, reason, event });
    ack?.();
  }

  private dropRetrying(run: Run, reason: string): void {
    this.retrying.delete(run);
    run.retryTimer?.cancel();
    run.retryTimer = null;
    const task = run.task;
    task.activeRuns--;
    this.countDropped(task);
    if (this.watching) this.emit('dropped', { taskId: task.id, reason, attempt: run.attempt + 1, event: run.event });
  }

  private abortInFlight(): void {
    // A copy: each abort settles its attempt, which takes it out of the list.
    for (const attempt of this.inFlight.slice()) this.abort(attempt, 'aborted', new TaskAbortedError(attempt.taskId));
  }

  private finishStop(report: boolean): void {
    const stopping = this.stopping;
    if (stopping === null) return;
    stopping.timer?.cancel();
    this.stopping = null;
    if (this.recheck !== null) {
      this.recheck.cancel();
      this.recheck = null;
    }
    this.cpu?.disable();
    // Our own sampler stops measuring event-loop delay (it is restarted on the next read); the
    // last sample stays, so stats() after stop() reports the last window, not a meaningless one.
    if (this.ownSampler && this.sampler instanceof NodeResourceSampler) this.sampler.stop();
    // The throttled state stays as it was (so 'throttled'/'unthrottled' keep alternating), but
    // the next admission check re-reads usage instead of trusting a reading from before stop().
    // These stores, like `recheck`'s above, only when the value changes: a store, even of the same
    // value, turns a field V8 had folded as a constant into a variable one, deoptimizing the fire
    // path of every scheduler (--trace-deopt).
    if (this.lastSampleAt !== -Infinity) this.lastSampleAt = -Infinity;
    this.lifecycle = 'stopped';
    if (this.paused) this.paused = false;
    if (report && this.watching) this.emit('stopped', {});
    stopping.resolve();
  }

  // ── Helpers ─────────────────────────────────────────────────────────────────────────────────

  private require(where: string, id: string): TaskRecord {
    const task = this.registry.get(id);
    if (!task) throw new UnknownTaskError(where, id);
    return task;
  }

  private generateId(): string {
    let id: string;
    do id = `task-${++this.idCounter}`;
    while (this.registry.has(id));
    return id;
  }

  /** True when anyone listens: events are only built then. */
  private get watching(): boolean {
    return this.subject.observed || this.logger !== null;
  }

  private emit(type: SchedulerEventType, fields: Omit<SchedulerEvent, 'type' | 'at'>): void {
    const event: SchedulerEvent = { type, at: this.clock.now(), ...fields };
    if (this.subject.observed) this.subject.next(event);
    if (this.logger !== null) this.log(event);
  }

  private log(event: SchedulerEvent): void {
    const logger = this.logger as Logger;
    const level = LOG_LEVELS[event.type];
    const write = level === 'debug' ? logger.debug : logger[level];
    if (typeof write !== 'function') return;
    const { type, taskId, attempt, status, error, delay, reason } = event;
    const task = taskId === undefined ? undefined : this.registry.get(taskId);
    const record: Record<string, unknown> = { scheduler: this.name, event: type };
    if (taskId !== undefined) record.taskId = taskId;
    if (task !== undefined) record.task = task.name;
    if (attempt !== undefined) record.attempt = attempt;
    if (status !== undefined) record.status = status;
    if (delay !== undefined) record.delay = delay;
    if (reason !== undefined) record.reason = reason;
    if (error !== undefined) record.err = error;
    try {
      write.call(logger, record, `${type}${task ? ` ${task.name}` : ''}`);
    } catch {
      // a broken logger must not break scheduling
    }
  }

  private countDropped(task: TaskRecord): void {
    task.stats().dropped++;
    if (this.otel !== null) this.otel.onDropped(otelTask(task));
  }

  // ── Monitoring ──────────────────────────────────────────────────────────────────────────────

  /**
   * A snapshot of every task (counts, wait and duration distributions, CPU when enabled, next
   * fire) and of the scheduler (running, waiting, fires/s, event-loop delay and utilisation,
   * heap, RSS, throttling).
   */
  stats(): SchedulerStatsSnapshot {
    flushRunLog();
    this.fireCount.runAtTurnEnd();
    const now = this.clock.now();
    const sample = this.currentSample(now);
    const cpu = this.cpu !== null;
    const tasks: TaskStatsSnapshot[] = [];
    for (const task of this.registry.values()) {
      const info = { id: task.id, name: task.name, priority: task.priority, state: taskState(task) };
      const next = this.nextFireAt(task);
      if (task.counters === null) tasks.push(TaskStats.empty(info, next, cpu));
      else {
        task.counters.nextFireAt = next;
        tasks.push(task.counters.snapshot(info, cpu));
      }
    }
    const delay = sample.eventLoopDelay ?? { p50: sample.eventLoopDelayMs, p99: sample.eventLoopDelayMs, max: sample.eventLoopDelayMs };
    return {
      at: now,
      running: this.running,
      waiting: this.pending,
      firesPerSecond: this.fireRate.perSecond(now),
      eventLoopDelay: delay,
      eventLoopUtilization: sample.eventLoopUtilization,
      heapUsed: sample.heapUsedBytes,
      rss: sample.rssBytes,
      throttled: this.exceeded.length > 0,
      exceededLimits: this.exceeded.slice(),
      tasks,
    };
  }

  /** {@link stats} every `everyMs` ms on the scheduler's clock. */
  stats$(everyMs: number): Observable<SchedulerStatsSnapshot> {
    if (typeof everyMs !== 'number' || !Number.isFinite(everyMs) || everyMs <= 0) {
      throw new InvalidOptionError('INVALID_OPTION', 'stats$', 'everyMs', 'must be a finite number > 0', everyMs);
    }
    return interval(everyMs, this.clock.scheduler).pipe(map(() => this.stats()));
  }

  /** True while a resource limit is exceeded and non-essential runs are held back. */
  get throttled(): boolean {
    return this.exceeded.length > 0;
  }

  /** The next scheduled fire of the task's time triggers, if any. */
  private nextFireAt(task: TaskRecord): number | undefined {
    const armed = task.armed;
    if (armed === null) return undefined;
    let next: number | undefined;
    for (const a of Array.isArray(armed) ? armed : [armed]) {
      const at = a.nextFireAt?.();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  private currentSample(now: number): ResourceSample {
    if (this.lastSample === null || now - this.lastSampleAt >= this.resourceCheckInterval) this.sampleResources(now);
    return this.lastSample ?? NO_SAMPLE;
  }

  /** Whether a resource limit is exceeded, re-reading usage at most every `resourceCheckInterval`. */
  private overLimit(): boolean {
    const now = this.clock.now();
    if (now - this.lastSampleAt >= this.resourceCheckInterval) this.sampleResources(now);
    return this.exceeded.length > 0;
  }

  private sampleResources(now: number): void {
    this.lastSampleAt = now;
    if (this.sampler === null) this.sampler = new NodeResourceSampler().start();
    else if (this.sampler instanceof NodeResourceSampler && this.ownSampler && !this.sampler.started && this.lifecycle === 'running') {
      this.sampler.start();
    }
    let sample: ResourceSample;
    try {
      sample = this.sampler.sample();
    } catch (error) {
      if (this.logger !== null) this.logger.warn({ scheduler: this.name, err: error }, 'resource sampler failed');
      return;
    }
    this.lastSample = sample;
    if (this.limits === null) return;
    const was = this.exceeded.length > 0;
    this.exceeded = exceededLimits(sample, this.limits);
    if (!was && this.exceeded.length > 0) {
      if (this.watching) this.emit('throttled', { reason: this.exceeded.join(',') });
    } else if (was && this.exceeded.length === 0) {
      if (this.watching) this.emit('unthrottled', {});
      this.releaseThrottled();
    }
  }

  private releaseThrottled(): void {
    const held = this.throttledRuns;
    if (held.length === 0) return;
    this.throttledRuns = [];
    for (const run of held) this.ready.pushRun(run);
    this.recheck?.cancel();
    this.recheck = null;
  }

  /** While runs are held back, re-reads usage every `resourceCheckInterval` until the limit clears. */
  private armRecheck(): void {
    if (this.recheck !== null) return;
    this.recheck = this.clock.after(this.resourceCheckInterval, () => {
      this.recheck = null;
      this.sampleResources(this.clock.now());
      if (this.throttledRuns.length > 0) this.armRecheck();
      this.drain();
    });
  }
}

/** What stats() reports while the sampler has never produced a reading. */
const NO_SAMPLE: ResourceSample = Object.freeze({ eventLoopDelayMs: 0, eventLoopUtilization: 0, heapUsedBytes: 0, rssBytes: 0 });

const LOG_LEVELS: Record<SchedulerEventType, 'debug' | 'info' | 'warn' | 'error'> = {
  'run-started': 'debug',
  'run-succeeded': 'debug',
  'run-failed': 'warn',
  'retry-scheduled': 'info',
  skipped: 'debug',
  coalesced: 'debug',
  dropped: 'warn',
  'task-added': 'debug',
  'task-removed': 'debug',
  'task-paused': 'info',
  'task-resumed': 'info',
  'trigger-error': 'error',
  'trigger-completed': 'info',
  started: 'info',
  paused: 'info',
  resumed: 'info',
  stopped: 'info',
  throttled: 'warn',
  unthrottled: 'info',
};

function otelTask(task: TaskRecord): { taskId: string; taskName: string; priority: number } {
  return { taskId: task.id, taskName: task.name, priority: task.priority };
}

function isLogger(value: unknown): value is Logger {
  const l = value as Logger;
  return value !== null && typeof value === 'object' && typeof l.info === 'function' && typeof l.warn === 'function' && typeof l.error === 'function';
}

function isOtel(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.onAttemptStart === 'function' || (typeof v.trace === 'object' && typeof v.metrics === 'object');
}

/** Routes one armed trigger's fires to the scheduler. One small object per task and trigger. */
class TriggerSink implements FireSink<unknown> {
  private readonly facts: TriggerFacts;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly task: TaskRecord,
    private readonly trigger: Trigger<unknown>,
    private readonly index: number,
  ) {
    this.facts = triggerFacts(trigger, task.scope);
  }

  onTriggerFire(at: number, event: unknown, ack: (() => void) | undefined): void {
    this.scheduler.onFire(this.task, this.facts, this.index, at, event, ack);
  }

  onTriggerError(error: unknown): void {
    this.scheduler.onTriggerError(this.task, error);
  }

  onTriggerComplete(): void {
    this.scheduler.onTriggerComplete(this.task, this.trigger);
  }
}

function isSchedulerLike(value: unknown): value is SchedulerLike {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as SchedulerLike).now === 'function' &&
    typeof (value as SchedulerLike).schedule === 'function'
  );
}
