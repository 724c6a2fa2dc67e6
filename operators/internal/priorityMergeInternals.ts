import { from, type Observable, type ObservableInput, type Subscriber } from 'rxjs';
import { InvalidOptionError } from '../../src/errors';
import { Fifo } from '../../src/internal/fifo';
import { PriorityQueue } from '../../src/internal/priorityQueue';
import { subscribeLinked } from './util';

/** A value that found every slot busy, with its arrival index (0 for the first source value). */
export interface Waiting<T> {
  readonly value: T;
  readonly index: number;
}

/** Why a waiting room let a value go without starting it. */
export type DropReason = 'skipped' | 'coalesced' | 'dropped';

/**
 * Where values wait for a free slot. The room alone decides the start order and what is dropped;
 * the merge loop below only counts slots.
 */
export interface WaitingRoom<T> {
  /** Number of values waiting. */
  readonly size: number;
  /** Takes in a value that found every slot busy; may keep it or drop it. May throw (errors the output). */
  admit(value: T, index: number): void;
  /** Removes and returns the value to start next, or `undefined` when empty. */
  take(): Waiting<T> | undefined;
  /** Forgets every waiting value (on teardown). */
  clear(): void;
}

/**
 * The merge loop behind `priorityMergeMap` and `overlapMap`: `mergeMap(project,
 * concurrency)` whose buffer is a {@link WaitingRoom}.
 *
 * Invariants, outside the synchronous reentrancy of `drain`:
 * - `active <= concurrency`;
 * - `room.size > 0` implies `active === concurrency` (no idle slot while a value waits), which is
 *   why a value that finds `active < concurrency` may start at once, within its own emission;
 * - the output completes exactly when the source has completed, `active === 0` and the room is empty.
 *
 * `project` receives the value's arrival index, so that index is stable however the room reorders.
 */
export function priorityMergeInternals<T, R>(
  source: Observable<T>,
  subscriber: Subscriber<R>,
  project: (value: T, index: number) => ObservableInput<R>,
  concurrency: number,
  room: WaitingRoom<T>,
): void {
  let active = 0;
  let arrivals = 0;
  let sourceDone = false;
  let draining = false;

  const start = (value: T, index: number): void => {
    active++;
    let inner: Observable<R>;
    try {
      inner = from(project(value, index));
    } catch (err) {
      subscriber.error(err);
      return;
    }
    subscribeLinked(inner, subscriber, {
      next: (result) => subscriber.next(result),
      complete: () => {
        active--;
        drain();
      },
    });
  };

  // Starts waiting values while slots are free. Why the `draining` flag: an inner that completes
  // synchronously calls `drain` again from inside `start`; the outer loop picks up the freed slot
  // instead, so a long run of synchronous inners is a loop, not a recursion as deep as the queue.
  const drain = (): void => {
    if (draining) return;
    draining = true;
    while (active < concurrency && room.size > 0 && !subscriber.closed) {
      const next = room.take() as Waiting<T>;
      start(next.value, next.index);
    }
    draining = false;
    if (sourceDone && active === 0 && room.size === 0) subscriber.complete();
  };

  subscriber.add(() => room.clear());
  subscribeLinked(source, subscriber, {
    next: (value) => {
      const index = arrivals++;
      if (active < concurrency && room.size === 0) {
        start(value, index);
        return;
      }
      try {
        room.admit(value, index);
      } catch (err) {
        subscriber.error(err);
      }
    },
    complete: () => {
      sourceDone = true;
      drain();
    },
  });
}

/**
 * Lowest `priorityOf(value, index)` first, ties in arrival order, on the shared binary heap.
 * `priorityOf` is called once per value, when it has to wait.
 */
export function priorityRoom<T>(where: string, priorityOf: (value: T, index: number) => number): WaitingRoom<T> {
  const queue = new PriorityQueue<Waiting<T>>();
  return {
    get size() {
      return queue.size;
    },
    admit(value, index) {
      const key = priorityOf(value, index);
      // NaN compares false with everything and would silently break the heap order.
      if (typeof key !== 'number' || Number.isNaN(key)) {
        throw new InvalidOptionError('INVALID_PRIORITY', where, 'priorityOf(value, index)', 'must return a number (not NaN)', key);
      }
      // The arrival index doubles as the heap's sequence number: it grows with arrival order.
      queue.push({ value, index }, key, index);
    },
    take: () => queue.pop(),
    clear: () => void queue.clear(),
  };
}

/** Arrival order; beyond `capacity` waiting values a new one is dropped (`'dropped'`). */
export function fifoRoom<T>(capacity = Infinity, onDrop?: (value: T, reason: DropReason) => void): WaitingRoom<T> {
  const fifo = new Fifo<Waiting<T>>();
  return {
    get size() {
      return fifo.size;
    },
    admit(value, index) {
      if (fifo.size < capacity) fifo.push({ value, index });
      else onDrop?.(value, 'dropped');
    },
    take: () => fifo.shift(),
    clear: () => void fifo.clear(),
  };
}

/** Keeps nothing: a value that finds every slot busy is dropped (`'skipped'`), as in `exhaustMap`. */
export function noRoom<T>(onDrop?: (value: T, reason: DropReason) => void): WaitingRoom<T> {
  return {
    size: 0,
    admit: (value) => onDrop?.(value, 'skipped'),
    take: () => undefined,
    clear: () => undefined,
  };
}

/** Keeps the latest value only: a newer one replaces the waiting one, which is dropped (`'coalesced'`). */
export function latestRoom<T>(onDrop?: (value: T, reason: DropReason) => void): WaitingRoom<T> {
  let slot: Waiting<T> | undefined;
  return {
    get size() {
      return slot === undefined ? 0 : 1;
    },
    admit(value, index) {
      const replaced = slot;
      slot = { value, index };
      if (replaced !== undefined) onDrop?.(replaced.value, 'coalesced');
    },
    take() {
      const taken = slot;
      slot = undefined;
      return taken;
    },
    clear() {
      slot = undefined;
    },
  };
}
