// Helpers for a scenario child process: read params, measure, print one JSON line, exit.

export type Params = Record<string, string | number | boolean>;

/** The params the runner passed as a JSON argument (argv[2]), over the scenario's defaults. */
export function readParams<T extends Params>(defaults: T): T {
  const raw = process.argv[2];
  const given = raw ? (JSON.parse(raw) as Partial<T>) : {};
  return { ...defaults, ...given };
}

/** Runs a scenario's main: prints its result as one JSON line and exits (0, or 1 on error). */
export function main(fn: () => Promise<Record<string, unknown>>): void {
  fn().then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
    },
    (err) => {
      process.stderr.write(`scenario failed: ${err instanceof Error ? err.stack : String(err)}\n`, () => process.exit(1));
    },
  );
}

/** Full garbage collection (needs --expose-gc). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc');
  g();
  g();
}

/**
 * Memory in use, in bytes: the JS heap plus the contents of ArrayBuffers (typed arrays), which
 * live outside the JS heap — an implementation that keeps its numbers in typed arrays must not
 * look smaller than one that keeps them in JS arrays.
 */
export function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** {@link memoryInUse} after a full GC, in bytes. */
export function heapAfterGc(): number {
  gc();
  return memoryInUse();
}

/** What {@link retain} holds: the latest round's objects. */
let retained: unknown = null;

/**
 * Keeps `objects` reachable until the next call replaces them. A scenario's warm-up rounds make
 * and drop their instances, then a full GC runs before the measured round; V8 throws away
 * optimized code that checks an object layout (map) the GC collects, and a layout dies with the
 * last object that has it. Measured right after such a GC, a library with more classes would
 * re-optimize more — a state a long-lived instance never meets in a real process, where its
 * objects outlive every GC. Each implementation retains its last warm-up instance through the
 * measured round, the same for every implementation.
 */
export function retain(objects: unknown): void {
  retained = objects;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Wall-clock milliseconds with sub-millisecond resolution. */
export const hiresNow = (): number => performance.timeOrigin + performance.now();

/** CPU time (user + system) in ms since `since` (a process.cpuUsage() value). */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/**
 * Measures event-loop stalls: a 10 ms setInterval records how late each tick comes versus the
 * previous one (gap − 10 ms). `max` is the longest stall seen since the last reset.
 */
export class StallMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  max = 0;

  constructor(private readonly period = 10) {}

  start(): this {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const stall = now - this.last - this.period;
      if (stall > this.max) this.max = stall;
      this.last = now;
    }, this.period);
    return this;
  }

  /** Forgets the stalls seen so far (the current tick gap counts from now). */
  reset(): void {
    this.last = performance.now();
    this.max = 0;
  }

  /** The longest stall, including the one in progress now. */
  read(): number {
    const pending = performance.now() - this.last - this.period;
    return Math.max(this.max, pending, 0);
  }

  stop(): number {
    const value = this.read();
    if (this.timer) clearInterval(this.timer);
    return value;
  }
}
