// SPEC "Bad input": every case throws a SchedulerError at construction or registration, with a
// stable code and a message naming the field and the value received. One row per bad input.
import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import {
  InvalidOptionError,
  Scheduler,
  SchedulerError,
  eventTrigger,
  oneTimeTrigger,
  periodicTrigger,
} from '../../src/index';
import type { SchedulerErrorCode, TaskOptions } from '../../src/index';

const noop = () => undefined;
const okTrigger = () => periodicTrigger({ interval: 1_000 });
/** A valid task with one field replaced. */
const task = (patch: Record<string, unknown>): TaskOptions<unknown, unknown> =>
  ({ name: 'bad', triggers: [okTrigger()], run: noop, ...patch }) as unknown as TaskOptions<unknown, unknown>;
const addTask = (patch: Record<string, unknown>) => () => new Scheduler().addTask(task(patch));
/** Builds the trigger and registers it: the error may come from either step, never later. */
const withTrigger = (make: () => unknown) => () => new Scheduler().addTask(task({ triggers: [make()] }));

interface Row {
  readonly name: string;
  readonly act: () => unknown;
  readonly code: SchedulerErrorCode;
  /** The field the message must name. */
  readonly field: string;
  /** How the received value must appear in the message. */
  readonly received: string | RegExp;
}

const any = (v: unknown) => v as never;

