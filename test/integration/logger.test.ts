// The `logger` option (issue 4 §5): a pino-style logger gets structured records — warn for a failed
// run, info for a scheduled retry, error for a trigger that fails — with { scheduler, taskId, task,
// attempt, err }; a logger that throws cannot break scheduling; the default is silent.
import { NEVER, mergeMap, throwError, timer } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, eventTrigger, periodicTrigger, type Logger, type SchedulerEvent, type Trigger } from '../../src/index';
import { atFrame, eventsOf, guard, newTestScheduler, recordEvents } from './support';

function spyLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() };
}

/** A custom trigger whose source fails at `at` ms. */
function failingTrigger(at: number, error: unknown): Trigger<never> {
  return { kind: 'custom', fires: ({ scheduler }) => timer(at, scheduler).pipe(mergeMap(() => throwError(() => error))) };
}

interface Scenario {
  readonly starts: Array<[string, number, number]>;
  readonly events: SchedulerEvent[];
  /** The promise stop() returned. */
  readonly stopped: Promise<void>;
}

/** A failing-then-retried task, a periodic task and a task whose trigger errors, for 300 ms of virtual time. */
function scenario(logger: Logger | undefined, failure: Error, triggerFailure: Error): Scenario {
  const ts = newTestScheduler();
  const starts: Array<[string, number, number]> = [];
  let events!: SchedulerEvent[];
  let stopped!: Promise<void>;
  ts.run(() => {
    guard(ts, 10_000);
    const s = new Scheduler({ scheduler: ts, name: 'billing', ...(logger === undefined ? {} : { logger }) });
    events = recordEvents(s);
    s.addTask({
      id: 'flaky',
      name: 'Flaky job',
      triggers: [eventTrigger(NEVER)],
      retry: { maxRetries: 1, delay: 10 },
      run: (_a, ctx) => {
        starts.push(['flaky', ctx.attempt, ts.now()]);
        if (ctx.attempt === 1) throw failure;
      },
    });
    s.addTask({
      id: 'tick',
      name: 'Tick',
      triggers: [periodicTrigger({ interval: 100 })],
      run: (_a, ctx) => void starts.push(['tick', ctx.attempt, ts.now()]),
    });
    s.addTask({
      id: 'feed',
      name: 'Feed listener',
      triggers: [failingTrigger(50, triggerFailure), periodicTrigger({ interval: 120 })],
      run: (_a, ctx) => void starts.push(['feed', ctx.attempt, ts.now()]),
    });
    s.start();
    atFrame(ts, 10, () => s.runNow('flaky'));
    atFrame(ts, 300, () => (stopped = s.stop()));
  });
  return { starts, events, stopped };
}

const EXPECTED_STARTS: Array<[string, number, number]> = [
  ['flaky', 1, 10],
  ['flaky', 2, 20],
  ['tick', 1, 100],
  ['feed', 1, 120],
  ['tick', 1, 200],
  ['feed', 1, 240],
];

describe('logger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gets warn for run-failed, info for retry-scheduled, error for trigger-error, with structured fields', () => {
    const logger = spyLogger();
    const failure = new Error('upstream 503');
    const triggerFailure = new Error('feed socket closed');
    const { starts } = scenario(logger, failure, triggerFailure);
    expect(starts).toEqual(EXPECTED_STARTS);

    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ scheduler: 'billing', event: 'run-failed', taskId: 'flaky', task: 'Flaky job', attempt: 1, status: 'failed', err: failure }),
      expect.any(String),
    );
    expect(logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ scheduler: 'billing', event: 'retry-scheduled', taskId: 'flaky', task: 'Flaky job', attempt: 2, delay: 10 }),
      expect.any(String),
    );
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ scheduler: 'billing', event: 'trigger-error', taskId: 'feed', task: 'Feed listener', err: triggerFailure }),
      expect.any(String),
    );
    // Exactly one of each at those levels for these events.
    const records = (fn: ReturnType<typeof vi.fn>, event: string) => fn.mock.calls.filter(([o]) => (o as { event?: string }).event === event);
    expect(records(logger.warn, 'run-failed')).toHaveLength(1);
    expect(records(logger.info, 'retry-scheduled')).toHaveLength(1);
    expect(records(logger.error, 'trigger-error')).toHaveLength(1);
    // The message names the event and the task.
    const [, message] = records(logger.warn, 'run-failed')[0];
    expect(message).toContain('run-failed');
    expect(message).toContain('Flaky job');
    // Routine events go to debug, when the logger has it.
    expect(records(logger.debug, 'run-started').length).toBe(EXPECTED_STARTS.length);
    // The record is plain data: the first argument is an object, the second a string.
    for (const fn of [logger.info, logger.warn, logger.error, logger.debug]) {
      for (const [obj, msg] of fn.mock.calls) {
        expect(typeof obj).toBe('object');
        expect(typeof msg).toBe('string');
      }
    }
  });

  it('works with a logger that has no debug method', () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const { starts } = scenario(logger, new Error('x'), new Error('y'));
    expect(starts).toEqual(EXPECTED_STARTS);
    expect(logger.warn).toHaveBeenCalled();
  });

  it('a logger that throws does not break scheduling', async () => {
    const explode = () => {
      throw new Error('log sink down');
    };
    const logger = { info: vi.fn(explode), warn: vi.fn(explode), error: vi.fn(explode), debug: vi.fn(explode) };
    const { starts, events, stopped } = scenario(logger, new Error('x'), new Error('y'));
    // Same schedule as with a working logger, retries included, and stop() completes.
    expect(starts).toEqual(EXPECTED_STARTS);
    await expect(stopped).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalled();
    // Subscribers still get every event.
    expect(eventsOf(events, 'run-failed')).toHaveLength(1);
    expect(eventsOf(events, 'retry-scheduled')).toHaveLength(1);
    expect(eventsOf(events, 'trigger-error')).toHaveLength(1);
    expect(eventsOf(events, 'stopped')).toHaveLength(1);
  });

  it('is silent by default: nothing on the console or stdout/stderr', () => {
    const spies = [
      vi.spyOn(console, 'log'),
      vi.spyOn(console, 'info'),
      vi.spyOn(console, 'warn'),
      vi.spyOn(console, 'error'),
      vi.spyOn(console, 'debug'),
      vi.spyOn(process.stdout, 'write'),
      vi.spyOn(process.stderr, 'write'),
    ];
    const { starts, events } = scenario(undefined, new Error('x'), new Error('y'));
    const calls = spies.map((s) => s.mock.calls.length);
    vi.restoreAllMocks();
    expect(starts).toEqual(EXPECTED_STARTS);
    expect(eventsOf(events, 'run-failed')).toHaveLength(1); // failures happened…
    expect(calls).toEqual([0, 0, 0, 0, 0, 0, 0]); // …and nothing was printed
  });

  it.each([
    ['without warn', { info: () => undefined, error: () => undefined }],
    ['a string', 'pino'],
    ['null', null],
  ])('rejects a logger %s', (_label, logger) => {
    expect(() => new Scheduler({ logger: logger as unknown as Logger })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', field: 'logger' }));
  });
});
