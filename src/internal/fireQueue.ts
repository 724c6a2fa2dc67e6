/** Fires in a queue's first chunk; each next chunk doubles, up to {@link MAX_CHUNK}. */
const FIRST_CHUNK = 8;
/** Largest chunk: big enough that chunk hops are rare, small enough to be a fast-mode array. */
const MAX_CHUNK = 1024;

/** One fixed-size segment of a {@link FireQueue}: a column per field. */
class Chunk<T> {
  /**
   * One empty chunk that lives as long as this class, so that the chunk layout outlives the chunks
   * of a drained queue (a drained queue frees its large chunks; see `Attempt.layoutAnchor` in
   * run.ts for why a layout must not die, and why the class holds it).
   */
  static readonly layoutAnchor: Chunk<never> = new Chunk<never>(FIRST_CHUNK);

  readonly tasks: Array<T | undefined>;
  readonly ats: Float64Array;
  readonly seqs: Float64Array;
  readonly events: unknown[];
  /** Acknowledgements: created only once a fire with one arrives (pull-based triggers). */
  acks: Array<(() => void) | undefined> | null = null;
  /** Trigger kinds: created only once a fire of a kind other than `kind0` arrives. */
  kinds: Array<string | undefined> | null = null;
  /** The kind of every fire in the chunk while `kinds` is null. */
  kind0 = '';
  /** Index of the oldest fire and one past the newest. */
  head = 0;
  tail = 0;
  next: Chunk<T> | null = null;

  constructor(readonly capacity: number) {
    this.tasks = new Array(capacity);
    // Off the JS heap: a scavenge copies these arrays' headers, not their numbers.
    this.ats = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.events = new Array(capacity);
  }

  ackAt(i: number): (() => void) | undefined {
    return this.acks === null ? undefined : this.acks[i];
  }

  kindAt(i: number): string {
    return this.kinds === null ? this.kind0 : (this.kinds[i] as string);
  }
}

/**
 * A FIFO of waiting fires, kept column-wise: one array per field (task, fire time, sequence
 * number, payload, acknowledgement, trigger kind) instead of one object per fire.
 *
 * Why this layout: under a flood, hundreds of thousands of fires wait behind a busy task or for a
 * slot. As objects they cost a header, eight fields and a boxed double each (112 B measured) and
 * give the GC that many more objects to trace; here a waiting fire is four array slots (32 B). The
 * two number columns are `Float64Array`s, off the JS heap: a scavenge copies every young chunk
 * of a growing backlog, numbers included while they were JS double arrays (a 200 000-fire
 * dispatch, 16 alternating isolated runs: ≈ 810k → ≈ 990k runs/s with typed arrays). The
 * acknowledgement and trigger-kind columns are created only in a chunk that needs them: most
 * fires have no acknowledgement (only pull-based triggers give one), and a chunk's fires usually
 * share one kind. A column less is also less for the garbage collector to copy while a flood of
 * fires is young (≈ 20 % of a 200 000-fire dispatch).
 *
 * The columns are cut into chunks (of 8 fires, doubling up to {@link MAX_CHUNK}), linked oldest to
 * newest (like Node's own next-tick queue): pushing never copies what is already queued, a drained
 * chunk is recycled (one spare is kept) or freed, so memory follows the backlog down. Two other
 * layouts were measured and dropped: one growable ring (re-growing it after every drained flood
 * cost more than the dispatch; `new Array(n)` of a large `n` is a slow dictionary-mode array) and
 * plain arrays trimmed with `copyWithin` (a third of the dispatch time went into pushing and
 * trimming).
 *
 * Reading is by the head accessors and {@link FireQueue.shift}, which copies the head into a
 * caller-owned {@link FireOut} — again without allocating.
 * @internal
 */
export class FireQueue<T> {
  private first: Chunk<T> | null = null;
  private last: Chunk<T> | null = null;
  private spare: Chunk<T> | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(task: T, at: number, seq: number, event: unknown, ack: (() => void) | undefined, kind: string): void {
    let chunk = this.last;
    if (chunk === null || chunk.tail === chunk.capacity) chunk = this.grow();
    const i = chunk.tail++;
    chunk.tasks[i] = task;
    chunk.ats[i] = at;
    chunk.seqs[i] = seq;
    chunk.events[i] = event;
    if (ack !== undefined || chunk.acks !== null) (chunk.acks ??= new Array(chunk.capacity))[i] = ack;
    if (chunk.kinds !== null) chunk.kinds[i] = kind;
    else if (i === 0) chunk.kind0 = kind;
    else if (kind !== chunk.kind0) {
      const kinds = new Array<string | undefined>(chunk.capacity).fill(chunk.kind0, 0, i);
      kinds[i] = kind;
      chunk.kinds = kinds;
    }
    this.count++;
  }

