import { Observable } from 'rxjs';
import { Clock } from '../internal/clock';
import { TimerGroups } from '../internal/timerGroups';
import type { Fire, Trigger, TriggerContext } from '../types';

/** Where an armed trigger delivers its fires. */
export interface FireSink<E> {
  /** One fire: its time, its payload (events) and, for pull-based triggers, its acknowledgement. */
  onTriggerFire(at: number, event: E | undefined, ack: (() => void) | undefined): void;
  onTriggerError(err: unknown): void;
  onTriggerComplete(): void;
}

/** What the scheduler lends a built-in trigger when it arms it: its clock and its shared timers. */
export interface TriggerEnv {
  readonly clock: Clock;
  readonly timers: TimerGroups;
  /**
   * Anchor interval triggers that have no anchor of their own to the epoch, so every process
   * computes the same occurrences (cluster-scoped tasks).
   */
  readonly anchorIntervals?: boolean;
}

/** An armed trigger; `detach(final)` disarms it, `final` when its task is removed for good (releases sources). */
export interface Detachable {
  detach(final?: boolean): void;
  /** The next scheduled fire time, for time triggers. */
  nextFireAt?(): number | undefined;
}

/** Wraps a disarm function as a {@link Detachable}. */
export function detachable(fn: (final?: boolean) => void, nextFireAt?: () => number | undefined): Detachable {
  return nextFireAt === undefined ? { detach: fn } : { detach: fn, nextFireAt };
}

/**
 * Built-in triggers arm straight into the scheduler's shared timers instead of through an
 * Observable subscription per task: one timer per distinct schedule, a few dozen bytes per task.
 * Their public {@link Trigger.fires} Observable is built on the same `attach`, so both paths
 * behave the same.
 */
export abstract class BuiltInTrigger<E> implements Trigger<E> {
  abstract readonly kind: string;

  // Getters on the prototype rather than instance fields: 100 000 tasks, 100 000 trigger objects.
  get once(): boolean {
    return false;
  }

  get timeBased(): boolean {
    return true;
  }

  /** @internal Arms the trigger; returns what disarms it. */
  abstract attach(env: TriggerEnv, sink: FireSink<E>): Detachable;

  fires(context: TriggerContext): Observable<Fire<E>> {
    return new Observable<Fire<E>>((subscriber) => {
      const clock = new Clock(context.scheduler);
      const detach = this.attach({ clock, timers: new TimerGroups(clock) }, {
        onTriggerFire: (at, event, ack) => subscriber.next(ack === undefined ? (event === undefined ? { at } : { at, event }) : { at, event, ack }),
        onTriggerError: (err) => subscriber.error(err),
        onTriggerComplete: () => subscriber.complete(),
      });
      return () => detach.detach();
    });
  }
}

/** True for the library's own triggers (armed through the shared timers). */
export function isBuiltInTrigger<E>(trigger: Trigger<E>): trigger is BuiltInTrigger<E> {
  return trigger instanceof BuiltInTrigger;
}
