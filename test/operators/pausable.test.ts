import { BehaviorSubject, Observable, Subject, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors';
import { pausable } from '../../operators';

function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const gate = { t: true, f: false };

describe('pausable', () => {
  it('buffers values while paused and releases them in order on resume, then passes values through', () => {
    newTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c----d-e-|');
      const paused = hot('--t---f--------', gate);
      expectObservable(source.pipe(pausable(paused))).toBe('-a----(bc)d-e-|');
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
      expectSubscriptions(paused.subscriptions).toBe('^-------------!');
    });
  });

  it("drops values while paused with whilePaused: 'drop'", () => {
    newTestScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-a-b-c----d-e-|');
      const paused = hot('--t---f--------', gate);
      expectObservable(source.pipe(pausable(paused, { whilePaused: 'drop' }))).toBe('-a--------d-e-|');
    });
  });

  it('treats repeated pause or resume values as no change', () => {
    newTestScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-a--b--c--|');
      const paused = hot('ff-tt-ff', gate);
      expectObservable(source.pipe(pausable(paused))).toBe('-a----bc--|');
    });
  });

  it('completes right after the buffer is flushed when the source completed while paused', () => {
    newTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-|');
      const paused = hot('--t------f', gate);
      expectObservable(source.pipe(pausable(paused))).toBe('-a-------(b|)');
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(paused.subscriptions).toBe('^--------!');
    });
  });

  it('completes at once when the source completes while paused with nothing buffered', () => {
    newTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a---|');
      const paused = hot('--t-------f', gate);
      expectObservable(source.pipe(pausable(paused))).toBe('-a---|');
      expectSubscriptions(paused.subscriptions).toBe('^----!');
    });
  });

  it('subscribes paused$ first, so an initial true holds back the first source values', () => {
    newTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab-c|');
      const paused = cold('t-----f', gate);
      expectObservable(source.pipe(pausable(paused))).toBe('------(abc|)');
    });
  });

  it('is open until paused$ emits', () => {
    newTestScheduler().run(({ hot, cold, expectObservable }) => {
      const source = cold('ab|');
      expectObservable(source.pipe(pausable(hot('-----t', gate)))).toBe('ab|');
    });
  });

  it('keeps its last state when paused$ completes', () => {
    newTestScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-a---b-|');
      const paused = hot('--(t|)', gate);
      // Paused for good: the buffered value can never be released, so the output never completes.
      expectObservable(source.pipe(pausable(paused))).toBe('-a------');
    });
  });

  it('propagates an error of the source at once, even while paused, and tears paused$ down', () => {
    newTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-#');
      const paused = hot('--t-----f', gate);
      expectObservable(source.pipe(pausable(paused))).toBe('-a---#');
      expectSubscriptions(paused.subscriptions).toBe('^----!');
    });
  });

  it('propagates an error of paused$ at once and tears the source down', () => {
    newTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-|');
      const paused = hot('--t-#', gate);
      expectObservable(source.pipe(pausable(paused))).toBe('-a--#');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('tears down the source and paused$ on early unsubscription', () => {
    newTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-d-|');
      const paused = hot('--t---f--', gate);
      expectObservable(source.pipe(pausable(paused)), '^----!').toBe('-a----');
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(paused.subscriptions).toBe('^----!');
    });
  });

  it('stops releasing when a released value pauses the gate again, keeping the rest in order', () => {
    const source = new Subject<number>();
    const paused = new BehaviorSubject(true);
    const out: number[] = [];
    source.pipe(pausable(paused)).subscribe((v) => {
      out.push(v);
      if (v === 2) paused.next(true);
    });
    source.next(1);
    source.next(2);
    source.next(3);
    paused.next(false);
    expect(out).toEqual([1, 2]);
    source.next(4);
    paused.next(false);
    expect(out).toEqual([1, 2, 3, 4]);
    source.next(5);
    expect(out).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps arrival order when a released value feeds the source synchronously', () => {
    const source = new Subject<number>();
    const paused = new BehaviorSubject(true);
    const out: number[] = [];
    source.pipe(pausable(paused)).subscribe((v) => {
      out.push(v);
      if (v === 1) source.next(10); // arrives while 2 and 3 are still buffered
    });
    source.next(1);
    source.next(2);
    source.next(3);
    paused.next(false);
    expect(out).toEqual([1, 2, 3, 10]);
  });

  it('stops a synchronous infinite source when the output is taken from downstream', () => {
    let emitted = 0;
    const endless = new Observable<number>((subscriber) => {
      while (!subscriber.closed && emitted < 1_000_000) subscriber.next(emitted++);
    });
    const out: number[] = [];
    endless.pipe(pausable(of(false)), take(2)).subscribe((v) => out.push(v));
    expect(out).toEqual([0, 1]);
    expect(emitted).toBe(2);
  });

  describe('validation', () => {
    it.each([
      ['paused$', [true], {}, 'pausable: paused$ must be an Observable of booleans, got an array of 1'],
      ['paused$', undefined, {}, 'pausable: paused$ must be an Observable of booleans, got undefined'],
      ['whilePaused', of(false), { whilePaused: 'hold' }, `pausable: whilePaused must be one of 'buffer', 'drop', got "hold"`],
    ])('rejects a bad %s (%#)', (field, paused$, options, message) => {
      let error: unknown;
      try {
        pausable(paused$ as never, options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'INVALID_OPTION', field, message });
    });
  });
});
