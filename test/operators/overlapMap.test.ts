import { Subject, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors';
import { overlapMap, type DropReason } from '../../operators';

type Cold = ReturnType<TestScheduler['createColdObservable']>;

function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** One 3-frame inner per letter, emitting the letter as it completes. */
function innersFor(cold: (marbles: string, values?: Record<string, string>) => Cold, letters: string): Record<string, Cold> {
  return Object.fromEntries([...letters].map((k) => [k, cold('---(x|)', { x: k })]));
}

describe('overlapMap', () => {
  it("'skip' drops a value that arrives while an inner runs, like exhaustMap", () => {
    const drops: Array<[string, DropReason]> = [];
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c----d-|');
      const inners = innersFor(cold, 'abcd');
      const result = source.pipe(overlapMap((v: string) => inners[v], 'skip', { onDrop: (v, why) => drops.push([v, why]) }));
      expectObservable(result).toBe('----a---c----(d|)');
      expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
      expectSubscriptions(inners.c.subscriptions).toBe('-----^--!');
      expectSubscriptions(inners.d.subscriptions).toBe('----------^--!');
    });
    expect(drops).toEqual([['b', 'skipped']]);
  });

  it("'buffer-one' keeps one waiting value, replaced by the latest", () => {
    const drops: Array<[string, DropReason]> = [];
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc-------d|');
      const inners = innersFor(cold, 'abcd');
      const result = source.pipe(overlapMap((v: string) => inners[v], 'buffer-one', { onDrop: (v, why) => drops.push([v, why]) }));
      expectObservable(result).toBe('----a--c------(d|)');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
      expectSubscriptions(inners.c.subscriptions).toBe('----^--!');
    });
    expect(drops).toEqual([['b', 'coalesced']]);
  });

  it("'queue' runs every value in turn, FIFO, like concatMap", () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc-----|');
      const inners = innersFor(cold, 'abc');
      expectObservable(source.pipe(overlapMap((v: string) => inners[v], 'queue'))).toBe('----a--b--(c|)');
      expectSubscriptions(inners.b.subscriptions).toBe('----^--!');
      expectSubscriptions(inners.c.subscriptions).toBe('-------^--!');
    });
  });

  it("'queue' with maxPending drops a value that finds the queue full", () => {
    const drops: Array<[string, DropReason]> = [];
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc-----|');
      const inners = innersFor(cold, 'abc');
      const result = source.pipe(
        overlapMap((v: string) => inners[v], 'queue', { maxPending: 1, onDrop: (v, why) => drops.push([v, why]) }),
      );
      expectObservable(result).toBe('----a--b-|');
      expectSubscriptions(inners.c.subscriptions).toBe([]);
    });
    expect(drops).toEqual([['c', 'dropped']]);
  });

  it("'allow' runs values concurrently, like mergeMap", () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc--|');
      const inners = innersFor(cold, 'abc');
      expectObservable(source.pipe(overlapMap((v: string) => inners[v], 'allow'))).toBe('----ab(c|)');
      expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^--!');
      expectSubscriptions(inners.c.subscriptions).toBe('---^--!');
    });
  });

  it.each(['skip', 'buffer-one', 'queue', 'allow'] as const)("'%s' tears down the source and the running inner on unsubscription", (policy) => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-ab------|');
      const inners: Record<string, Cold> = { a: cold('------x|'), b: cold('------x|') };
      expectObservable(source.pipe(overlapMap((v: string) => inners[v], policy)), '^---!').toBe('-----');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.b.subscriptions).toBe(policy === 'allow' ? '--^-!' : []);
    });
  });

  it('starts a value synchronously within its emission when nothing runs', () => {
    const source = new Subject<number>();
    const started: number[] = [];
    source.pipe(overlapMap((v) => (started.push(v), of(v)), 'queue')).subscribe();
    source.next(1);
    expect(started).toEqual([1]);
  });

  it('propagates an inner error and drops what waits', () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-ab---|');
      const inners: Record<string, Cold> = { a: cold('--#'), b: cold('-x|') };
      expectObservable(source.pipe(overlapMap((v: string) => inners[v], 'queue'))).toBe('---#');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
  });

  describe('validation', () => {
    const project = () => of(1);
    it.each([
      ['project', [5, 'skip'], 'INVALID_OPTION', 'overlapMap: project must be a function, got 5'],
      ['policy', [project, 'sometimes'], 'INVALID_OVERLAP', `overlapMap: policy must be one of 'skip', 'buffer-one', 'queue', 'allow', got "sometimes"`],
      ['onDrop', [project, 'skip', { onDrop: 'log' }], 'INVALID_OPTION', 'overlapMap: onDrop must be a function, got "log"'],
      ['maxPending', [project, 'queue', { maxPending: -1 }], 'INVALID_OPTION', 'overlapMap: maxPending must be a non-negative integer or Infinity, got -1'],
      ['maxPending', [project, 'queue', { maxPending: 0.5 }], 'INVALID_OPTION', 'overlapMap: maxPending must be a non-negative integer or Infinity, got 0.5'],
    ])('rejects a bad %s (%#)', (field, args, code, message) => {
      let error: unknown;
      try {
        (overlapMap as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code, field, message });
    });
  });
});