const rows: Row[] = [
  // cron
  { name: "cron ''", act: withTrigger(() => periodicTrigger({ cron: '' })), code: 'INVALID_CRON', field: 'cron', received: '""' },
  { name: "cron '* * *' (too few fields)", act: withTrigger(() => periodicTrigger({ cron: '* * *' })), code: 'INVALID_CRON', field: 'cron', received: '* * *' },
  { name: "cron 'not a cron'", act: withTrigger(() => periodicTrigger({ cron: 'not a cron' })), code: 'INVALID_CRON', field: 'cron', received: 'not a cron' },
  { name: "cron '0 0 30 2 *' (Feb 30)", act: withTrigger(() => periodicTrigger({ cron: '0 0 30 2 *' })), code: 'INVALID_CRON', field: 'cron', received: '0 0 30 2 *' },
  { name: "cron '@every 5s' (Go only)", act: withTrigger(() => periodicTrigger({ cron: '@every 5s' })), code: 'INVALID_CRON', field: 'cron', received: '@every 5s' },
  { name: 'cron with 7 fields', act: withTrigger(() => periodicTrigger({ cron: '0 0 0 1 1 * 2026' })), code: 'INVALID_CRON', field: 'cron', received: '0 0 0 1 1 * 2026' },
  { name: 'cron not a string', act: withTrigger(() => periodicTrigger({ cron: any(42) })), code: 'INVALID_CRON', field: 'cron', received: '42' },
  // time zone
  { name: 'unknown tz', act: withTrigger(() => periodicTrigger({ cron: '* * * * *', tz: 'Mars/Olympus_Mons' })), code: 'INVALID_TIMEZONE', field: 'tz', received: 'Mars/Olympus_Mons' },
  // interval
  { name: 'interval 0', act: withTrigger(() => periodicTrigger({ interval: 0 })), code: 'INVALID_INTERVAL', field: 'interval', received: /got 0\b|\b0$/ },
  { name: 'interval -5', act: withTrigger(() => periodicTrigger({ interval: -5 })), code: 'INVALID_INTERVAL', field: 'interval', received: '-5' },
  { name: 'interval NaN', act: withTrigger(() => periodicTrigger({ interval: NaN })), code: 'INVALID_INTERVAL', field: 'interval', received: 'NaN' },
  { name: 'interval Infinity', act: withTrigger(() => periodicTrigger({ interval: Infinity })), code: 'INVALID_INTERVAL', field: 'interval', received: 'Infinity' },
  { name: 'interval missing', act: withTrigger(() => periodicTrigger(any({}))), code: 'INVALID_INTERVAL', field: 'interval', received: 'undefined' },
  // jitter
  { name: 'jitter -1', act: withTrigger(() => periodicTrigger({ interval: 100, jitter: -1 })), code: 'INVALID_JITTER', field: 'jitter', received: '-1' },
  // one-time
  { name: 'after -1', act: withTrigger(() => oneTimeTrigger({ after: -1 })), code: 'INVALID_AFTER', field: 'after', received: '-1' },
  { name: 'after NaN', act: withTrigger(() => oneTimeTrigger({ after: NaN })), code: 'INVALID_AFTER', field: 'after', received: 'NaN' },
  { name: 'after Infinity', act: withTrigger(() => oneTimeTrigger({ after: Infinity })), code: 'INVALID_AFTER', field: 'after', received: 'Infinity' },
  { name: 'at Invalid Date', act: withTrigger(() => oneTimeTrigger({ at: new Date('not a date') })), code: 'INVALID_DATE', field: 'at', received: 'Invalid Date' },
  { name: 'at not a Date', act: withTrigger(() => oneTimeTrigger({ at: any('tomorrow') })), code: 'INVALID_DATE', field: 'at', received: 'tomorrow' },
  // priority
  { name: 'priority NaN', act: addTask({ priority: NaN }), code: 'INVALID_PRIORITY', field: 'priority', received: 'NaN' },
  { name: 'priority Infinity', act: addTask({ priority: Infinity }), code: 'INVALID_PRIORITY', field: 'priority', received: 'Infinity' },
  { name: 'priority -Infinity', act: addTask({ priority: -Infinity }), code: 'INVALID_PRIORITY', field: 'priority', received: '-Infinity' },
  { name: "priority '1' (a string)", act: addTask({ priority: '1' }), code: 'INVALID_PRIORITY', field: 'priority', received: '1' },
  // maxRunningTasks
  { name: 'maxRunningTasks 0', act: () => new Scheduler({ maxRunningTasks: 0 }), code: 'INVALID_MAX_RUNNING_TASKS', field: 'maxRunningTasks', received: /got 0\b|\b0$/ },
  { name: 'maxRunningTasks 1.5', act: () => new Scheduler({ maxRunningTasks: 1.5 }), code: 'INVALID_MAX_RUNNING_TASKS', field: 'maxRunningTasks', received: '1.5' },
  { name: 'maxRunningTasks -1', act: () => new Scheduler({ maxRunningTasks: -1 }), code: 'INVALID_MAX_RUNNING_TASKS', field: 'maxRunningTasks', received: '-1' },
  { name: 'maxRunningTasks NaN', act: () => new Scheduler({ maxRunningTasks: NaN }), code: 'INVALID_MAX_RUNNING_TASKS', field: 'maxRunningTasks', received: 'NaN' },
  { name: 'maxRunningTasks Infinity', act: () => new Scheduler({ maxRunningTasks: Infinity }), code: 'INVALID_MAX_RUNNING_TASKS', field: 'maxRunningTasks', received: 'Infinity' },
  // run
  { name: 'run missing', act: addTask({ run: undefined }), code: 'MISSING_RUN', field: 'run', received: 'undefined' },
  { name: 'run not a function', act: addTask({ run: 'go' }), code: 'MISSING_RUN', field: 'run', received: 'go' },
  // triggers
  { name: 'triggers missing', act: addTask({ triggers: undefined }), code: 'NO_TRIGGERS', field: 'triggers', received: 'undefined' },
  { name: 'triggers empty', act: addTask({ triggers: [] }), code: 'NO_TRIGGERS', field: 'triggers', received: /array of 0|\[\]/ },
  // event source
  { name: 'event source a number', act: withTrigger(() => eventTrigger(any(42))), code: 'INVALID_EVENT_SOURCE', field: 'source', received: '42' },
  { name: 'event source null', act: withTrigger(() => eventTrigger(any(null))), code: 'INVALID_EVENT_SOURCE', field: 'source', received: 'null' },
  { name: 'event source a plain object', act: withTrigger(() => eventTrigger(any({ next: noop }))), code: 'INVALID_EVENT_SOURCE', field: 'source', received: /object/i },
  { name: 'event source a string (iterable, not async)', act: withTrigger(() => eventTrigger(any('mailbox'))), code: 'INVALID_EVENT_SOURCE', field: 'source', received: 'mailbox' },
  { name: 'event source an array (sync iterable)', act: withTrigger(() => eventTrigger(any([1, 2]))), code: 'INVALID_EVENT_SOURCE', field: 'source', received: /array/i },
  { name: 'event source a Promise', act: withTrigger(() => eventTrigger(any(Promise.resolve(1)))), code: 'INVALID_EVENT_SOURCE', field: 'source', received: /Promise|object/ },
  // retry
  { name: 'retry.maxRetries -1', act: addTask({ retry: { maxRetries: -1 } }), code: 'INVALID_RETRY', field: 'maxRetries', received: '-1' },
  { name: 'retry.maxRetries 1.5', act: addTask({ retry: { maxRetries: 1.5 } }), code: 'INVALID_RETRY', field: 'maxRetries', received: '1.5' },
  { name: 'retry.maxRetries NaN', act: addTask({ retry: { maxRetries: NaN } }), code: 'INVALID_RETRY', field: 'maxRetries', received: 'NaN' },
  { name: 'retry.delay -1', act: addTask({ retry: { maxRetries: 1, delay: -1 } }), code: 'INVALID_RETRY', field: 'delay', received: '-1' },
  { name: 'retry.delay NaN', act: addTask({ retry: { maxRetries: 1, delay: NaN } }), code: 'INVALID_RETRY', field: 'delay', received: 'NaN' },
  { name: "retry.backoff 'linear'", act: addTask({ retry: { maxRetries: 1, backoff: 'linear' } }), code: 'INVALID_RETRY', field: 'backoff', received: 'linear' },
  { name: 'retry.maxDelay -1', act: addTask({ retry: { maxRetries: 1, backoff: 'exponential', maxDelay: -1 } }), code: 'INVALID_RETRY', field: 'maxDelay', received: '-1' },
  // timeout
  { name: 'timeout 0', act: addTask({ timeout: 0 }), code: 'INVALID_TIMEOUT', field: 'timeout', received: /got 0\b|\b0$/ },
  { name: 'timeout -1', act: addTask({ timeout: -1 }), code: 'INVALID_TIMEOUT', field: 'timeout', received: '-1' },
  { name: 'timeout NaN', act: addTask({ timeout: NaN }), code: 'INVALID_TIMEOUT', field: 'timeout', received: 'NaN' },
  // overlap
  { name: "overlap 'sometimes'", act: addTask({ overlap: 'sometimes' }), code: 'INVALID_OVERLAP', field: 'overlap', received: 'sometimes' },
  // duplicate id
  {
    name: "duplicate id 'dup'",
    act: () => {
      const s = new Scheduler();
      s.addTask(task({ id: 'dup' }));
      s.addTask(task({ id: 'dup' }));
    },
    code: 'DUPLICATE_TASK_ID',
    field: 'id',
    received: 'dup',
  },
  // unknown id where one is required
  ...(['pauseTask', 'resumeTask', 'runNow'] as const).map(
    (method): Row => ({
      name: `${method} of an unknown id`,
      act: () => new Scheduler()[method]('no-such-task'),
      code: 'UNKNOWN_TASK',
      field: 'id',
      received: 'no-such-task',
    }),
  ),
];