  /** Task of the oldest fire; only when `size > 0`. */
  headTask(): T {
    const c = this.first as Chunk<T>;
    return c.tasks[c.head] as T;
  }

  headAt(): number {
    const c = this.first as Chunk<T>;
    return c.ats[c.head];
  }

  headSeq(): number {
    const c = this.first as Chunk<T>;
    return c.seqs[c.head];
  }

  /** Sequence number of the newest fire; only when `size > 0`. */
  lastSeq(): number {
    const c = this.last as Chunk<T>;
    return c.seqs[c.tail - 1];
  }

  /** Fire time of the newest fire; only when `size > 0`. */
  lastAt(): number {
    const c = this.last as Chunk<T>;
    return c.ats[c.tail - 1];
  }

  /** Removes the oldest fire, copying it into `out`; only when `size > 0`. */
  shift(out: FireOut<T>): void {
    const c = this.first as Chunk<T>;
    const i = c.head++;
    out.task = c.tasks[i] as T;
    out.at = c.ats[i];
    out.seq = c.seqs[i];
    out.event = c.events[i];
    out.ack = c.ackAt(i);
    out.kind = c.kindAt(i);
    // Release the references for the GC.
    c.tasks[i] = undefined;
    c.events[i] = undefined;
    if (c.acks !== null) c.acks[i] = undefined;
    this.count--;
    if (c.head === c.tail) this.release(c);
  }

  /** Removes every fire and returns them, oldest first, as waiting runs (none has started). */
  clear(): WaitingRun<T>[] {
    return this.take(() => true);
  }

  /** Removes the fires of `task` (keeping the others in order) and returns them, oldest first. */
  removeTask(task: T): WaitingRun<T>[] {
    return this.take((t) => t === task);
  }

  private take(select: (task: T) => boolean): WaitingRun<T>[] {
    const removed: WaitingRun<T>[] = [];
    const kept: WaitingRun<T>[] = [];
    for (let c = this.first; c !== null; c = c.next) {
      for (let i = c.head; i < c.tail; i++) {
        const fire = { task: c.tasks[i] as T, at: c.ats[i], seq: c.seqs[i], event: c.events[i], ack: c.ackAt(i), kind: c.kindAt(i), attempt: 0 };
        (select(fire.task) ? removed : kept).push(fire);
      }
    }
    this.first = this.last = this.spare = null;
    this.count = 0;
    for (const f of kept) this.push(f.task, f.at, f.seq, f.event, f.ack, f.kind);
    return removed;
  }

  /** Appends an empty chunk (the spare one if there is one). */
  private grow(): Chunk<T> {
    let chunk = this.spare;
    if (chunk !== null) this.spare = null;
    else chunk = new Chunk<T>(this.last === null ? FIRST_CHUNK : Math.min(MAX_CHUNK, this.last.capacity * 2));
    if (this.last === null) this.first = chunk;
    else this.last.next = chunk;
    this.last = chunk;
    return chunk;
  }

  /**
   * Unlinks the drained oldest chunk `c` and keeps it as the spare for the next chunk — unless
   * the queue is now empty and `c` is large: an idle queue holds at most a small chunk.
   */
  private release(c: Chunk<T>): void {
    this.first = c.next;
    c.head = c.tail = 0;
    c.next = null;
    if (this.first === null) {
      this.last = null;
      this.spare = c.capacity <= 4 * FIRST_CHUNK ? c : null;
    } else {
      this.spare = c;
    }
  }
}

/** One fire copied out of a {@link FireQueue}. */
export interface FireOut<T> {
  task: T;
  at: number;
  seq: number;
  event: unknown;
  ack: (() => void) | undefined;
  kind: string;
}

/** A waiting run as an object: a retry, or a fire set aside (paused task, throttling) and back. */
export interface WaitingRun<T> extends FireOut<T> {
  /** Attempts already made (0 for a fire that has not started yet). */
  attempt: number;
}
