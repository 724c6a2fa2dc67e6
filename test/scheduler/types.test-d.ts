// Type-level tests: `args` and `ctx.event` flow into `run` without casts (STYLE "Tests").
import { describe, expectTypeOf, test } from 'vitest';
import { Observable, Subject, of } from 'rxjs';
import {
  Scheduler,
  SchedulerError,
  eventTrigger,
  oneTimeTrigger,
  periodicTrigger,
} from '../../src/index';
import type { Execution, SchedulerErrorCode, SchedulerEvent, Task, TaskContext, Trigger } from '../../src/index';

const s = new Scheduler({ maxRunningTasks: 2 });

describe('run receives typed args and ctx', () => {
  test('args and a Subject<string> event flow into run', () => {
    const subject = new Subject<string>();
    s.addTask({
      name: 'typed',
      args: { n: 1 },
      triggers: [eventTrigger(subject as Subject<string>)],
      run: (args, ctx) => {
        expectTypeOf(args).toEqualTypeOf<{ n: number }>();
        expectTypeOf(ctx.event).toEqualTypeOf<string | undefined>();
        expectTypeOf(ctx).toEqualTypeOf<TaskContext<string>>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
        expectTypeOf(ctx.firedAt).toEqualTypeOf<number>();
        expectTypeOf(ctx.taskId).toEqualTypeOf<string>();
      },
    });
  });

  test('an AsyncIterable<number> mailbox gives ctx.event: number | undefined', () => {
    async function* mailbox(): AsyncGenerator<number> {
      yield 1;
    }
    s.addTask({
      name: 'mailbox',
      triggers: [eventTrigger(mailbox())],
      run: (_args, ctx) => {
        expectTypeOf(ctx.event).toEqualTypeOf<number | undefined>();
      },
    });
  });

  test('an Observable of objects keeps the payload type', () => {
    const messages: Observable<{ from: string; body: Uint8Array }> = of({ from: 'peer', body: new Uint8Array() });
    s.addTask({
      name: 'messages',
      triggers: [eventTrigger(messages)],
      run: (_args, ctx) => {
        expectTypeOf(ctx.event).toEqualTypeOf<{ from: string; body: Uint8Array } | undefined>();
      },
    });
  });

  test('time triggers mixed with an event trigger: the event type is the event trigger’s', () => {
    s.addTask({
      name: 'mixed',
      triggers: [periodicTrigger({ interval: 1_000 }), eventTrigger(new Subject<'wake'>()), oneTimeTrigger({ after: 10 })],
      run: (_args, ctx) => {
        expectTypeOf(ctx.event).toEqualTypeOf<'wake' | undefined>();
      },
    });
  });

  test('without args, args is undefined', () => {
    s.addTask({
      name: 'no-args',
      triggers: [periodicTrigger({ interval: 1_000 })],
      run: (args) => {
        expectTypeOf(args).toEqualTypeOf<undefined>();
      },
    });
  });

  test('using args as the wrong type is a compile error', () => {
    s.addTask({
      name: 'mismatch',
      args: { n: 1 },
      triggers: [periodicTrigger({ interval: 1_000 })],
      run: (args) => {
        // @ts-expect-error args.n is a number, inferred from args without annotation
        args.n.toUpperCase();
      },
    });
  });

  test('using the event payload as the wrong type is a compile error', () => {
    s.addTask({
      name: 'wrong-use',
      triggers: [eventTrigger(new Subject<number>())],
      run: (_args, ctx) => {
        // @ts-expect-error ctx.event is number | undefined
        ctx.event.toUpperCase();
      },
    });
  });
});

describe('public shapes', () => {
  test('addTask returns a Task whose history carries the run result type', () => {
    const task = s.addTask({
      name: 'result',
      args: { url: 'x' },
      triggers: [eventTrigger(new Subject<number>())],
      run: async (args) => args.url.length,
    });
    expectTypeOf(task).toMatchTypeOf<Task<{ url: string }, number, number>>();
    expectTypeOf(task.id).toEqualTypeOf<string>();
    expectTypeOf(task.history).toMatchTypeOf<ReadonlyArray<Execution<number, number>>>();
    expectTypeOf(task.history[0].status).toEqualTypeOf<'succeeded' | 'failed' | 'timed-out' | 'aborted'>();
  });

  test('run may return nothing, a value, a Promise or an Observable', () => {
    const trig = [periodicTrigger({ interval: 1 })];
    s.addTask({ name: 'void', triggers: trig, run: () => undefined });
    s.addTask({ name: 'value', triggers: trig, run: () => 1 });
    s.addTask({ name: 'promise', triggers: trig, run: async () => 'x' });
    s.addTask({ name: 'observable', triggers: trig, run: () => of(1, 2) });
  });

  test('lifecycle and accessors', () => {
    expectTypeOf(s.start).returns.toEqualTypeOf<void>();
    expectTypeOf(s.stop).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(s.stop).parameter(0).toMatchTypeOf<{ timeout?: number } | undefined>();
    expectTypeOf(s.getTask('x')).toMatchTypeOf<Task | undefined>();
    expectTypeOf(s.removeTask('x')).toEqualTypeOf<boolean>();
    expectTypeOf(s.runningCount).toEqualTypeOf<number>();
    expectTypeOf(s.pendingCount).toEqualTypeOf<number>();
    expectTypeOf(s.events$).toEqualTypeOf<Observable<SchedulerEvent>>();
    expectTypeOf(s.runNow).toBeCallableWith('id');
    expectTypeOf(s.runNow).toBeCallableWith('id', { any: 'event' });
  });

  test('triggers are Trigger objects; errors carry a typed code', () => {
    expectTypeOf(periodicTrigger({ interval: 1 })).toMatchTypeOf<Trigger>();
    expectTypeOf(eventTrigger(new Subject<string>())).toMatchTypeOf<Trigger<string>>();
    expectTypeOf(oneTimeTrigger({ at: new Date() })).toMatchTypeOf<Trigger>();
    expectTypeOf<SchedulerError['code']>().toEqualTypeOf<SchedulerErrorCode>();
    expectTypeOf<SchedulerError>().toMatchTypeOf<Error>();
  });

  test('bad option types are compile errors', () => {
    // @ts-expect-error an event source must be an Observable or an AsyncIterable
    eventTrigger(42);
    // @ts-expect-error interval and cron are exclusive
    periodicTrigger({ interval: 1, cron: '* * * * *' });
    // @ts-expect-error no such overlap policy
    s.addTask({ name: 'x', triggers: [periodicTrigger({ interval: 1 })], run: () => undefined, overlap: 'sometimes' });
    // @ts-expect-error run is required
    s.addTask({ name: 'x', triggers: [periodicTrigger({ interval: 1 })] });
  });
});