describe('bad input is rejected at once with a SchedulerError', () => {
  it.each(rows)('$name → $code', ({ act, code, field, received }) => {
    let thrown: unknown;
    try {
      act();
    } catch (err) {
      thrown = err;
    }
    expect(thrown, 'expected the call to throw').toBeInstanceOf(SchedulerError);
    expect(thrown).toBeInstanceOf(Error);
    const err = thrown as SchedulerError;
    expect(err.code).toBe(code);
    expect(err.message).toContain(field);
    if (typeof received === 'string') expect(err.message).toContain(received);
    else expect(err.message).toMatch(received);
    if (err instanceof InvalidOptionError) expect(err.field).toContain(field);
  });

  it('a rejected addTask registers nothing', () => {
    const s = new Scheduler();
    expect(() => s.addTask(task({ timeout: -1 }))).toThrow(SchedulerError);
    expect(s.tasks()).toEqual([]);
  });

  it('a rejected duplicate leaves the first task in place', () => {
    const s = new Scheduler();
    const first = s.addTask(task({ id: 'dup', name: 'first' }));
    expect(() => s.addTask(task({ id: 'dup', name: 'second' }))).toThrow(SchedulerError);
    expect(s.getTask('dup')).toBe(first);
    expect(s.tasks().map((t) => t.name)).toEqual(['first']);
  });

  it('the caller’s options object is not mutated', () => {
    const s = new Scheduler();
    const options = { name: 'x', triggers: [okTrigger()], run: noop, retry: { maxRetries: 2 } };
    const snapshot = JSON.stringify(options);
    s.addTask(options);
    expect(JSON.stringify(options)).toBe(snapshot);
  });
});

