import { FireQueue, type WaitingRun } from './fireQueue';
import { PriorityQueue } from './priorityQueue';

export type { WaitingRun } from './fireQueue';

/** What the ready queue needs of a task: its fixed priority. */
export interface Prioritized {
  readonly priority: number;
}

/** A bucket: the fires of one priority, in fire order. */
class Bucket<T> extends FireQueue<T> {
  /** Cached key and sequence number of the head fire. */
  headKey = 0;
  headSeqNo = 0;

  constructor(readonly priority: number) {
    super();
  }
}

/**
 * The runs waiting for a slot, first out: the lowest key — the priority, or with aging
 * `priority + firedAt / agingMs` — then the lowest sequence number (fire order).
 *
 * Why not one binary heap: a dispatch of 200 000 queued fires spent a third of its time pushing
 * and popping a heap of 200 000 entries plus the Run object each entry held. Fires of one priority
 * arrive in fire order, so they are appended to that priority's bucket — a column-wise FIFO
 * ({@link FireQueue}): O(1) and no allocation — and only the buckets' heads are ordered, by a
 * heap of buckets (a handful: one per distinct priority waiting). With aging the key grows with
 * the fire time, so a bucket stays sorted as long as fire times do not go backwards.
 *
 * What would break a bucket's order — a retry or a held-back fire coming back with its old
 * sequence number, a clock that stepped back — goes to an overflow binary heap of objects
 * instead; the head is the better of the two heads. Both hold the same order, so together they
 * are exactly one priority queue ordered by (key, seq).
 * @internal
 */
export class ReadyQueue<T extends Prioritized> {
  private readonly buckets = new Map<number, Bucket<T>>();
  /** Non-empty buckets, a binary min-heap on (headKey, headSeqNo). */
  private readonly heap: Bucket<T>[] = [];
  private readonly overflow = new PriorityQueue<WaitingRun<T>>();
  private count = 0;
  /** The head copied out by the latest {@link shift}. */
  readonly out: WaitingRun<T> = { task: undefined as unknown as T, at: 0, seq: 0, event: undefined, ack: undefined, kind: '', attempt: 0 };

  /** @param agingMs 0 for none. */
  constructor(private readonly agingMs: number) {}

  get size(): number {
    return this.count;
  }

  /** The ordering key of a fire of `task` at `at`. */
  private keyOf(task: T, at: number): number {
    return this.agingMs > 0 ? task.priority + at / this.agingMs : task.priority;
  }

  /** Adds a fire that has not started yet. */
  push(task: T, at: number, seq: number, event: unknown, ack: (() => void) | undefined, kind: string): void {
    const priority = task.priority;
    let bucket = this.buckets.get(priority);
    if (bucket === undefined) {
      bucket = new Bucket<T>(priority);
      this.buckets.set(priority, bucket);
    }
    this.count++;
    if (bucket.size > 0 && (seq < bucket.lastSeq() || (this.agingMs > 0 && at < bucket.lastAt()))) {
      this.overflow.push({ task, at, seq, event, ack, kind, attempt: 0 }, this.keyOf(task, at), seq);
      return;
    }
    bucket.push(task, at, seq, event, ack, kind);
    if (bucket.size === 1) {
      bucket.headKey = this.keyOf(task, at);
      bucket.headSeqNo = seq;
      this.insertBucket(bucket);
    }
  }

  /** Adds a waiting run object (a retry, or a fire coming back); it keeps its `seq`. */
  pushRun(run: WaitingRun<T>): void {
    this.count++;
    this.overflow.push(run, this.keyOf(run.task, run.at), run.seq);
  }

  /** Task of the first run; only when `size > 0`. */
  peekTask(): T {
    return this.bucketFirst() ? this.heap[0].headTask() : (this.overflow.peek() as WaitingRun<T>).task;
  }

  /** Ordering key of the first run (its priority, or with aging its aged key); only when `size > 0`. */
  peekKey(): number {
    return this.bucketFirst() ? this.heap[0].headKey : this.overflow.peekKey();
  }

