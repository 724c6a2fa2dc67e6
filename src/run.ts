import type { Subscription } from 'rxjs';
import type { TimerHandle } from './internal/clock';
import type { TaskRecord } from './task';
import type { TaskContext } from './types';

/**
 * One fire on its way through the scheduler: waiting, then one attempt after another (the first
 * plus retries). Its `seq` is taken at fire time and kept across retries, so a retry waits for a
 * slot in the place its original fire earned.
 * @internal
 */
export class Run {
  /** Attempts started so far. */
  attempt = 0;
  retryTimer: TimerHandle | null = null;

  constructor(
    readonly task: TaskRecord,
    /** Fire time on the scheduler's clock. */
    readonly at: number,
    /** Payload (the latest one when fires coalesced into this run). */
    public event: unknown,
    /** Pull-based trigger's acknowledgement: called once the fire stops waiting. */
    public ack: (() => void) | undefined,
    readonly seq: number,
    /** Kind of the trigger that fired ('periodic', 'event', 'one-time', 'manual' for runNow, …). */
    readonly kind: string,
  ) {}
}

/**
 * One attempt of a run; it is also the `ctx` handed to the task's `run`. The AbortController is
 * created only when `signal` is read or the attempt is aborted: most runs never need one, and
 * creating it costs more than the rest of a dispatch.
 * @internal fields below the TaskContext ones belong to the scheduler.
 */
export class Attempt implements TaskContext {
  readonly taskId: string;
  readonly event: unknown;
  readonly firedAt: number;
  /** @internal */ done = false;
  /** @internal */ controller: AbortController | null = null;
  /** @internal */ timer: TimerHandle | null = null;
  /** @internal */ sub: Subscription | null = null;
  /** @internal in-flight list links */ prev: Attempt | null = null;
  /** @internal */ next: Attempt | null = null;
  /** @internal monitoring state (CPU account, span) */ monitor: unknown = null;

  constructor(
    /** @internal */ readonly run: Run,
    readonly attempt: number,
    /** @internal */ readonly startedAt: number,
  ) {
    this.taskId = run.task.id;
    this.event = run.event;
    this.firedAt = run.at;
  }

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  /** @internal */
  abort(reason: unknown): void {
    (this.controller ??= new AbortController()).abort(reason);
  }
}
