import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FireQueue, type FireOut } from '../../src/internal/fireQueue';
import { ReadyQueue, type WaitingRun } from '../../src/internal/readyQueue';

interface T {
  readonly name: string;
  readonly priority: number;
}

const out = (): FireOut<T> => ({ task: { name: '', priority: 0 }, at: 0, seq: 0, event: undefined, ack: undefined, kind: '' });

describe('FireQueue (column-wise FIFO of waiting fires)', () => {
  it('keeps fire order and every field across chunk boundaries, and is reusable once drained', () => {
    const q = new FireQueue<T>();
    const task = { name: 'a', priority: 0 };
    const ack = (): void => undefined;
    for (let round = 0; round < 3; round++) {
      const n = 5000 + round * 777; // several chunks, not a multiple of any chunk size
      for (let i = 0; i < n; i++) q.push(task, 1e12 + i + 0.25, i, { i }, i % 2 ? ack : undefined, i % 3 ? 'event' : 'manual');
      expect(q.size).toBe(n);
      expect(q.lastSeq()).toBe(n - 1);
      expect(q.lastAt()).toBe(1e12 + n - 1 + 0.25);
      const o = out();
      for (let i = 0; i < n; i++) {
        expect(q.headSeq()).toBe(i);
        q.shift(o);
        if (o.seq !== i || o.at !== 1e12 + i + 0.25 || (o.event as { i: number }).i !== i) throw new Error(`fire ${i} came out as ${o.seq}`);
        expect(o.ack).toBe(i % 2 ? ack : undefined);
        expect(o.kind).toBe(i % 3 ? 'event' : 'manual');
      }
      expect(q.size).toBe(0);
    }
  });

  it('keeps acknowledgements and kinds that first appear in the middle of a chunk (lazy columns), also in recycled chunks', () => {
    const ack = (): void => undefined;
    fc.assert(
      fc.property(
        fc.array(fc.record({ pushes: fc.nat(300), shifts: fc.nat(300), kindEvery: fc.integer({ min: 0, max: 200 }), ackEvery: fc.integer({ min: 0, max: 200 }) }), { maxLength: 12 }),
        (steps) => {
          const q = new FireQueue<T>();
          const task = { name: 'a', priority: 0 };
          const model: Array<{ seq: number; ack: (() => void) | undefined; kind: string }> = [];
          const o = out();
          let seq = 0;
          for (const step of steps) {
            for (let k = 0; k < step.pushes; k++, seq++) {
              // A long run of one kind and no acks, then the odd other one.
              const kind = step.kindEvery > 0 && k % step.kindEvery === step.kindEvery - 1 ? 'manual' : 'periodic';
              const a = step.ackEvery > 0 && k % step.ackEvery === step.ackEvery - 1 ? ack : undefined;
              q.push(task, seq, seq, seq, a, kind);
              model.push({ seq, ack: a, kind });
            }
            for (let k = 0; k < step.shifts && q.size > 0; k++) {
              q.shift(o);
              const m = model.shift()!;
              expect([o.seq, o.ack, o.kind]).toEqual([m.seq, m.ack, m.kind]);
            }
          }
          expect(q.clear().map((f) => [f.seq, f.ack, f.kind])).toEqual(model.map((m) => [m.seq, m.ack, m.kind]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('removeTask takes one task’s fires out in order and keeps the rest in order', () => {
    const q = new FireQueue<T>();
    const a = { name: 'a', priority: 0 };
    const b = { name: 'b', priority: 0 };
    for (let i = 0; i < 3000; i++) q.push(i % 3 === 0 ? a : b, i, i, i, undefined, 'event');
    const removed = q.removeTask(a);
    expect(removed.map((f) => f.seq)).toEqual(Array.from({ length: 1000 }, (_, k) => 3 * k));
    expect(q.size).toBe(2000);
    const o = out();
    const rest: number[] = [];
    while (q.size > 0) {
      q.shift(o);
      expect(o.task).toBe(b);
      rest.push(o.seq);
    }
    expect(rest).toEqual(Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 3 !== 0));
    expect(q.clear()).toEqual([]);
  });
});

/** The reference: every waiting run, sorted by (key, seq). */
function referenceOrder(items: WaitingRun<T>[], agingMs: number): number[] {
  const key = (r: WaitingRun<T>) => (agingMs > 0 ? r.task.priority + r.at / agingMs : r.task.priority);
  return items
    .slice()
    .sort((x, y) => key(x) - key(y) || x.seq - y.seq)
    .map((r) => r.seq);
}

type Op =
  | { op: 'fire'; task: number; dt: number }
  | { op: 'late'; task: number; back: number } // a fire coming back with an older seq (retry, held fire); seqs stay unique, as in the scheduler
  | { op: 'shift' }
  | { op: 'remove'; task: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('fire' as const), task: fc.nat(5), dt: fc.integer({ min: -3, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('late' as const), task: fc.nat(5), back: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('shift' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), task: fc.nat(5) }) },
);

describe('ReadyQueue (priority buckets + overflow heap)', () => {
  for (const agingMs of [0, 50]) {
    it(`pops exactly in (key, seq) order under any mix of pushes, late pushes, pops and removals (agingMs ${agingMs})`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 300 }), fc.array(fc.integer({ min: -2, max: 9 }), { minLength: 6, maxLength: 6 }), (ops, priorities) => {
          const tasks: T[] = priorities.map((priority, i) => ({ name: `t${i}`, priority }));
          const q = new ReadyQueue<T>(agingMs);
          let model: WaitingRun<T>[] = [];
          let seq = 0;
          let lates = 0;
          let now = 1000;
          for (const o of ops) {
            if (o.op === 'fire') {
              now += o.dt; // a clock may step back
              const run = { task: tasks[o.task], at: now, seq: ++seq, event: seq, ack: undefined, kind: 'event', attempt: 0 };
              q.push(run.task, run.at, run.seq, run.event, undefined, 'event');
              model.push(run);
            } else if (o.op === 'late') {
              const run = { task: tasks[o.task], at: now - o.back, seq: seq - o.back + ++lates / 1000, event: 'late', ack: undefined, kind: 'periodic', attempt: 0 };
              if (o.back % 2) q.push(run.task, run.at, run.seq, run.event, undefined, run.kind);
              else q.pushRun({ ...run, attempt: 2 });
              model.push(o.back % 2 ? run : { ...run, attempt: 2 });
            } else if (o.op === 'shift') {
              if (model.length === 0) continue;
              const expected = referenceOrder(model, agingMs)[0];
              expect(q.peekTask()).toBe(model.find((r) => r.seq === expected)!.task);
              q.shift();
              expect(q.out.seq).toBe(expected);
              const m = model.find((r) => r.seq === expected)!;
              expect([q.out.task, q.out.at, q.out.event, q.out.kind, q.out.attempt]).toEqual([m.task, m.at, m.event, m.kind, m.attempt]);
              model = model.filter((r) => r !== m);
            } else {
              const removed = q.removeTask(tasks[o.task]).map((r) => r.seq).sort((x, y) => x - y);
              expect(removed).toEqual(model.filter((r) => r.task === tasks[o.task]).map((r) => r.seq).sort((x, y) => x - y));
              model = model.filter((r) => r.task !== tasks[o.task]);
            }
            expect(q.size).toBe(model.length);
          }
          // What is left comes out in order too, and clear() empties it.
          const rest = referenceOrder(model, agingMs);
          const half = rest.slice(0, rest.length >> 1);
          for (const s of half) {
            q.shift();
            expect(q.out.seq).toBe(s);
          }
          expect(q.clear().map((r) => r.seq).sort((x, y) => x - y)).toEqual(rest.slice(half.length).sort((x, y) => x - y));
          expect(q.size).toBe(0);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('shiftRun hands back a waiting run object (a retry) as it is, in its place among bucket fires', () => {
    const q = new ReadyQueue<T>(0);
    const t = { name: 'a', priority: 1 };
    q.push(t, 10, 5, 'fresh', undefined, 'event');
    const retry = { task: t, at: 1, seq: 2, event: 'retry', ack: undefined, kind: 'periodic', attempt: 1 };
    q.pushRun(retry);
    expect(q.size).toBe(2);
    expect(q.shiftRun()).toBe(retry); // seq 2 before seq 5
    expect(q.size).toBe(1);
    expect(q.shiftRun()).toMatchObject({ seq: 5, event: 'fresh', attempt: 0 });
    expect(q.size).toBe(0);
  });

  it('shiftRun hands out a new object and releaseOut drops the payload references', () => {
    const q = new ReadyQueue<T>(0);
    const t = { name: 'a', priority: 1 };
    const payload = { big: true };
    q.push(t, 5, 1, payload, undefined, 'event');
    q.push(t, 6, 2, 'second', undefined, 'event');
    const run = q.shiftRun();
    expect(run).toEqual({ task: t, at: 5, seq: 1, event: payload, ack: undefined, kind: 'event', attempt: 0 });
    expect(q.out.event).toBeUndefined();
    q.shift();
    expect(q.out.event).toBe('second');
    q.releaseOut();
    expect(q.out.event).toBeUndefined();
  });
});
