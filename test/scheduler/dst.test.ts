// Cron across DST changes, with fixed dates, in virtual time (SPEC: "Triggers", "Time").
//
// TestScheduler's frames start at 0; the scheduler reads time only through `scheduler.now()` and
// waits through `schedule()`, so a TestScheduler whose now() is shifted by a fixed epoch runs a
// cron "in" 2026 while frames stay small. (`now` is an instance property of RxJS schedulers, so it
// is replaced in the constructor rather than overridden as a method.)
import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Scheduler, periodicTrigger } from '../../src/index';

class OffsetTestScheduler extends TestScheduler {
  constructor(readonly epoch: number) {
    super((actual, expected) => expect(actual).toEqual(expected));
    this.now = () => this.frame + epoch;
  }
}

interface Fired {
  readonly nowIso: string;
  readonly firedIso: string;
}

/** Runs one cron task from `fromIso` until `untilIso` and returns when it ran. */
function runCron(cron: string, tz: string, fromIso: string, untilIso: string): Fired[] {
  const epoch = Date.parse(fromIso);
  const until = Date.parse(untilIso) - epoch;
  const ts = new OffsetTestScheduler(epoch);
  const fired: Fired[] = [];
  ts.run(() => {
    ts.maxFrames = until + 1; // safety net against a trigger that is never disarmed
    const s = new Scheduler({ maxRunningTasks: 1, scheduler: ts });
    s.addTask({
      name: `${cron} ${tz}`,
      triggers: [periodicTrigger({ cron, tz })],
      run: (_a, ctx) => {
        fired.push({ nowIso: new Date(ts.now()).toISOString(), firedIso: new Date(ctx.firedAt).toISOString() });
      },
    });
    s.start();
    ts.schedule(() => void s.stop(), until);
  });
  return fired;
}

function localParts(iso: string, tz: string): { day: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return { day: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

const HOUR = 3_600_000;

describe('the offset clock itself', () => {
  it('reports the shifted epoch and advances with frames', () => {
    const ts = new OffsetTestScheduler(Date.parse('2026-03-26T00:00:00Z'));
    const seen: number[] = [];
    ts.run(() => {
      seen.push(ts.now());
      ts.schedule(() => void seen.push(ts.now()), 1_000);
    });
    expect(seen).toEqual([Date.parse('2026-03-26T00:00:00Z'), Date.parse('2026-03-26T00:00:01Z')]);
  });
});

describe("daily '30 2 * * *' in Europe/Berlin", () => {
  it('fires exactly once per local day across the spring change (2026-03-29, 02:30 does not exist)', () => {
    const fired = runCron('30 2 * * *', 'Europe/Berlin', '2026-03-26T00:00:00Z', '2026-04-01T00:00:00Z');
    expect(fired.map((f) => f.nowIso)).toEqual([
      '2026-03-26T01:30:00.000Z', // 02:30 CET
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z', // 02:30 skipped: 03:30 CEST, as cron-parser computes it
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(fired.map((f) => f.firedIso)).toEqual(fired.map((f) => f.nowIso));
    const local = fired.map((f) => localParts(f.nowIso, 'Europe/Berlin'));
    expect(local.map((l) => l.day)).toEqual(['2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31']);
    expect(local.map((l) => l.time)).toEqual(['02:30', '02:30', '02:30', '03:30', '02:30', '02:30']);
  });

  it('fires exactly once per local day across the autumn change (2026-10-25, 02:30 happens twice)', () => {
    const fired = runCron('30 2 * * *', 'Europe/Berlin', '2026-10-22T00:00:00Z', '2026-10-28T00:00:00Z');
    expect(fired.map((f) => f.nowIso)).toEqual([
      '2026-10-22T00:30:00.000Z', // 02:30 CEST
      '2026-10-23T00:30:00.000Z',
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST); the repeated one (01:30Z, CET) does not fire
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
    const local = fired.map((f) => localParts(f.nowIso, 'Europe/Berlin'));
    expect(new Set(local.map((l) => l.day)).size).toBe(local.length);
    expect(local.every((l) => l.time === '02:30')).toBe(true);
  });
});

describe("hourly '0 * * * *' in America/New_York", () => {
  it('keeps one-hour spacing across the spring change (2026-03-08)', () => {
    const fired = runCron('0 * * * *', 'America/New_York', '2026-03-08T03:00:00Z', '2026-03-08T11:30:00Z');
    const times = fired.map((f) => Date.parse(f.nowIso));
    expect(fired.map((f) => f.nowIso)).toEqual([
      '2026-03-08T04:00:00.000Z', // 23:00 EST (Mar 7)
      '2026-03-08T05:00:00.000Z', // 00:00 EST
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT (02:00 does not exist)
      '2026-03-08T08:00:00.000Z',
      '2026-03-08T09:00:00.000Z',
      '2026-03-08T10:00:00.000Z',
      '2026-03-08T11:00:00.000Z',
    ]);
    expect(times.slice(1).map((t, i) => t - times[i])).toEqual(Array(7).fill(HOUR));
  });

  it('keeps one-hour spacing across the autumn change (2026-11-01)', () => {
    const fired = runCron('0 * * * *', 'America/New_York', '2026-11-01T02:00:00Z', '2026-11-01T10:30:00Z');
    const times = fired.map((f) => Date.parse(f.nowIso));
    expect(fired.map((f) => f.nowIso)).toEqual([
      '2026-11-01T03:00:00.000Z', // 23:00 EDT (Oct 31)
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T08:00:00.000Z',
      '2026-11-01T09:00:00.000Z',
      '2026-11-01T10:00:00.000Z',
    ]);
    expect(times.slice(1).map((t, i) => t - times[i])).toEqual(Array(7).fill(HOUR));
  });
});

describe('monthly cron: waits longer than 2^31−1 ms', () => {
  it("'0 0 1 * *' in UTC fires on the first of each month, on time", () => {
    const fired = runCron('0 0 1 * *', 'UTC', '2026-01-01T00:00:00Z', '2026-04-15T00:00:00Z');
    expect(fired.map((f) => f.nowIso)).toEqual([
      '2026-02-01T00:00:00.000Z', // 31 days ≈ 2.68e9 ms after start: beyond 2^31−1
      '2026-03-01T00:00:00.000Z',
      '2026-04-01T00:00:00.000Z',
    ]);
  });
});