  /** Removes the first run, copying it into {@link out}; only when `size > 0`. */
  shift(): void {
    const out = this.out;
    this.count--;
    if (this.bucketFirst()) {
      const bucket = this.heap[0];
      bucket.shift(out);
      out.attempt = 0;
      if (bucket.size === 0) this.removeTop();
      else if (this.agingMs === 0) {
        // Without aging a bucket's key is its priority, which no other bucket has: its place
        // among the buckets cannot change.
        bucket.headSeqNo = bucket.headSeq();
      } else {
        bucket.headKey = this.keyOf(bucket.headTask(), bucket.headAt());
        bucket.headSeqNo = bucket.headSeq();
        this.siftDown(0);
      }
      return;
    }
    const run = this.overflow.pop() as WaitingRun<T>;
    out.task = run.task;
    out.at = run.at;
    out.seq = run.seq;
    out.event = run.event;
    out.ack = run.ack;
    out.kind = run.kind;
    out.attempt = run.attempt;
  }

  /** Removes the first run and returns it as an object; only when `size > 0`. */
  shiftRun(): WaitingRun<T> {
    if (!this.bucketFirst()) {
      // Already an object: hand it over as it is.
      this.count--;
      return this.overflow.pop() as WaitingRun<T>;
    }
    this.shift();
    const o = this.out;
    const run = { task: o.task, at: o.at, seq: o.seq, event: o.event, ack: o.ack, kind: o.kind, attempt: o.attempt };
    this.releaseOut();
    return run;
  }

  /** Drops the references {@link out} still holds (call once its fields have been read). */
  releaseOut(): void {
    this.out.event = undefined;
    this.out.ack = undefined;
  }

  /** Removes every run of `task` and returns them. O(n). */
  removeTask(task: T): WaitingRun<T>[] {
    const removed: WaitingRun<T>[] = [];
    const bucket = this.buckets.get(task.priority);
    if (bucket !== undefined && bucket.size > 0) {
      for (const run of bucket.removeTask(task)) removed.push(run);
      this.rebuildHeap();
    }
    for (const run of this.overflow.removeWhere((r) => r.task === task)) removed.push(run);
    this.count -= removed.length;
    return removed;
  }

  /** Removes every run and returns them. */
  clear(): WaitingRun<T>[] {
    // Nothing to clear writes nothing: a queue that never held a run keeps fields the optimizer
    // may have folded as constants (a stop() of one scheduler must not deoptimize the others).
    if (this.count === 0 && this.heap.length === 0) return [];
    const all: WaitingRun<T>[] = [];
    for (const bucket of this.heap) for (const run of bucket.clear()) all.push(run);
    for (const run of this.overflow.clear()) all.push(run);
    this.heap.length = 0;
    this.buckets.clear();
    this.count = 0;
    return all;
  }

  /** Whether the first run is a bucket's head (else the overflow heap's). */
  private bucketFirst(): boolean {
    if (this.heap.length === 0) return false;
    if (this.overflow.size === 0) return true;
    const bucket = this.heap[0];
    const key = this.overflow.peekKey();
    return bucket.headKey < key || (bucket.headKey === key && bucket.headSeqNo < this.overflow.peekSeq());
  }

  // ── The heap of non-empty buckets ──────────────────────────────────────────────────────────

  private static before<T>(a: Bucket<T>, b: Bucket<T>): boolean {
    return a.headKey < b.headKey || (a.headKey === b.headKey && a.headSeqNo < b.headSeqNo);
  }

  private insertBucket(bucket: Bucket<T>): void {
    const heap = this.heap;
    heap.push(bucket);
    this.siftUp(heap.length - 1);
  }

  private removeTop(): void {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Bucket<T>;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    // Buckets of priorities no longer waiting are forgotten once there are many of them.
    if (this.buckets.size > 64) this.buckets.delete(top.priority);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const item = heap[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!ReadyQueue.before(item, heap[p])) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = item;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && ReadyQueue.before(heap[c + 1], heap[c])) c++;
      if (!ReadyQueue.before(heap[c], item)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = item;
  }

  private rebuildHeap(): void {
    const heap = this.heap;
    const live = heap.filter((b) => b.size > 0);
    heap.length = 0;
    for (const b of live) {
      b.headKey = this.keyOf(b.headTask(), b.headAt());
      b.headSeqNo = b.headSeq();
      this.insertBucket(b);
    }
  }
}
