import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { InvalidOptionError } from '../errors';
import type { EventLoopDelaySnapshot } from './taskStats';

/** The process's resource usage over one sample window. */
export interface ResourceSample {
  /** Event-loop delay of the window, ms: its 99th percentile for {@link NodeResourceSampler}. */
  readonly eventLoopDelayMs: number;
  /** Share of the window the event loop was busy, 0..1. */
  readonly eventLoopUtilization: number;
  /** V8 heap in use, bytes. */
  readonly heapUsedBytes: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
  /** p50 / p99 / max event-loop delay of the window, ms, when the sampler measures them. */
  readonly eventLoopDelay?: EventLoopDelaySnapshot;
}

/**
 * Where the scheduler reads resource usage from. Each `sample()` closes one window and opens the
 * next, so call it from one place (the scheduler's admission check) and keep the latest sample
 * for stats. Inject a fake to drive resource-aware admission in virtual time.
 *
 * @example
 * ```ts
 * let delay = 0;
 * const fake: ResourceSampler = {
 *   sample: () => ({ eventLoopDelayMs: delay, eventLoopUtilization: 0.1, heapUsedBytes: 1e6, rssBytes: 5e6 }),
 * };
 * delay = 250; // the next sample exceeds `resourceLimits: { eventLoopDelayMs: 100 }`
 * ```
 */
export interface ResourceSampler {
  sample(): ResourceSample;
}

/** Thresholds above which non-essential runs wait. Every field is optional; an absent one is not checked. */
export interface ResourceLimits {
  /** Event-loop delay (the sampler's `eventLoopDelayMs`), ms; a finite number > 0. @default unchecked */
  readonly eventLoopDelayMs?: number;
  /** Event-loop utilisation, a number in (0, 1]. @default unchecked */
  readonly eventLoopUtilization?: number;
  /** V8 heap in use, bytes; a finite number > 0. @default unchecked */
  readonly heapUsedBytes?: number;
}

/** The name of one limit in {@link ResourceLimits}. */
export type ResourceLimitName = keyof ResourceLimits;

const LIMIT_NAMES: ReadonlyArray<ResourceLimitName> = ['eventLoopDelayMs', 'eventLoopUtilization', 'heapUsedBytes'];

/**
 * The limits that `sample` exceeds (strictly above the threshold), in a fixed order; empty when
 * none is. Pure.
 *
 * @example
 * ```ts
 * exceededLimits(
 *   { eventLoopDelayMs: 180, eventLoopUtilization: 0.5, heapUsedBytes: 9e8, rssBytes: 1e9 },
 *   { eventLoopDelayMs: 100, heapUsedBytes: 1e9 },
 * ); // ['eventLoopDelayMs']
 * ```
 */
export function exceededLimits(sample: ResourceSample, limits: ResourceLimits): ResourceLimitName[] {
  const exceeded: ResourceLimitName[] = [];
  if (limits.eventLoopDelayMs !== undefined && sample.eventLoopDelayMs > limits.eventLoopDelayMs) {
    exceeded.push('eventLoopDelayMs');
  }
  if (limits.eventLoopUtilization !== undefined && sample.eventLoopUtilization > limits.eventLoopUtilization) {
    exceeded.push('eventLoopUtilization');
  }
  if (limits.heapUsedBytes !== undefined && sample.heapUsedBytes > limits.heapUsedBytes) {
    exceeded.push('heapUsedBytes');
  }
  return exceeded;
}

/**
 * Validates `resourceLimits` and returns a new object holding only the limits that are set (the
 * caller's object is not kept). Throws an `InvalidOptionError` (code `'INVALID_OPTION'`) naming the
 * field, the rule and the value received.
 *
 * @param where the public function the limits were given to, for the message.
 * @example
 * ```ts
 * validateResourceLimits({ eventLoopDelayMs: 100 }); // { eventLoopDelayMs: 100 }
 * validateResourceLimits({ eventLoopUtilization: 1.5 });
 * // throws: Scheduler: resourceLimits.eventLoopUtilization must be a number > 0 and <= 1, got 1.5
 * ```
 */
export function validateResourceLimits(limits: unknown, where = 'Scheduler'): ResourceLimits {
  if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'resourceLimits', 'must be an object', limits);
  }
  const input = limits as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(LIMIT_NAMES as ReadonlyArray<string>).includes(key)) {
      throw new InvalidOptionError(
        'INVALID_OPTION',
        where,
        `resourceLimits.${key}`,
        `is not a known limit (${LIMIT_NAMES.join(', ')})`,
        input[key],
      );
    }
  }
  const out: { -readonly [K in ResourceLimitName]?: number } = {};
  for (const name of LIMIT_NAMES) {
    const value = input[name];
    if (value === undefined) continue;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value > 0 &&
      (name !== 'eventLoopUtilization' || value <= 1);
    if (!ok) {
      const rule = name === 'eventLoopUtilization' ? 'must be a number > 0 and <= 1' : 'must be a finite number > 0';
      throw new InvalidOptionError('INVALID_OPTION', where, `resourceLimits.${name}`, rule, value);
    }
    out[name] = value;
  }
  return out;
}

