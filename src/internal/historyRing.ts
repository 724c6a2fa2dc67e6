import type { Execution, ExecutionStatus } from '../types';

const STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'timed-out', 'aborted'];
const STATUS_CODE: Readonly<Record<ExecutionStatus, number>> = { succeeded: 0, failed: 1, 'timed-out': 2, aborted: 3 };

/**
 * The last `capacity` executions of one task, stored column-wise: times in a Float64Array,
 * attempt and status in typed arrays, payloads in plain arrays. Recording allocates nothing, and
 * — unlike one retained object (with three boxed timestamps) per attempt — leaves no objects for
 * the garbage collector to promote and trace, which is what kept timer lateness tails long when
 * hundreds of busy tasks each kept a history. `Execution` objects are built only when read.
 */
export class HistoryRing {
  private readonly times: Float64Array; // firedAt, startedAt, endedAt per slot
  private readonly attempts: Uint32Array;
  private readonly statuses: Uint8Array;
  private readonly errors: unknown[];
  private readonly events: unknown[];
  private readonly results: unknown[];
  /** Total recorded; the newest is at (count - 1) % capacity. */
  private count = 0;

  constructor(private readonly capacity: number) {
    this.times = new Float64Array(capacity * 3);
    this.attempts = new Uint32Array(capacity);
    this.statuses = new Uint8Array(capacity);
    this.errors = new Array(capacity);
    this.events = new Array(capacity);
    this.results = new Array(capacity);
  }

  get size(): number {
    return Math.min(this.count, this.capacity);
  }

  record(
    attempt: number,
    firedAt: number,
    startedAt: number,
    endedAt: number,
    status: ExecutionStatus,
    error: unknown,
    event: unknown,
    result: unknown,
  ): void {
    const i = this.count++ % this.capacity;
    const t = i * 3;
    this.times[t] = firedAt;
    this.times[t + 1] = startedAt;
    this.times[t + 2] = endedAt;
    this.attempts[i] = attempt;
    this.statuses[i] = STATUS_CODE[status];
    this.errors[i] = error;
    this.events[i] = event;
    this.results[i] = result;
  }

  /** The kept executions, oldest first, as new objects. */
  toArray(taskId: string): Execution[] {
    const n = this.size;
    const out: Execution[] = new Array(n);
    const first = this.count - n;
    for (let k = 0; k < n; k++) {
      const i = (first + k) % this.capacity;
      const t = i * 3;
      out[k] = new ExecutionRecord(
        taskId,
        this.attempts[i],
        this.times[t],
        this.times[t + 1],
        this.times[t + 2],
        STATUSES[this.statuses[i]],
        this.errors[i],
        this.events[i],
        this.results[i],
      );
    }
    return out;
  }
}

/** One attempt's record. A class so every record has the same shape. */
export class ExecutionRecord implements Execution {
  constructor(
    readonly taskId: string,
    readonly attempt: number,
    readonly firedAt: number,
    readonly startedAt: number,
    readonly endedAt: number,
    readonly status: ExecutionStatus,
    readonly error: unknown,
    readonly event: unknown,
    readonly result: unknown,
  ) {}
}
