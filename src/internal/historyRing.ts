import type { Execution, ExecutionStatus } from '../types';

const STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'timed-out', 'aborted'];
const STATUS_CODE: Readonly<Record<ExecutionStatus, number>> = { succeeded: 0, failed: 1, 'timed-out': 2, aborted: 3 };

/**
 * The last `capacity` executions of one task, stored column-wise: times in a double array,
 * attempt and status packed in one small-integer array, payloads in plain arrays. Recording
 * allocates nothing but the columns' own growth, and — unlike one retained object (with three
 * boxed timestamps) per attempt — leaves no objects for the garbage collector to promote and
 * trace, which is what kept timer lateness tails long when hundreds of busy tasks each kept a
 * history. `Execution` objects are built only when read.
 *
 * The columns are plain JS arrays that grow by `push` until `capacity` entries, then wrap. Typed
 * arrays were used first: each is an off-heap allocation (and external memory the GC accounts
 * for), and 500 tasks creating theirs on the same first tick made that tick tens of ms late.
 */
export class HistoryRing {
  private readonly times: number[] = []; // firedAt, startedAt, endedAt per slot
  /** attempt × 4 + status code, per slot. */
  private readonly meta: number[] = [];
  private readonly errors: unknown[] = [];
  private readonly events: unknown[] = [];
  private readonly results: unknown[] = [];
  /** Total recorded; the newest is at (count - 1) % capacity. */
  private count = 0;

  constructor(private readonly capacity: number) {}

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
    const c = this.count++;
    const meta = attempt * 4 + STATUS_CODE[status];
    if (c < this.capacity) {
      this.times.push(firedAt, startedAt, endedAt);
      this.meta.push(meta);
      this.errors.push(error);
      this.events.push(event);
      this.results.push(result);
      return;
    }
    const i = c % this.capacity;
    const t = i * 3;
    this.times[t] = firedAt;
    this.times[t + 1] = startedAt;
    this.times[t + 2] = endedAt;
    this.meta[i] = meta;
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
      const meta = this.meta[i];
      out[k] = new ExecutionRecord(
        taskId,
        Math.floor(meta / 4),
        this.times[t],
        this.times[t + 1],
        this.times[t + 2],
        STATUSES[meta % 4],
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