/** Options of {@link NodeResourceSampler}. */
export interface NodeResourceSamplerOptions {
  /**
   * Sampling interval of `monitorEventLoopDelay`, ms (≥ 1). Lower resolves shorter stalls at a small CPU cost.
   * @default 10
   */
  readonly resolutionMs?: number;
}

const NS_PER_MS = 1e6;

/**
 * The default {@link ResourceSampler}: event-loop delay from `monitorEventLoopDelay`, event-loop
 * utilisation as the delta of `performance.eventLoopUtilization()` since the previous sample, and
 * heap / RSS from `process.memoryUsage()`.
 *
 * Event-loop delay is reported as Node's reading minus `resolutionMs` (Node's delay histogram
 * records whole timer intervals, so an idle loop would otherwise read as ≈ `resolutionMs`), never
 * below 0. Its window is the last **two** sample periods: resetting a delay histogram makes Node
 * discard its next reading — exactly the stall a run started right after a sample would cause —
 * so two histograms run side by side and each sample reads and resets them in turn; every
 * reading lands in at least one of them. Utilisation and memory cover exactly one period.
 *
 * A window in which the delay monitor took no reading (shorter than `resolutionMs`, or the sampler
 * not started) repeats the previous delay instead of reporting a spurious 0. Node unrefs the delay
 * monitors' timers, so a started sampler never keeps the process alive.
 * Cost: `sample()` ≈ 10–20 µs (`process.memoryUsage()` reads `/proc`); sample every few hundred
 * ms, not per run.
 *
 * @example
 * ```ts
 * const sampler = new NodeResourceSampler().start();
 * setInterval(() => {
 *   const s = sampler.sample();
 *   console.log(s.eventLoopDelayMs, s.eventLoopUtilization, s.heapUsedBytes);
 * }, 1_000).unref();
 * // later: sampler.stop();
 * ```
 */
export class NodeResourceSampler implements ResourceSampler {
  private readonly monitors: readonly [IntervalHistogram, IntervalHistogram];
  /** Index of the monitor the next sample reads and resets. */
  private turn = 0;
  private readonly resolutionNs: number;
  private lastElu: EventLoopUtilization;
  private lastDelay: EventLoopDelaySnapshot = { p50: 0, p99: 0, max: 0 };
  private enabled = false;

  constructor(options: NodeResourceSamplerOptions = {}) {
    const resolution = options.resolutionMs ?? 10;
    if (!Number.isInteger(resolution) || resolution < 1) {
      throw new InvalidOptionError('INVALID_OPTION', 'NodeResourceSampler', 'resolutionMs', 'must be an integer >= 1', resolution);
    }
    this.resolutionNs = resolution * NS_PER_MS;
    this.monitors = [monitorEventLoopDelay({ resolution }), monitorEventLoopDelay({ resolution })];
    this.lastElu = performance.eventLoopUtilization();
  }

  /** True between {@link start} and {@link stop}. */
  get started(): boolean {
    return this.enabled;
  }

  /** Starts measuring event-loop delay and opens the first window. Idempotent. */
  start(): this {
    if (!this.enabled) {
      this.enabled = true;
      for (const m of this.monitors) {
        m.reset();
        m.enable();
      }
      this.lastElu = performance.eventLoopUtilization();
    }
    return this;
  }

  /** Stops the delay monitors (later samples still report utilisation and memory). Idempotent. */
  stop(): void {
    if (this.enabled) {
      this.enabled = false;
      for (const m of this.monitors) m.disable();
    }
  }

  /** Closes the current window: returns its usage and starts the next one. */
  sample(): ResourceSample {
    const h = this.monitors[this.turn];
    this.turn ^= 1;
    if (h.count > 0) {
      this.lastDelay = { p50: this.delayMs(h.percentile(50)), p99: this.delayMs(h.percentile(99)), max: this.delayMs(h.max) };
      h.reset();
    }
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, this.lastElu).utilization;
    this.lastElu = now;
    const memory = process.memoryUsage();
    return {
      eventLoopDelayMs: this.lastDelay.p99,
      // NaN when no time passed between two samples.
      eventLoopUtilization: utilization > 0 ? Math.min(1, utilization) : 0,
      heapUsedBytes: memory.heapUsed,
      rssBytes: memory.rss,
      eventLoopDelay: this.lastDelay,
    };
  }

  /** A reading of Node's delay histogram (ns, a whole timer interval) as delay beyond the interval, ms. */
  private delayMs(ns: number): number {
    return ns > this.resolutionNs ? (ns - this.resolutionNs) / NS_PER_MS : 0;
  }
}
