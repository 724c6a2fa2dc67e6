import { describe, expect, it } from 'vitest';
import { firstValueFrom, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  claimOccurrence,
  DEFAULT_KEY_PREFIX,
  InMemoryCoordinator,
  occurrenceKey,
  type ClaimResult,
  type Coordinator,
} from '../../src/cluster/coordinator';
import { nextAnchoredOccurrence } from '../../src/cluster/anchor';
import { SchedulerError } from '../../src/errors';

describe('occurrenceKey', () => {
  it('is <prefix>:<scheduler>:<task>:<scheduled epoch ms>', () => {
    expect(occurrenceKey('rbt', 'billing', 'nightly-cleanup', Date.UTC(2026, 0, 1))).toBe('rbt:billing:nightly-cleanup:1767225600000');
    expect(occurrenceKey('rbt', 'billing', 'nightly-cleanup', new Date(Date.UTC(2026, 0, 1)))).toBe('rbt:billing:nightly-cleanup:1767225600000');
    expect(DEFAULT_KEY_PREFIX).toBe('rbt');
  });

  it('encodes ":" and "%" in names so different (scheduler, task) pairs never share a key', () => {
    const a = occurrenceKey('rbt', 'a:b', 'c', 0);
    const b = occurrenceKey('rbt', 'a', 'b:c', 0);
    expect(a).toBe('rbt:a%3Ab:c:0');
    expect(b).toBe('rbt:a:b%3Ac:0');
    expect(occurrenceKey('rbt', 'a%3Ab', 'c', 0)).not.toBe(a);
  });

  it.each([
    ['prefix', ['', 's', 't', 0]],
    ['schedulerName', ['rbt', '', 't', 0]],
    ['taskId', ['rbt', 's', '', 0]],
    ['scheduledAt', ['rbt', 's', 't', 1.5]],
    ['scheduledAt', ['rbt', 's', 't', Number.NaN]],
    ['scheduledAt', ['rbt', 's', 't', Infinity]],
    ['scheduledAt', ['rbt', 's', 't', new Date('nope')]],
  ] as const)('rejects a bad %s', (field, args) => {
    const call = () => occurrenceKey(...(args as unknown as [string, string, string, number]));
    expect(call).toThrow(SchedulerError);
    expect(call).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', field }));
  });
});

describe('nextAnchoredOccurrence', () => {
  it.each([
    // after, interval, anchor, expected
    [12_345, 5_000, 0, 15_000],
    [15_000, 5_000, 0, 20_000],
    [14_999, 5_000, 0, 15_000],
    [12_345, 5_000, 1_000, 16_000],
    [-1, 100, 0, 0],
    [0, 0.1, 0, 0.1],
    [0.30000000000000004, 0.1, 0, 0.4],
  ])('after %d every %d from %d → %d', (after, interval, anchor, expected) => {
    const next = nextAnchoredOccurrence(after, interval, anchor);
    expect(next).toBeCloseTo(expected, 9);
    expect(next).toBeGreaterThan(after);
  });

  it('gives replicas armed at different times, with clocks ±20 ms apart, the same occurrences', () => {
    const interval = 100;
    const seriesFrom = (armedAt: number) => {
      const series: number[] = [];
      let t = armedAt;
      for (let i = 0; i < 5; i++) series.push((t = nextAnchoredOccurrence(t, interval)));
      return series;
    };
    // Armed at 1_000_030, 1_000_051 and 1_000_079 on clocks offset by -20, +3 and +20 ms.
    const replicas = [1_000_030 - 20, 1_000_051 + 3, 1_000_079 + 20].map(seriesFrom);
    for (const series of replicas) expect(series).toEqual([1_000_100, 1_000_200, 1_000_300, 1_000_400, 1_000_500]);
  });

  it.each([
    ['interval', () => nextAnchoredOccurrence(0, 0), 'INVALID_INTERVAL'],
    ['interval', () => nextAnchoredOccurrence(0, -5), 'INVALID_INTERVAL'],
    ['interval', () => nextAnchoredOccurrence(0, Infinity), 'INVALID_INTERVAL'],
    ['after', () => nextAnchoredOccurrence(Number.NaN, 5), 'INVALID_OPTION'],
    ['anchor', () => nextAnchoredOccurrence(0, 5, Infinity), 'INVALID_OPTION'],
  ])('rejects a bad %s', (field, call, code) => {
    expect(call).toThrow(expect.objectContaining({ code, field }));
  });
});

