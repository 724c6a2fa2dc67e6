import { VirtualTimeScheduler, asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';

/** Node's timers overflow above this many ms (they fire after 1 ms and warn). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Longest single wait armed on a real clock. Long waits are split into chunks of at most this many
 * ms and re-checked against `now()` after each, so a wall-clock jump or a system sleep delays a fire
 * by at most one chunk and never fires it early or twice. In virtual time the clock cannot jump,
 * so chunks there are only kept below {@link MAX_TIMEOUT_MS}.
 */
export const REAL_CLOCK_CHUNK_MS = 60_000;

/** A cancellable pending callback. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * The one clock every part of a scheduler reads: `now()` and delayed callbacks, both through an
 * RxJS `SchedulerLike`, so a TestScheduler drives everything in virtual time.
 */
export class Clock {
  /** True for VirtualTimeScheduler/TestScheduler: no wall clock, no event loop to yield to. */
  readonly virtual: boolean;
  private readonly chunk: number;

  constructor(
    readonly scheduler: SchedulerLike = asyncScheduler,
    private readonly unref = false,
  ) {
    this.virtual = scheduler instanceof VirtualTimeScheduler;
    this.chunk = this.virtual ? MAX_TIMEOUT_MS : REAL_CLOCK_CHUNK_MS;
    // asyncScheduler's now() is Date.now() behind two indirections; read it directly (still the
    // global Date at call time, so fake timers installed later apply).
    if (scheduler === asyncScheduler) this.now = dateNow;
  }

  now(): number {
    return this.scheduler.now();
  }

  /** Calls `fn` after `delay` ms (chunked when long). */
  after(delay: number, fn: () => void): TimerHandle {
    return this.at(this.now() + delay, fn);
  }

  /** Calls `fn` at clock time `due`; at once (next action of the scheduler) if `due` has passed. */
  at(due: number, fn: () => void): TimerHandle {
    return new ChunkedTimer(this, due, fn);
  }

  /** @internal */
  arm(delay: number, work: () => void): Subscription {
    const sub = this.scheduler.schedule(work, delay);
    if (this.unref) unrefAction(sub);
    return sub;
  }

  /** @internal */
  get chunkMs(): number {
    return this.chunk;
  }
}

class ChunkedTimer implements TimerHandle {
  private sub: Subscription | null = null;
  private final = false;

  constructor(
    private readonly clock: Clock,
    private readonly due: number,
    private readonly fn: () => void,
  ) {
    this.armNext();
  }

  cancel(): void {
    this.sub?.unsubscribe();
    this.sub = null;
  }

  private armNext(): void {
    const remaining = Math.max(0, this.due - this.clock.now());
    this.final = remaining <= this.clock.chunkMs;
    this.sub = this.clock.arm(this.final ? remaining : this.clock.chunkMs, () => this.wake());
  }

  private wake(): void {
    this.sub = null;
    // A final chunk trusts its timer (the wall clock may lag the monotonic timer by a ms); an
    // intermediate chunk re-reads the clock, which is what absorbs jumps and sleeps.
    if (this.final || this.clock.now() >= this.due) this.fn();
    else this.armNext();
  }
}

function dateNow(): number {
  return Date.now();
}

/** Unrefs the Node timer behind an asyncScheduler action, if there is one. */
function unrefAction(sub: Subscription): void {
  const id = (sub as unknown as { id?: { unref?: () => void } }).id;
  if (id && typeof id === 'object' && typeof id.unref === 'function') id.unref();
}
