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
 * One attempt of a run; it is also the `ctx` handed to the task's `run`. The AbortController is
 * created only when `signal` is read or the attempt is aborted: most runs never need one, and
 * creating it costs more than the rest of a dispatch.
 * @internal fields below the TaskContext ones belong to the scheduler.
 */
export class Attempt implements TaskContext {
  readonly event: unknown;
  readonly firedAt: number;
  /** @internal */ done = false;
  /** @internal */ controller: AbortController | null = null;
  /** @internal index in the scheduler's in-flight list; -1 once settled */ slot = -1;
  /** @internal what only some attempts have: a timeout, a subscription, a span (see AttemptExtras) */
  extras: AttemptExtras | null = null;

  constructor(
    /** @internal */ readonly task: TaskRecord,
    firedAt: number,
    event: unknown,
    /** @internal fire order, kept by a retry */ readonly seq: number,
    /** @internal trigger kind */ readonly kind: string,
    readonly attempt: number,
    /** @internal */ readonly startedAt: number,
  ) {
    this.event = event;
    this.firedAt = firedAt;
  }

  /** The task's id (read from the task: one field less in every attempt — they are the per-run allocation). */
  get taskId(): string {
    return this.task.id;
  }

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  /** @internal */
  abort(reason: unknown): void {
    (this.controller ??= new AbortController()).abort(reason);
  }
}

/**
 * The parts of an attempt that only some attempts need — the timer of a `timeout`, the
 * subscription to an Observable result, the OpenTelemetry span — in one object made for those
 * attempts, so that every other attempt (the common one: no timeout, a promise or a plain value,
 * no tracing) is two fields smaller.
 * @internal
 */
export class AttemptExtras {
  timer: TimerHandle | null = null;
  sub: Subscription | null = null;
  /** The OpenTelemetry handle of the attempt's span and metrics. */
  monitor: unknown = null;
}
