import type { Execution, ExecutionStatus } from '../types';
import { atTurnEnd, type TurnEndWork } from './turnEnd';

/** Execution statuses by a small code (0–3), as stored column-wise here and in the run log. @internal */
export const STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'timed-out', 'aborted'];
/** The code of each status in {@link STATUSES}. @internal */
export const STATUS_CODE: Readonly<Record<ExecutionStatus, number>> = { succeeded: 0, failed: 1, 'timed-out': 2, aborted: 3 };

/**
 * The last `capacity` executions of one task, stored column-wise: the three times and the packed
 * attempt/status of each in one array of doubles, payloads in plain arrays. Recording allocates
 * nothing, and — unlike one retained object (with three boxed timestamps) per attempt — leaves
 * no objects for the garbage collector to promote and trace, which is what kept timer lateness
 * tails long when hundreds of busy tasks each kept a history. `Execution` objects are built only
 * when read.
 *
 * What the GC sees is kept small on purpose: the numbers live in one `Float64Array` (no pointers
 * to trace, and past 64 bytes stored off the JS heap, so the scavenger never copies them), 2–9
 * slots on the first record (staggered), then `capacity` once those are full; the payload columns
 * (error, event, result) exist only once a payload other than `undefined` has been recorded — a
 * heartbeat that returns nothing has none. Measured on 500 tasks ticking every 20 ms: arrays grown
 * by `push` turned into 10–35 ms scavenges; a full-size array on the first record cost the first
 * tick several ms; a growing on-heap array of doubles was copied by every scavenge while the
 * histories grew (more of the 3–7 ms scavenges in a 3-second window than with this layout). An
 * off-heap allocation costs more than an on-heap one, which is why the first size is small.
 */
export class HistoryRing implements TurnEndWork {
  /** firedAt, startedAt, endedAt, attempt × 4 + status code — four per slot. */
  private numbers: Float64Array;
  private errors: unknown[] | null = null;
  private events: unknown[] | null = null;
  private results: unknown[] | null = null;
  /** Total recorded; the newest is at (count - 1) % capacity. */
  private count = 0;
  /** A grow is deferred to the end of the turn (see `record`). */
  private growQueued = false;

  /** Staggers the first size, and so every growth, across rings (see {@link FIRST_SLOTS}). */
  private static created = 0;

  constructor(private readonly capacity: number) {
    this.numbers = doubles(Math.min(capacity, FIRST_SLOTS + (HistoryRing.created++ % FIRST_SLOTS_SPREAD)) * 4);
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
    const c = this.count++;
    this.growIfFull(c);
    const i = c % this.capacity;
    const t = i * 4;
    const numbers = this.numbers;
    numbers[t] = firedAt;
    numbers[t + 1] = startedAt;
    numbers[t + 2] = endedAt;
    numbers[t + 3] = attempt * 4 + STATUS_CODE[status];
    if (error !== undefined || this.errors !== null) (this.errors ??= new Array(this.capacity))[i] = error;
    if (event !== undefined || this.events !== null) (this.events ??= new Array(this.capacity))[i] = event;
    if (result !== undefined || this.results !== null) (this.results ??= new Array(this.capacity))[i] = result;
    // Just filled and can grow: the larger array is made after this macrotask, not in the next
    // record — which for a periodic task is the next tick, where an allocation (≈ 15 µs for
    // 1 KB of fresh off-heap memory here) delays every run after it. Several records in one turn
    // still grow at once (above).
    if (!this.growQueued && c * 4 + 4 === numbers.length && c + 1 < this.capacity) {
      this.growQueued = true;
      atTurnEnd(this);
    }
  }

  /** @internal The grow deferred by `record`, unless a record in the same turn has grown it. */
  runAtTurnEnd(): void {
    this.growQueued = false;
    this.growIfFull(this.count);
  }

  /** Grows if slot `next` is past the array and the ring has not reached its capacity yet. */
  private growIfFull(next: number): void {
    if (next * 4 >= this.numbers.length && next < this.capacity) this.grow();
  }

  /** To its capacity, in one step; only before the ring wraps, so slots are in order. */
  private grow(): void {
    const numbers = doubles(this.capacity * 4);
    numbers.set(this.numbers);
    this.numbers = numbers;
  }

  /** The kept executions, oldest first, as new objects. */
  toArray(taskId: string): Execution[] {
    const n = this.size;
    const out: Execution[] = new Array(n);
    const first = this.count - n;
    for (let k = 0; k < n; k++) {
      const i = (first + k) % this.capacity;
      const t = i * 4;
      const meta = this.numbers[t + 3];
      out[k] = new ExecutionRecord(
        taskId,
        Math.floor(meta / 4),
        this.numbers[t],
        this.numbers[t + 1],
        this.numbers[t + 2],
        STATUSES[meta % 4],
        this.errors?.[i],
        this.events?.[i],
        this.results?.[i],
      );
    }
    return out;
  }
}

/**
 * Slots of a new history: 2 to 9, staggered from one ring to the next. When they are full the
 * ring grows to its capacity in one step, so a task that runs once or twice allocates little —
 * and tasks that run together (500 on one interval) grow on different ticks: grown in step,
 * their histories' growth allocated ≈ 1.6 MB in one tick and made it 5–7 ms longer (the interval
 * benchmark). One step, not ×4 steps up to the capacity: the last ×4 step came at a task's 32nd
 * to 36th run, after the process had settled, and the new arrays' headers were what the
 * scavenges of that second found alive (≈ 85 KB for 500 tasks, of the ≈ 125 KB a scavenge then
 * copied; the interval benchmark alone, 8 alternating isolated runs: median p99 2.43 → 1.96 ms).
 * By a task's 11th run its histograms (≈ 31 KB of native memory each with the default
 * precision) exist too, so the full ring (≈ 3.2 KB off the JS heap at the default 100) is not what
 * a task's memory hinges on.
 */
const FIRST_SLOTS = 2;
const FIRST_SLOTS_SPREAD = 8;

/** The numbers of `n / 4` slots. */
function doubles(n: number): Float64Array {
  return new Float64Array(n);
}

/** One attempt's record. A class so every record has the same shape. */
export class ExecutionRecord implements Execution {
  /**
   * One record that lives as long as this class (see `Attempt.layoutAnchor` in run.ts): while
   * `events$` is watched, every attempt's end makes a record, and a full GC between bursts took
   * their layout — and the optimized `settle` — with it. Its times are fractions, as real ones
   * are doubles (see `ChunkedTimer.layoutAnchor`).
   * @internal
   */
  static readonly layoutAnchor: ExecutionRecord = new ExecutionRecord('', 1, 0.5, 0.5, 0.5, 'succeeded', undefined, undefined, undefined);

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
