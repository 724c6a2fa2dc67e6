/**
 * Errors thrown at the public boundary. Every error the library throws is a {@link SchedulerError}
 * with a stable string `code`, so callers can branch on `err.code` rather than on message text.
 *
 * @example
 * ```ts
 * try { periodicTrigger({ interval: -5 }); }
 * catch (err) { if (err instanceof SchedulerError) console.log(err.code); } // 'INVALID_INTERVAL'
 * ```
 */

/** Every code a {@link SchedulerError} can carry. Stable across releases. */
export type SchedulerErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_CRON'
  | 'INVALID_TIMEZONE'
  | 'INVALID_INTERVAL'
  | 'INVALID_JITTER'
  | 'INVALID_AFTER'
  | 'INVALID_DATE'
  | 'INVALID_PRIORITY'
  | 'INVALID_MAX_RUNNING_TASKS'
  | 'INVALID_RETRY'
  | 'INVALID_TIMEOUT'
  | 'INVALID_OVERLAP'
  | 'INVALID_EVENT_SOURCE'
  | 'INVALID_TRIGGER'
  | 'MISSING_RUN'
  | 'NO_TRIGGERS'
  | 'DUPLICATE_TASK_ID'
  | 'UNKNOWN_TASK'
  | 'SCHEDULER_STOPPING';

/** Base class of every error the library throws. */
export class SchedulerError extends Error {
  /** Stable machine-readable code. */
  readonly code: SchedulerErrorCode;

  constructor(code: SchedulerErrorCode, message: string) {
    super(message);
    this.name = 'SchedulerError';
    this.code = code;
  }
}

/** An option or argument broke a rule; `field` names it and `received` is what was passed. */
export class InvalidOptionError extends SchedulerError {
  readonly field: string;
  readonly received: unknown;

  constructor(code: SchedulerErrorCode, where: string, field: string, rule: string, received: unknown) {
    super(code, `${where}: ${field} ${rule}, got ${describe(received)}`);
    this.name = 'InvalidOptionError';
    this.field = field;
    this.received = received;
  }
}

/** A task id was required but no task has it. */
export class UnknownTaskError extends SchedulerError {
  readonly taskId: string;

  constructor(where: string, taskId: string) {
    super('UNKNOWN_TASK', `${where}: no task with id ${JSON.stringify(taskId)}`);
    this.name = 'UnknownTaskError';
    this.taskId = taskId;
  }
}

/** `addTask` was given an id that another task already has. */
export class DuplicateTaskError extends SchedulerError {
  readonly taskId: string;

  constructor(taskId: string) {
    super('DUPLICATE_TASK_ID', `addTask: id must be unique, got ${JSON.stringify(taskId)} which is already registered`);
    this.name = 'DuplicateTaskError';
    this.taskId = taskId;
  }
}

/** A short, safe rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
