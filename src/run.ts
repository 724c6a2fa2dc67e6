import type { Subscription } from 'rxjs';
import type { TimerHandle } from './internal/clock';
import type { WaitingRun } from './internal/readyQueue';
import type { TaskRecord } from './task';
import type { TaskContext } from './types';

/**
 * Stands for the payload of a 'buffer-one' task's waiting fire, which the task record keeps
 * (`TaskRecord.bufferedEvent`), so that a coalescing fire can replace it wherever the fire waits.
 * @internal
 */
export const BUFFERED: unique symbol = Symbol('buffered');

/**
 * A waiting run as an object — only off the hot path: a failed attempt waiting out its retry
 * delay, a fire waiting for its cluster claim, or one set aside while its task is paused or
 * throttled. Fires waiting in the usual way are kept column-wise, without an object (see
 * `ReadyQueue` and `FireQueue`). Its `seq` is taken at fire time and kept across retries, so a
 * retry waits for a slot in the place its original fire earned.
 * @internal
 */
export class Run implements WaitingRun<TaskRecord> {
  retryTimer: TimerHandle | null = null;

  constructor(
    public task: TaskRecord,
    /** Fire time on the scheduler's clock. */
    public at: number,
    /** Payload (`BUFFERED` while a 'buffer-one' task keeps it, see `TaskRecord.bufferedEvent`). */
    public event: unknown,
    /** Pull-based trigger's acknowledgement: called once the fire stops waiting. */
    public ack: (() => void) | undefined,
    public seq: number,
    /** Kind of the trigger that fired ('periodic', 'event', 'one-time', 'manual' for runNow, …). */
    public kind: string,
    /** Attempts already made. */
    public attempt = 0,
  ) {}
}

/**
 * One attempt of a run; it is also the `ctx` handed to the task's `run`. It is the one object the
 * scheduler allocates per run, so it carries only what every attempt needs: what an attempt needs
 * only sometimes (an AbortController, created when `signal` is read or the attempt is aborted; a
 * timeout, an Observable's subscription, a span; a retry's place in line) is in its
 * {@link AttemptExtras}, made for the attempts that have one.
 * @internal fields below the TaskContext ones belong to the scheduler.
 */
export class Attempt implements TaskContext {
  /**
   * One attempt that lives as long as this class and holds nothing. V8 keeps an object layout (a
   * "map") only while some object has it, and throws away optimized code that checks a layout it
   * collects (--trace-deopt: "weak objects"). Between bursts no attempt need be alive — every run
   * has ended — so a full collection at idle took the attempt's layout with it, and the next burst
   * ran the dispatch path unoptimized until V8 recompiled it.
   *
   * A static field, so that the class itself holds it: as a module-level constant that nothing
   * read, it was dropped by the build's tree-shaking (the published bundle had no anchor), and in
   * the benchmark's bundle it did not outlive the module's evaluation — the layout died at the
   * first full collection after a burst all the same.
   * @internal
   */
  static readonly layoutAnchor: Attempt = new Attempt(null as unknown as TaskRecord, 0.5, undefined, 1, 0.5);

  readonly event: unknown;
  readonly firedAt: number;
  /** @internal index in the scheduler's in-flight list; -1 before the attempt starts and once it has settled */
  slot = -1;
  /** @internal what only some attempts have (see AttemptExtras) */
  extras: AttemptExtras | null = null;
  /** @internal start − fire time: on a millisecond clock a small integer, where `startedAt` would be one more boxed number per attempt */
  private readonly waited: number;

  constructor(
    /** @internal */ readonly task: TaskRecord,
    firedAt: number,
    event: unknown,
    readonly attempt: number,
    startedAt: number,
  ) {
    this.event = event;
    this.firedAt = firedAt;
    this.waited = startedAt - firedAt;
  }

  /** The task's id (read from the task: one field less in every attempt). */
  get taskId(): string {
    return this.task.id;
  }

  /** @internal when the attempt started (scheduler clock) */
  get startedAt(): number {
    return this.firedAt + this.waited;
  }

  /** @internal settled (or not started) */
  get done(): boolean {
    return this.slot < 0;
  }

  get signal(): AbortSignal {
    const extras = (this.extras ??= new AttemptExtras());
    return (extras.controller ??= new AbortController()).signal;
  }

  /** @internal */
  abort(reason: unknown): void {
    const extras = (this.extras ??= new AttemptExtras());
    (extras.controller ??= new AbortController()).abort(reason);
  }
}

/**
 * The parts of an attempt that only some attempts need, in one object made for those attempts, so
 * that every other attempt — the common one: no timeout, no retry, a promise or a plain value, no
 * tracing, `signal` not read — is that much smaller.
 * @internal
 */
export class AttemptExtras {
  /**
   * An empty one that lives as long as this class: what `Attempt.layoutAnchor` does for attempts,
   * for the attempts of tasks with a timeout or retries. Without it a full GC between bursts threw
   * away such tasks' optimized `startRun`, `invoke` and `settle`. Its `seq` is a fraction, as real
   * ones are doubles: a whole number gives the field a narrower representation, and the first real
   * one a new layout that nothing keeps (see `ChunkedTimer.layoutAnchor`).
   * @internal
   */
  static readonly layoutAnchor: AttemptExtras = AttemptExtras.withSeq(0.5);

  private static withSeq(seq: number): AttemptExtras {
    const extras = new AttemptExtras();
    extras.seq = seq;
    return extras;
  }

  controller: AbortController | null = null;
  timer: TimerHandle | null = null;
  sub: Subscription | null = null;
  /** The OpenTelemetry handle of the attempt's span and metrics. */
  monitor: unknown = null;
  /** Fire order and trigger kind, kept for a retry (set only when the task retries). */
  seq = 0;
  kind = '';
}