describe('InMemoryCoordinator', () => {
  it('gives an occurrence to the first claimer only, until its lease expires (virtual time)', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    testScheduler.run(({ cold, expectObservable }) => {
      // Several "replicas" sharing one coordinator on the test clock; each value is the occurrence claimed.
      const coordinator = new InMemoryCoordinator({ scheduler: testScheduler });
      const claims = cold('a b c 96ms d e', { a: 0, b: 0, c: 1, d: 0, e: 0 });
      const owned = claims.pipe(map((k) => (coordinator.claimNow(`rbt:s:t:${k}`, 100).owned ? 'y' : 'n')));
      // frame 0: the first claim of 0 wins; 1: a second claim of 0 loses; 2: another occurrence wins;
      // frame 99: 0 is still leased (1 ms left); frame 100: its 100 ms lease has expired.
      expectObservable(owned).toBe('a b c 96ms d e', { a: 'y', b: 'n', c: 'y', d: 'n', e: 'y' });
    });
  });

  it('keeps the lease until exactly leaseMs has passed', () => {
    let now = 1_000;
    const clock = { now: () => now, schedule: () => { throw new Error('unused'); } } as never;
    const coordinator = new InMemoryCoordinator({ scheduler: clock });
    expect(coordinator.claimNow('k', 50)).toEqual({ owned: true });
    now = 1_049;
    expect(coordinator.claimNow('k', 50)).toEqual({ owned: false, reason: 'claimed-elsewhere' });
    now = 1_050;
    expect(coordinator.claimNow('k', 50)).toEqual({ owned: true });
  });

  it('sweeps expired leases so memory stays bounded', () => {
    let now = 0;
    const coordinator = new InMemoryCoordinator({ scheduler: { now: () => now } as never });
    for (let i = 0; i < 10_000; i++) {
      expect(coordinator.claimNow(`k${i}`, 10).owned).toBe(true);
      now += 1;
    }
    expect(coordinator.size).toBeLessThanOrEqual(10);
  });

  it('claim/claimDetailed agree with claimNow, and refuse after close', async () => {
    const coordinator = new InMemoryCoordinator();
    expect(await coordinator.claim('x', 1_000)).toBe(true);
    expect(await coordinator.claim('x', 1_000)).toBe(false);
    expect(await coordinator.claimDetailed('x', 1_000)).toEqual({ owned: false, reason: 'claimed-elsewhere' });
    expect(coordinator.isHealthy()).toBe(true);
    await coordinator.close();
    await coordinator.close();
    expect(coordinator.isHealthy()).toBe(false);
    expect(await coordinator.claimDetailed('y', 1_000)).toEqual({ owned: false, reason: 'coordinator-closed' });
  });

  it.each([0, -1, Number.NaN, Infinity])('rejects leaseMs %s', (lease) => {
    const coordinator = new InMemoryCoordinator();
    expect(() => coordinator.claimNow('k', lease)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', field: 'leaseMs' }));
  });
});

describe('claimOccurrence', () => {
  it('is synchronous for a coordinator with claimNow', () => {
    const coordinator = new InMemoryCoordinator();
    const seen: ClaimResult[] = [];
    claimOccurrence(coordinator, 'k', 1_000).subscribe((r) => seen.push(r));
    claimOccurrence(coordinator, 'k', 1_000).subscribe((r) => seen.push(r));
    expect(seen).toEqual([{ owned: true }, { owned: false, reason: 'claimed-elsewhere' }]);
  });

  it('maps a plain boolean claim to a result', async () => {
    const calls: string[] = [];
    const coordinator: Coordinator = {
      claim: async (key) => {
        calls.push(key);
        return calls.length === 1;
      },
    };
    expect(await firstValueFrom(claimOccurrence(coordinator, 'k', 10))).toEqual({ owned: true });
    expect(await firstValueFrom(claimOccurrence(coordinator, 'k', 10))).toEqual({ owned: false, reason: 'claimed-elsewhere' });
    expect(calls).toEqual(['k', 'k']);
  });

  it('fails closed when a custom coordinator throws or rejects, and never errors', async () => {
    const boom = new Error('boom');
    const throwing: Coordinator = {
      claim: () => {
        throw boom;
      },
    };
    const rejecting: Coordinator = { claim: () => Promise.resolve(true), claimDetailed: () => Promise.reject(boom) };
    expect(await firstValueFrom(claimOccurrence(throwing, 'k', 10))).toEqual({ owned: false, reason: 'coordinator-error', error: boom });
    expect(await firstValueFrom(claimOccurrence(rejecting, 'k', 10))).toEqual({ owned: false, reason: 'coordinator-error', error: boom });
  });

  it('does not claim until subscribed', () => {
    const coordinator = new InMemoryCoordinator();
    const claim$ = claimOccurrence(coordinator, 'k', 1_000);
    expect(coordinator.size).toBe(0);
    claim$.subscribe();
    expect(coordinator.size).toBe(1);
  });
});
