import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors';
import {
  NodeResourceSampler,
  exceededLimits,
  validateResourceLimits,
  type ResourceSample,
} from '../../src/monitor/resourceSampler';

const calm: ResourceSample = { eventLoopDelayMs: 20, eventLoopUtilization: 0.3, heapUsedBytes: 100e6, rssBytes: 300e6 };

describe('exceededLimits', () => {
  it('is empty without limits', () => {
    expect(exceededLimits({ ...calm, eventLoopDelayMs: 1e9 }, {})).toEqual([]);
  });

  it.each([
    [{ eventLoopDelayMs: 20 }, []], // equal is not above
    [{ eventLoopDelayMs: 19.9 }, ['eventLoopDelayMs']],
    [{ eventLoopUtilization: 0.3 }, []],
    [{ eventLoopUtilization: 0.29 }, ['eventLoopUtilization']],
    [{ heapUsedBytes: 100e6 }, []],
    [{ heapUsedBytes: 99e6 }, ['heapUsedBytes']],
    [{ eventLoopDelayMs: 10, eventLoopUtilization: 0.1, heapUsedBytes: 1 }, ['eventLoopDelayMs', 'eventLoopUtilization', 'heapUsedBytes']],
    [{ heapUsedBytes: 1, eventLoopDelayMs: 10 }, ['eventLoopDelayMs', 'heapUsedBytes']],
  ])('limits %o → %o', (limits, expected) => {
    expect(exceededLimits(calm, limits)).toEqual(expected);
  });
});

describe('validateResourceLimits', () => {
  it('returns a new object with only the limits set', () => {
    const input = { eventLoopDelayMs: 100, eventLoopUtilization: undefined, heapUsedBytes: 5e8 };
    const out = validateResourceLimits(input);
    expect(out).toEqual({ eventLoopDelayMs: 100, heapUsedBytes: 5e8 });
    expect(out).not.toBe(input);
    expect('eventLoopUtilization' in out).toBe(false);
  });

  it('accepts an empty object and eventLoopUtilization 1', () => {
    expect(validateResourceLimits({})).toEqual({});
    expect(validateResourceLimits({ eventLoopUtilization: 1 })).toEqual({ eventLoopUtilization: 1 });
  });

  it.each([
    [null, 'resourceLimits', 'must be an object, got null'],
    [5, 'resourceLimits', 'must be an object, got 5'],
    [[], 'resourceLimits', 'must be an object, got an array of 0'],
    [{ eventLoopDelayMs: 0 }, 'resourceLimits.eventLoopDelayMs', 'must be a finite number > 0, got 0'],
    [{ eventLoopDelayMs: -1 }, 'resourceLimits.eventLoopDelayMs', 'must be a finite number > 0, got -1'],
    [{ eventLoopDelayMs: Number.NaN }, 'resourceLimits.eventLoopDelayMs', 'must be a finite number > 0, got NaN'],
    [{ eventLoopDelayMs: '100' }, 'resourceLimits.eventLoopDelayMs', 'must be a finite number > 0, got "100"'],
    [{ eventLoopUtilization: 0 }, 'resourceLimits.eventLoopUtilization', 'must be a number > 0 and <= 1, got 0'],
    [{ eventLoopUtilization: 1.5 }, 'resourceLimits.eventLoopUtilization', 'must be a number > 0 and <= 1, got 1.5'],
    [{ heapUsedBytes: Number.POSITIVE_INFINITY }, 'resourceLimits.heapUsedBytes', 'must be a finite number > 0, got Infinity'],
    [{ heapUsed: 5 }, 'resourceLimits.heapUsed', 'is not a known limit (eventLoopDelayMs, eventLoopUtilization, heapUsedBytes), got 5'],
  ])('rejects %o naming %s', (limits, field, rest) => {
    try {
      validateResourceLimits(limits, 'Scheduler');
      expect.unreachable('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidOptionError);
      const e = err as InvalidOptionError;
      expect(e.code).toBe('INVALID_OPTION');
      expect(e.field).toBe(field);
      expect(e.message).toBe(`Scheduler: ${field} ${rest}`);
    }
  });
});

/** Burns the main thread (wall clock: the point is to stall the event loop). */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}
const turn = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NodeResourceSampler (real event loop)', () => {
  let sampler: NodeResourceSampler | undefined;
  afterEach(() => sampler?.stop());

  it('reports memory and a calm loop when idle', async () => {
    sampler = new NodeResourceSampler({ resolutionMs: 5 }).start();
    expect(sampler.started).toBe(true);
    await turn(60);
    const s = sampler.sample();
    expect(s.heapUsedBytes).toBeGreaterThan(1e6);
    expect(s.rssBytes).toBeGreaterThan(s.heapUsedBytes);
    expect(s.eventLoopUtilization).toBeGreaterThanOrEqual(0);
    expect(s.eventLoopUtilization).toBeLessThan(0.9);
    expect(s.eventLoopDelayMs).toBeLessThan(150); // generous: shared CI machines
    expect(s.eventLoopDelay).toBeDefined();
  });

  it('sees a stall that starts right after a sample, and forgets it two windows later', async () => {
    sampler = new NodeResourceSampler({ resolutionMs: 5 }).start();
    await turn(20);
    sampler.sample(); // a run that blocks the loop often starts right after an admission check
    block(120);
    await turn(15); // let the delay monitor take its reading after the stall
    const stalled = sampler.sample();
    expect(stalled.eventLoopDelayMs).toBeGreaterThan(80);
    expect(stalled.eventLoopDelay!.max).toBeGreaterThanOrEqual(stalled.eventLoopDelayMs);
    expect(stalled.eventLoopDelay!.p50).toBeLessThanOrEqual(stalled.eventLoopDelay!.p99);
    expect(stalled.eventLoopUtilization).toBeGreaterThan(0.5);

    await turn(100);
    const next = sampler.sample(); // utilisation covers one window: calm already
    expect(next.eventLoopUtilization).toBeLessThan(stalled.eventLoopUtilization);
    await turn(100);
    const calmAgain = sampler.sample(); // delay covers two windows: calm now
    expect(calmAgain.eventLoopDelayMs).toBeLessThan(stalled.eventLoopDelayMs);
    expect(calmAgain.eventLoopDelayMs).toBeLessThan(60);
  });

  it('sees a stall in the middle of a window too', async () => {
    sampler = new NodeResourceSampler({ resolutionMs: 5 }).start();
    await turn(20);
    sampler.sample();
    await turn(20);
    block(100);
    await turn(15);
    expect(sampler.sample().eventLoopDelayMs).toBeGreaterThan(60);
  });

  it('repeats the last delay for a window with no reading, and never reports NaN', () => {
    sampler = new NodeResourceSampler();
    const a = sampler.sample(); // never started: no delay reading at all
    const b = sampler.sample(); // no time passed: utilisation would be NaN
    expect(a.eventLoopDelayMs).toBe(0);
    expect(b.eventLoopDelayMs).toBe(0);
    expect(Number.isNaN(b.eventLoopUtilization)).toBe(false);
  });

  it('start and stop are idempotent', () => {
    sampler = new NodeResourceSampler();
    expect(sampler.start().start()).toBe(sampler);
    sampler.stop();
    sampler.stop();
    expect(sampler.started).toBe(false);
  });

  it('rejects a bad resolution', () => {
    expect(() => new NodeResourceSampler({ resolutionMs: 0 })).toThrow(/NodeResourceSampler: resolutionMs must be an integer >= 1, got 0/);
  });
});
