import { Observable } from 'rxjs';
import { Clock } from '../internal/clock';
import { TimerGroups } from '../internal/timerGroups';
import type { Fire, Trigger, TriggerContext } from '../types';

/** Where an armed trigger delivers its fires. */
export interface FireSink<E> {
  next(fire: Fire<E>): void;
  error(err: unknown): void;
  complete(): void;
}

/** What the scheduler lends a built-in trigger when it arms it: its clock and its shared timers. */
export interface TriggerEnv {
  readonly clock: Clock;
  readonly timers: TimerGroups;
}

/** Disarms an armed trigger; `final` when its task is removed for good (releases sources). */
export type Detach = (final?: boolean) => void;

/**
 * Built-in triggers arm straight into the scheduler's shared timers instead of through an
 * Observable subscription per task: one timer per distinct schedule, a few dozen bytes per task.
 * Their public {@link Trigger.fires} Observable is built on the same `attach`, so both paths
 * behave the same.
 */
export abstract class BuiltInTrigger<E> implements Trigger<E> {
  abstract readonly kind: string;
  readonly once: boolean = false;
  readonly timeBased: boolean = true;

  /** @internal Arms the trigger; returns the function that disarms it. */
  abstract attach(env: TriggerEnv, sink: FireSink<E>): Detach;

  fires(context: TriggerContext): Observable<Fire<E>> {
    return new Observable<Fire<E>>((subscriber) => {
      const clock = new Clock(context.scheduler);
      const detach = this.attach({ clock, timers: new TimerGroups(clock) }, {
        next: (fire) => subscriber.next(fire),
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => detach();
    });
  }
}

/** True for the library's own triggers (armed through the shared timers). */
export function isBuiltInTrigger<E>(trigger: Trigger<E>): trigger is BuiltInTrigger<E> {
  return trigger instanceof BuiltInTrigger;
}
