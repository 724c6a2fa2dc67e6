import { isObservable, from, type Observable, type InteropObservable } from 'rxjs';
import { InvalidOptionError } from '../errors';
import { BuiltInTrigger, detachable, type Detachable, type FireSink, type TriggerEnv } from './base';

/** What {@link eventTrigger} accepts. */
export type EventSource<E> = Observable<E> | InteropObservable<E> | AsyncIterable<E>;

interface PullState<E> {
  iterator: AsyncIterator<E>;
  pulling: boolean;
  done: boolean;
  /** Messages that arrived while the trigger was disarmed (stop): delivered first on re-arm. */
  stash: E[];
}

/** A trigger fired by each value of an Observable or each message of an AsyncIterable. */
export class EventTrigger<E> extends BuiltInTrigger<E> {
  get kind(): 'event' {
    return 'event';
  }

  override get timeBased(): boolean {
    return false;
  }
  private readonly observable: Observable<E> | undefined;
  private readonly iterable: AsyncIterable<E> | undefined;
  private pull: PullState<E> | undefined;

  constructor(source: EventSource<E>) {
    super();
    if (isObservable(source) || isInterop(source)) {
      this.observable = isObservable(source) ? source : from(source as InteropObservable<E>);
    } else if (source !== null && typeof source === 'object' && typeof (source as AsyncIterable<E>)[Symbol.asyncIterator] === 'function') {
      this.iterable = source as AsyncIterable<E>;
    } else {
      throw new InvalidOptionError('INVALID_EVENT_SOURCE', 'eventTrigger', 'source', 'must be an Observable or an AsyncIterable', source);
    }
  }

  /** True when the source is an AsyncIterable pulled with back-pressure. */
  get pullBased(): boolean {
    return this.iterable !== undefined;
  }

  /** @internal */
  attach(env: TriggerEnv, sink: FireSink<E>): Detachable {
    if (this.observable) {
      const clock = env.clock;
      const sub = this.observable.subscribe({
        next: (event) => sink.onTriggerFire(clock.now(), event, undefined),
        error: (err) => sink.onTriggerError(err),
        complete: () => sink.onTriggerComplete(),
      });
      return detachable(() => sub.unsubscribe());
    }
    return this.attachPull(env, sink);
  }

  /**
   * Pulls one message at a time: the next is taken only once the previous one has left the
   * waiting state (started or dropped), so at most one message is held beyond those running.
   */
  private attachPull(env: TriggerEnv, sink: FireSink<E>): Detachable {
    const state = (this.pull ??= {
      iterator: (this.iterable as AsyncIterable<E>)[Symbol.asyncIterator](),
      pulling: false,
      done: false,
      stash: [],
    });
    let active = true;
    let outstanding = false;

    const deliver = (event: E): void => {
      outstanding = true;
      let acked = false;
      sink.onTriggerFire(env.clock.now(), event, () => {
        if (acked) return;
        acked = true;
        outstanding = false;
        takeNext();
      });
    };
    const fail = (err: unknown): void => {
      state.pulling = false;
      state.done = true;
      if (active) sink.onTriggerError(err);
    };
    const takeNext = (): void => {
      if (!active || outstanding || state.pulling || state.done) return;
      if (state.stash.length > 0) return deliver(state.stash.shift() as E);
      state.pulling = true;
      let next: Promise<IteratorResult<E>>;
      try {
        next = Promise.resolve(state.iterator.next());
      } catch (err) {
        return fail(err);
      }
      next.then((result) => {
        state.pulling = false;
        if (result.done) {
          state.done = true;
          if (active) sink.onTriggerComplete();
        } else if (active) deliver(result.value);
        else state.stash.push(result.value);
      }, fail);
    };

    takeNext();
    return detachable((final) => {
      active = false;
      if (final && !state.done) {
        state.done = true;
        try {
          Promise.resolve(state.iterator.return?.()).catch(() => undefined);
        } catch {
          // a mailbox that fails to close must not break removal
        }
      }
    });
  }
}

function isInterop(source: unknown): boolean {
  const key = (typeof Symbol === 'function' && (Symbol as { observable?: symbol }).observable) || '@@observable';
  return source !== null && typeof source === 'object' && typeof (source as Record<string | symbol, unknown>)[key] === 'function';
}

/**
 * Fires once per value of `source`: an Observable (a Subject, `fromEvent(emitter, 'message')`, …)
 * or an AsyncIterable (a mailbox), whose messages are pulled with back-pressure. Each value
 * reaches `run` as `ctx.event`. Tasks with an event trigger default to `overlap: 'queue'`, so no
 * event is dropped.
 *
 * @example
 * ```ts
 * const messages = new Subject<string>();
 * scheduler.addTask({ name: 'receiveMessages', triggers: [eventTrigger(messages)], run: (_, ctx) => handle(ctx.event) });
 * ```
 * @throws {SchedulerError} `INVALID_EVENT_SOURCE`
 * @see periodicTrigger
 */
export function eventTrigger<E>(source: EventSource<E>): EventTrigger<E> {
  return new EventTrigger(source);
}
