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
    // asyncScheduler's now() is Date.now() behind two indirections, and its actions are Node
    // timers behind an AsyncAction and a Subscription each: read the clock and arm the timers
    // directly (still the globals at call time, so fake timers installed later apply). Besides
    // the indirections, this keeps RxJS's action objects out of the timer path: the fields an
    // AsyncAction clears when a stopped scheduler cancels its timers were constants the optimized
    // timer code had inlined, so one scheduler's stop() deoptimized every other's timer code.
    if (scheduler === asyncScheduler) {
      this.now = dateNow;
      this.arm = unref ? armUnrefTimeout : armTimeout;
      this.disarm = disarmTimeout;
    }
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

  /** @internal Calls `work` after `delay` ms (at most {@link chunkMs}); returns a handle for {@link disarm}. */
  arm(delay: number, work: () => void): unknown {
    const sub = this.scheduler.schedule(work, delay);
    if (this.unref) unrefAction(sub);
    return sub;
  }

  /** @internal Cancels what {@link arm} armed (before it ran). */
  disarm(handle: unknown): void {
    (handle as Subscription).unsubscribe();
  }

  /** @internal */
  get chunkMs(): number {
    return this.chunk;
  }
}

class ChunkedTimer implements TimerHandle {
  /**
   * A timer that lives as long as this class and never armed anything (its clock is inert), so that
   * the timer layout outlives the timers of a burst (see `Attempt.layoutAnchor` in run.ts). Its
   * due time is a fraction, as real ones are doubles: a whole number would give the field a
   * narrower representation, and the first real timer a new layout that nothing keeps.
   */
  static readonly layoutAnchor: ChunkedTimer = new ChunkedTimer(
    { now: () => 0, chunkMs: Infinity, arm: () => null, disarm: () => {} } as unknown as Clock,
    0.5,
    () => {},
  );

  /** What the clock armed for the current chunk; null once it ran or was cancelled. */
  private armed: unknown = null;
  private final = false;

  constructor(
    private readonly clock: Clock,
    private readonly due: number,
    private readonly fn: () => void,
  ) {
    this.armNext();
  }

  cancel(): void {
    if (this.armed === null) return;
    this.clock.disarm(this.armed);
    this.armed = null;
  }

  private armNext(): void {
    const remaining = Math.max(0, this.due - this.clock.now());
    this.final = remaining <= this.clock.chunkMs;
    this.armed = this.clock.arm(this.final ? remaining : this.clock.chunkMs, () => this.wake());
  }

  private wake(): void {
    this.armed = null;
    // A final chunk trusts its timer (the wall clock may lag the monotonic timer by a ms); an
    // intermediate chunk re-reads the clock, which is what absorbs jumps and sleeps.
    if (this.final || this.clock.now() >= this.due) this.fn();
    else this.armNext();
  }
}

function dateNow(): number {
  return Date.now();
}

function armTimeout(delay: number, work: () => void): unknown {
  return setTimeout(work, delay);
}

function armUnrefTimeout(delay: number, work: () => void): unknown {
  const timeout = setTimeout(work, delay);
  // Not in every runtime: browsers' setTimeout returns a number.
  if (typeof timeout === 'object' && timeout !== null && typeof timeout.unref === 'function') timeout.unref();
  return timeout;
}

function disarmTimeout(handle: unknown): void {
  clearTimeout(handle as ReturnType<typeof setTimeout>);
}

/** Unrefs the Node timer behind an asyncScheduler action, if there is one. */
function unrefAction(sub: Subscription): void {
  const id = (sub as unknown as { id?: { unref?: () => void } }).id;
  if (id && typeof id === 'object' && typeof id.unref === 'function') id.unref();
}
