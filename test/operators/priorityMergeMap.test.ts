import { Observable, Subject, finalize, of, take, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors';
import { priorityMergeMap } from '../../operators';

type Cold = ReturnType<TestScheduler['createColdObservable']>;

function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('priorityMergeMap', () => {
  it('starts the waiting value with the lowest priority number first once a slot frees', () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const priority: Record<string, number> = { a: 9, b: 3, c: 1, d: 2 };
      const source = hot('-a-b-c-d-|');
      const inners: Record<string, Cold> = {
        a: cold('-----(x|)', { x: 'a' }),
        b: cold('-----(x|)', { x: 'b' }),
        c: cold('-----(x|)', { x: 'c' }),
        d: cold('-----(x|)', { x: 'd' }),
      };
      const result = source.pipe(priorityMergeMap((v: string) => inners[v], 1, (v) => priority[v]));

      // a takes the free slot at once; then c (1), d (2), b (3) — not arrival order.
      expectObservable(result).toBe('------a----c----d----(b|)');
      expectSubscriptions(source.subscriptions).toBe('^--------!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^----!');
      expectSubscriptions(inners.c.subscriptions).toBe('------^----!');
      expectSubscriptions(inners.d.subscriptions).toBe('-----------^----!');
      expectSubscriptions(inners.b.subscriptions).toBe('----------------^----!');
    });
  });

  it('starts values of equal priority in arrival order (FIFO)', () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-d-|');
      const inners: Record<string, Cold> = {
        a: cold('-----(x|)', { x: 'a' }),
        b: cold('-----(x|)', { x: 'b' }),
        c: cold('-----(x|)', { x: 'c' }),
        d: cold('-----(x|)', { x: 'd' }),
      };
      const result = source.pipe(priorityMergeMap((v: string) => inners[v], 1, () => 7));

      expectObservable(result).toBe('------a----b----c----(d|)');
      expectSubscriptions(inners.b.subscriptions).toBe('------^----!');
      expectSubscriptions(inners.c.subscriptions).toBe('-----------^----!');
      expectSubscriptions(inners.d.subscriptions).toBe('----------------^----!');
    });
  });

  it('never runs more than `concurrency` inners and fills each freed slot by priority', () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const priority: Record<string, number> = { a: 5, b: 4, c: 3, d: 2, e: 1 };
      const source = hot('-(abcde)-|');
      const inners: Record<string, Cold> = Object.fromEntries(
        Object.keys(priority).map((k) => [k, cold('----(x|)', { x: k })]),
      );
      const result = source.pipe(priorityMergeMap((v: string) => inners[v], 2, (v) => priority[v]));

      // a, b take both slots; at 5 a frees one (→ e) then b (→ d); at 9 e frees one (→ c).
      expectObservable(result).toBe('-----(ab)(ed)(c|)');
      expectSubscriptions(inners.a.subscriptions).toBe('-^---!');
      expectSubscriptions(inners.b.subscriptions).toBe('-^---!');
      expectSubscriptions(inners.e.subscriptions).toBe('-----^---!');
      expectSubscriptions(inners.d.subscriptions).toBe('-----^---!');
      expectSubscriptions(inners.c.subscriptions).toBe('---------^---!');
    });
  });

  it('starts a value that finds a free slot synchronously within its emission, without asking its priority', () => {
    const source = new Subject<string>();
    const started: string[] = [];
    const asked: string[] = [];
    const release = new Subject<void>();
    source
      .pipe(
        priorityMergeMap(
          (v) => {
            started.push(v);
            return release;
          },
          2,
          (v) => {
            asked.push(v);
            return 0;
          },
        ),
      )
      .subscribe();

    source.next('a');
    expect(started).toEqual(['a']);
    source.next('b');
    expect(started).toEqual(['a', 'b']);
    source.next('c'); // both slots busy: waits
    expect(started).toEqual(['a', 'b']);
    expect(asked).toEqual(['c']);
  });

  it('passes the arrival index to project and priorityOf, however the values are reordered', () => {
    const source = new Subject<string>();
    const blocker = new Subject<void>();
    const projected: Array<[string, number]> = [];
    const asked: Array<[string, number]> = [];
    source
      .pipe(
        priorityMergeMap(
          (v, i) => {
            projected.push([v, i]);
            return v === 'a' ? blocker : of(v);
          },
          1,
          (v, i) => {
            asked.push([v, i]);
            return v === 'c' ? 0 : 1;
          },
        ),
      )
      .subscribe();
    source.next('a');
    source.next('b');
    source.next('c');
    blocker.complete();
    expect(asked).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
    expect(projected).toEqual([
      ['a', 0],
      ['c', 2],
      ['b', 1],
    ]);
  });

  it('completes only when the source completed, every inner completed and nothing waits', () => {
    newTestScheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot('-ab|');
      const inner = cold('---(x|)');
      expectObservable(source.pipe(priorityMergeMap(() => inner, 1, () => 0))).toBe('----x--(x|)');
    });
  });

  it('completes at once for an empty source', () => {
    newTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('|').pipe(priorityMergeMap(() => of(1), 1, () => 0))).toBe('|');
    });
  });

  it('propagates an inner error at once and tears down the source and the other inners; waiting values never start', () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc----|');
      const inners: Record<string, Cold> = {
        a: cold('----#', undefined, new Error('boom')),
        b: cold('----------x|'),
        c: cold('-x|'),
      };
      const result = source.pipe(priorityMergeMap((v: string) => inners[v], 2, () => 0));

      expectObservable(result).toBe('-----#', undefined, new Error('boom'));
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^---!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^--!');
      expectSubscriptions(inners.c.subscriptions).toBe([]);
    });
  });

  it('propagates a source error at once and tears down the running inners', () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-a--#');
      const inner = cold('--------x|');
      expectObservable(source.pipe(priorityMergeMap(() => inner, 1, () => 0))).toBe('----#');
      expectSubscriptions(inner.subscriptions).toBe('-^--!');
    });
  });

  it('errors the output when project or priorityOf throws, or priorityOf returns NaN', () => {
    newTestScheduler().run(({ hot, cold, expectObservable }) => {
      const thrown = new Error('project failed');
      const inner = cold('-----x|');
      expectObservable(
        hot('-ab|').pipe(
          priorityMergeMap(
            (v: string) => {
              if (v === 'b') throw thrown;
              return inner;
            },
            2,
            () => 0,
          ),
        ),
      ).toBe('--#', undefined, thrown);

      const badPriority = new Error('priority failed');
      expectObservable(
        hot('-ab|').pipe(
          priorityMergeMap(
            () => inner,
            1,
            () => {
              throw badPriority;
            },
          ),
        ),
      ).toBe('--#', undefined, badPriority);
    });

    const errors: unknown[] = [];
    const source = new Subject<number>();
    source.pipe(priorityMergeMap(() => new Subject<never>(), 1, () => NaN)).subscribe({ error: (e) => errors.push(e) });
    source.next(1);
    source.next(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InvalidOptionError);
    expect((errors[0] as InvalidOptionError).code).toBe('INVALID_PRIORITY');
    expect((errors[0] as Error).message).toBe('priorityMergeMap: priorityOf(value, index) must return a number (not NaN), got NaN');
  });

  it('tears down the source and every running inner on early unsubscription, and starts nothing after', () => {
    newTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc--------d-|');
      const inners: Record<string, Cold> = {
        a: cold('----------x|'),
        b: cold('----------x|'),
        c: cold('-x|'),
        d: cold('-x|'),
      };
      const result = source.pipe(priorityMergeMap((v: string) => inners[v], 2, () => 0));

      expectObservable(result, '^------!').toBe('--------');
      expectSubscriptions(source.subscriptions).toBe('^------!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-----!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^----!');
      expectSubscriptions(inners.c.subscriptions).toBe([]);
      expectSubscriptions(inners.d.subscriptions).toBe([]);
    });
  });

  it('stops a synchronous infinite source when the output is taken from downstream', () => {
    let emitted = 0;
    const endless = new Observable<number>((subscriber) => {
      // Guard so that a broken implementation fails the assertion instead of hanging.
      while (!subscriber.closed && emitted < 1_000_000) subscriber.next(emitted++);
    });
    const out: number[] = [];
    endless.pipe(priorityMergeMap((v) => of(v), 1, () => 0), take(3)).subscribe((v) => out.push(v));
    expect(out).toEqual([0, 1, 2]);
    expect(emitted).toBe(3);
  });

  it('stops a synchronous infinite inner when the output is taken from downstream', () => {
    let emitted = 0;
    const endless = new Observable<number>((subscriber) => {
      while (!subscriber.closed && emitted < 1_000_000) subscriber.next(emitted++);
    });
    const out: number[] = [];
    of('x').pipe(priorityMergeMap(() => endless, 1, () => 0), take(3)).subscribe((v) => out.push(v));
    expect(out).toEqual([0, 1, 2]);
    expect(emitted).toBe(3);
  });

  it("tears a finished inner down (its finalize runs) before the next one starts, as mergeMap does", () => {
    const source = new Subject<string>();
    const inners = new Map<string, Subject<string>>();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    source
      .pipe(
        priorityMergeMap(
          (v) => {
            active++;
            maxActive = Math.max(maxActive, active);
            log.push(`start ${v}`);
            const inner = new Subject<string>();
            inners.set(v, inner);
            return inner.pipe(finalize(() => (active--, log.push(`finalize ${v}`))));
          },
          1,
          () => 0,
        ),
      )
      .subscribe();
    source.next('a');
    source.next('b');
    inners.get('a')?.complete();
    expect(log).toEqual(['start a', 'finalize a', 'start b']);
    expect(maxActive).toBe(1);
  });

  it('drains a long queue of synchronous inners in a loop (no stack overflow), lowest priority number first', () => {
    const n = 100_000;
    const source = new Subject<number>();
    const blocker = new Subject<never>();
    const out: number[] = [];
    let completed = false;
    source
      .pipe(priorityMergeMap((v) => (v < 0 ? blocker : of(v)), 1, (v) => -v))
      .subscribe({ next: (v) => out.push(v), complete: () => (completed = true) });
    source.next(-1); // holds the only slot
    for (let i = 0; i < n; i++) source.next(i);
    source.complete();
    expect(out).toHaveLength(0);
    blocker.complete();
    expect(out).toHaveLength(n);
    expect(out[0]).toBe(n - 1);
    expect(out[n - 1]).toBe(0);
    expect(out.every((v, i) => i === 0 || v < out[i - 1])).toBe(true);
    expect(completed).toBe(true);
  });

  it('accepts any ObservableInput from project (arrays, promises)', async () => {
    const out: number[] = [];
    await new Promise<void>((resolve, reject) =>
      of(1, 2, 3)
        .pipe(priorityMergeMap((v) => (v === 2 ? Promise.resolve(v * 10) : [v, v]), 1, () => 0))
        .subscribe({ next: (v) => out.push(v), error: reject, complete: resolve }),
    );
    expect(out).toEqual([1, 1, 20, 3, 3]);
  });

  it('errors the output when project returns something that is not an ObservableInput', () => {
    const errors: unknown[] = [];
    of(1)
      .pipe(priorityMergeMap(() => 42 as unknown as Observable<number>, 1, () => 0))
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
  });

  describe('validation', () => {
    const project = () => of(1);
    const priorityOf = () => 0;
    it.each([
      ['project', 'not a function', 2, priorityOf, 'priorityMergeMap: project must be a function, got "not a function"'],
      ['concurrency', project, 0, priorityOf, 'priorityMergeMap: concurrency must be a positive integer, got 0'],
      ['concurrency', project, -1, priorityOf, 'priorityMergeMap: concurrency must be a positive integer, got -1'],
      ['concurrency', project, 1.5, priorityOf, 'priorityMergeMap: concurrency must be a positive integer, got 1.5'],
      ['concurrency', project, NaN, priorityOf, 'priorityMergeMap: concurrency must be a positive integer, got NaN'],
      ['concurrency', project, Infinity, priorityOf, 'priorityMergeMap: concurrency must be a positive integer, got Infinity'],
      ['concurrency', project, '2', priorityOf, 'priorityMergeMap: concurrency must be a positive integer, got "2"'],
      ['priorityOf', project, 2, undefined, 'priorityMergeMap: priorityOf must be a function, got undefined'],
    ])('rejects a bad %s (%#)', (field, p, c, prio, message) => {
      let error: unknown;
      try {
        priorityMergeMap(p as never, c as never, prio as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'INVALID_OPTION', field, message });
    });

    it('validates when the operator is created, not on subscription', () => {
      expect(() => priorityMergeMap(project, 0, priorityOf)).toThrow(InvalidOptionError);
      expect(() => throwError(() => new Error('x')).pipe(priorityMergeMap(project, 1, priorityOf))).not.toThrow();
    });
  });
});