describe('unknown ids where none is required', () => {
  it('getTask returns undefined and removeTask returns false', () => {
    const s = new Scheduler();
    expect(s.getTask('nope')).toBeUndefined();
    expect(s.removeTask('nope')).toBe(false);
  });

  it('removeTask of a known id returns true, then the id is unknown', () => {
    const s = new Scheduler();
    const { id } = s.addTask({ name: 'x', triggers: [eventTrigger(new Subject<number>())], run: noop });
    expect(s.removeTask(id)).toBe(true);
    expect(s.getTask(id)).toBeUndefined();
    expect(s.removeTask(id)).toBe(false);
    expect(() => s.runNow(id)).toThrow(SchedulerError);
  });

  it('generated ids are unique', () => {
    const s = new Scheduler();
    const ids = Array.from({ length: 50 }, (_, i) => s.addTask({ name: `t${i}`, triggers: [okTrigger()], run: noop }).id);
    expect(new Set(ids).size).toBe(50);
  });
});

describe('valid input is accepted (the checks do not over-reject)', () => {
  it.each([
    ['5 fields', { cron: '*/5 * * * *' }],
    ['6 fields', { cron: '*/5 * * * * *' }],
    ['@hourly', { cron: '@hourly' }],
    ['@daily', { cron: '@daily' }],
    ['@weekly', { cron: '@weekly' }],
    ['@monthly', { cron: '@monthly' }],
    ['@yearly', { cron: '@yearly' }],
    ['a time zone', { cron: '30 2 * * *', tz: 'Europe/Berlin' }],
    ['Feb 29 (exists in leap years)', { cron: '0 0 29 2 *' }],
    ['a fractional interval', { interval: 0.5 }],
    ['numeric jitter', { interval: 10, jitter: 5 }],
    ['function jitter', { interval: 10, jitter: () => 5 }],
  ] as const)('periodicTrigger with %s', (_name, options) => {
    const s = new Scheduler();
    expect(() => s.addTask({ name: 'ok', triggers: [periodicTrigger(options as never)], run: noop })).not.toThrow();
  });

  it.each([
    ['after 0', { after: 0 }],
    ['at in the past', { at: new Date(0) }],
    ['after beyond 2^31', { after: 2 ** 31 + 1 }],
  ] as const)('oneTimeTrigger with %s', (_name, options) => {
    expect(() => new Scheduler().addTask({ name: 'ok', triggers: [oneTimeTrigger(options as never)], run: noop })).not.toThrow();
  });

  it('any finite priority, maxRetries 0, delay 0, a Subject and an AsyncIterable as event sources', () => {
    const s = new Scheduler({ maxRunningTasks: 1 });
    async function* mailbox(): AsyncGenerator<number> {}
    for (const priority of [-5, 0, 2.5, 1e9]) s.addTask({ name: `p${priority}`, priority, triggers: [okTrigger()], run: noop });
    s.addTask({ name: 'r', retry: { maxRetries: 0, delay: 0 }, triggers: [okTrigger()], run: noop });
    s.addTask({ name: 'e', triggers: [eventTrigger(new Subject<number>()), eventTrigger(mailbox())], run: noop });
    expect(s.tasks()).toHaveLength(6);
  });
});
