import { InvalidOptionError } from '../errors';
import { BuiltInTrigger, detachable, type Detachable, type FireSink, type TriggerEnv } from './base';

/** Options of {@link oneTimeTrigger}: exactly one of `after` or `at`. */
export type OneTimeTriggerOptions =
  | { /** Milliseconds after arming. */ readonly after: number; readonly at?: undefined }
  | { /** The instant to fire; one already past fires at once. */ readonly at: Date; readonly after?: undefined };

/** A trigger that fires once. */
export class OneTimeTrigger extends BuiltInTrigger<never> {
  get kind(): 'one-time' {
    return 'one-time';
  }

  override get once(): boolean {
    return true;
  }
  readonly after: number | undefined;
  readonly at: number | undefined;

  constructor(options: OneTimeTriggerOptions) {
    super();
    const where = 'oneTimeTrigger';
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('INVALID_OPTION', where, 'options', 'must be an object with after or at', options);
    }
    const { after, at } = options as { after?: unknown; at?: unknown };
    if (after !== undefined && at !== undefined) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'after/at', 'must not both be set', options);
    }
    if (at !== undefined) {
      if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
        throw new InvalidOptionError('INVALID_DATE', where, 'at', 'must be a valid Date', at);
      }
      this.at = at.getTime();
    } else {
      if (typeof after !== 'number' || !Number.isFinite(after) || after < 0) {
        throw new InvalidOptionError('INVALID_AFTER', where, 'after', 'must be a finite number ≥ 0', after);
      }
      this.after = after;
    }
  }

  /** @internal */
  attach(env: TriggerEnv, sink: FireSink<never>): Detachable {
    const clock = env.clock;
    const due = this.at ?? clock.now() + (this.after as number);
    if (due <= clock.now()) {
      sink.onTriggerFire(due, undefined, undefined);
      sink.onTriggerComplete();
      return detachable(() => undefined);
    }
    let fired = false;
    const timer = clock.at(due, () => {
      fired = true;
      sink.onTriggerFire(due, undefined, undefined);
      sink.onTriggerComplete();
    });
    return detachable(() => timer.cancel(), () => (fired ? undefined : due));
  }
}

/**
 * Fires once, `after` ms from arming or `at` a given instant (at once when it has passed). A task
 * whose triggers are all one-time is removed automatically once its run has ended. Waits longer
 * than 2^31−1 ms fire on time.
 *
 * @example
 * ```ts
 * scheduler.addTask({ name: 'warm-cache', triggers: [oneTimeTrigger({ after: 10_000 })], run: warm });
 * ```
 * @throws {SchedulerError} `INVALID_AFTER`, `INVALID_DATE`
 * @see periodicTrigger
 */
export function oneTimeTrigger(options: OneTimeTriggerOptions): OneTimeTrigger {
  return new OneTimeTrigger(options);
}
