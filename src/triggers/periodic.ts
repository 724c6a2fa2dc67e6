import { InvalidOptionError } from '../errors';
import { parseCron, type ParsedCron } from '../cron';
import type { Jitter } from '../internal/timerGroups';
import { BuiltInTrigger, type Detachable, type FireSink, type TriggerEnv } from './base';

/** Options of {@link periodicTrigger}: exactly one of `interval` or `cron`. */
export type PeriodicTriggerOptions =
  | {
      /** Milliseconds between ticks; the first tick is one interval after arming. */
      readonly interval: number;
      /**
       * Ticks fall on `anchor + k × interval` instead of counting from arming (a number of epoch ms
       * or a Date). Cluster-scoped tasks anchor to the epoch by default, so replicas agree.
       * @default none (first tick one interval after arming)
       */
      readonly anchor?: number | Date;
      readonly cron?: undefined;
      readonly tz?: undefined;
      /** Random extra delay per tick: up to this many ms, or a function giving the ms. @default 0 */
      readonly jitter?: number | (() => number);
    }
  | {
      /** 5 or 6 fields (seconds optional) or an alias cron-parser knows: `@hourly`, `@daily`, … */
      readonly cron: string;
      /** IANA time zone the expression is read in. @default the process's zone */
      readonly tz?: string;
      readonly interval?: undefined;
      readonly anchor?: undefined;
      /** Random extra delay per tick: up to this many ms, or a function giving the ms. @default 0 */
      readonly jitter?: number | (() => number);
    };

/** A trigger that ticks on an interval or a cron schedule. */
export class PeriodicTrigger extends BuiltInTrigger<never> {
  get kind(): 'periodic' {
    return 'periodic';
  }
  /** Interval in ms, when interval-based. */
  readonly interval: number | undefined;
  /** The parsed cron expression, when cron-based. */
  readonly cron: ParsedCron | undefined;
  readonly jitter: Jitter;
  /** Anchor of the interval grid (epoch ms), when set. */
  readonly anchor: number | undefined;

  constructor(options: PeriodicTriggerOptions) {
    super();
    const where = 'periodicTrigger';
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('INVALID_OPTION', where, 'options', 'must be an object with interval or cron', options);
    }
    const { interval, cron, tz, jitter, anchor } = options as { interval?: unknown; cron?: unknown; tz?: unknown; jitter?: unknown; anchor?: unknown };
    if (interval !== undefined && cron !== undefined) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'interval/cron', 'must not both be set', options);
    }
    if (cron !== undefined) {
      this.cron = parseCron(cron, tz, where);
    } else {
      if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
        throw new InvalidOptionError('INVALID_INTERVAL', where, 'interval', 'must be a finite number > 0', interval);
      }
      if (tz !== undefined) throw new InvalidOptionError('INVALID_OPTION', where, 'tz', 'only applies to cron', tz);
      this.interval = interval;
      if (anchor !== undefined) {
        const at = anchor instanceof Date ? anchor.getTime() : anchor;
        if (typeof at !== 'number' || !Number.isFinite(at)) {
          throw new InvalidOptionError('INVALID_OPTION', where, 'anchor', 'must be a finite number of epoch ms or a valid Date', anchor);
        }
        this.anchor = at;
      }
    }
    if (cron !== undefined && anchor !== undefined) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'anchor', 'only applies to interval', anchor);
    }
    if (jitter !== undefined && typeof jitter !== 'function' && (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0)) {
      throw new InvalidOptionError('INVALID_JITTER', where, 'jitter', 'must be a finite number ≥ 0 or a function returning ms', jitter);
    }
    this.jitter = jitter as Jitter;
  }

  /** @internal */
  attach(env: TriggerEnv, sink: FireSink<never>): Detachable {
    // The membership itself is the detacher: no closure per task.
    return this.cron
      ? env.timers.joinCron(this.cron, sink, this.jitter)
      : env.timers.joinInterval(this.interval as number, sink, this.jitter, this.anchor ?? (env.anchorIntervals ? 0 : undefined));
  }
}

/**
 * Ticks every `interval` ms, or on a `cron` schedule in an optional time zone.
 *
 * The first tick comes one interval (or the first cron occurrence) after the trigger is armed,
 * never at once; later ticks are measured from the scheduled times, so they do not drift. A tick
 * carries no event; `ctx.firedAt` is the scheduled time it was computed for.
 *
 * @example
 * ```ts
 * periodicTrigger({ interval: 5_000, jitter: 100 });
 * periodicTrigger({ cron: '*\/5 * * * *', tz: 'Europe/Berlin' });
 * ```
 * @throws {SchedulerError} `INVALID_INTERVAL`, `INVALID_CRON`, `INVALID_TIMEZONE`, `INVALID_JITTER`
 * @see eventTrigger
 * @see oneTimeTrigger
 */
export function periodicTrigger(options: PeriodicTriggerOptions): PeriodicTrigger {
  return new PeriodicTrigger(options);
}
