import { afterEach, describe, expect, it } from 'vitest';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { CpuTracker, type CpuAccount } from '../../src/monitor/cpu';

/** Spins until this process has used `ms` more CPU time (not wall time: the CPU clock is what is credited). */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return;
  }
}

describe('CpuTracker (real CPU clock)', () => {
  let tracker: CpuTracker | undefined;
  afterEach(() => tracker?.disable());

  it('credits each synchronous slice between awaits to its own run, not to a concurrent waiter', async () => {
    tracker = new CpuTracker().enable();
    const burner: CpuAccount = { cpuMicros: 0 };
    const waiter: CpuAccount = { cpuMicros: 0 };
    await Promise.all([
      tracker.run(burner, async () => {
        for (let i = 0; i < 5; i++) {
          burnCpu(10);
          await nextTurn();
        }
      }),
      tracker.run(waiter, async () => {
        for (let i = 0; i < 5; i++) await sleep(10);
      }),
    ]);
    expect(burner.cpuMicros / 1000).toBeGreaterThan(35);
    expect(burner.cpuMicros / 1000).toBeLessThan(65);
    expect(waiter.cpuMicros / 1000).toBeLessThan(5);
  });

  it('credits the synchronous call of a plain function and returns its value', () => {
    tracker = new CpuTracker().enable();
    const account: CpuAccount = { cpuMicros: 0 };
    const result = tracker.run(account, () => {
      burnCpu(20);
      return 42;
    });
    expect(result).toBe(42);
    expect(account.cpuMicros / 1000).toBeGreaterThan(14);
    expect(account.cpuMicros / 1000).toBeLessThan(26);
  });

  it('credits nothing outside runs', async () => {
    tracker = new CpuTracker().enable();
    const account: CpuAccount = { cpuMicros: 0 };
    await tracker.run(account, async () => {
      await sleep(30);
    });
    const after = account.cpuMicros;
    burnCpu(20); // outside the run: nobody is credited
    await sleep(5);
    expect(account.cpuMicros).toBe(after);
    expect(after / 1000).toBeLessThan(5);
  });
});

describe('CpuTracker (fake clock)', () => {
  /** A clock that advances 100 µs per read, so each switch is visible and exactly predictable. */
  function steppingClock(): { clock: () => number; reads: () => number } {
    let t = 0;
    let n = 0;
    return {
      clock: () => {
        n++;
        return (t += 100);
      },
      reads: () => n,
    };
  }

  it('is a plain call while disabled', () => {
    const { clock, reads } = steppingClock();
    const tracker = new CpuTracker({ clock });
    const account: CpuAccount = { cpuMicros: 0 };
    expect(tracker.enabled).toBe(false);
    expect(tracker.run(account, () => 'x')).toBe('x');
    expect(reads()).toBe(0);
    expect(account.cpuMicros).toBe(0);
  });

  it('credits a nested run to the inner account and returns to the outer one', () => {
    const { clock } = steppingClock();
    const tracker = new CpuTracker({ clock }).enable();
    const outer: CpuAccount = { cpuMicros: 0 };
    const inner: CpuAccount = { cpuMicros: 0 };
    // reads: 100 enter outer | 200 enter inner (outer +100) | 300 leave inner (inner +100) | 400 leave outer (outer +100)
    tracker.run(outer, () => tracker.run(inner, () => undefined));
    tracker.disable();
    expect(inner.cpuMicros).toBe(100);
    expect(outer.cpuMicros).toBe(200);
  });

  it('credits the slice in progress when disabled, then stops', () => {
    const { clock } = steppingClock();
    const tracker = new CpuTracker({ clock }).enable();
    const account: CpuAccount = { cpuMicros: 0 };
    tracker.run(account, () => tracker.disable());
    expect(account.cpuMicros).toBe(100);
    expect(tracker.enabled).toBe(false);
    tracker.run(account, () => undefined);
    expect(account.cpuMicros).toBe(100);
  });

  it('propagates exceptions and still closes the slice', () => {
    const { clock } = steppingClock();
    const tracker = new CpuTracker({ clock }).enable();
    const account: CpuAccount = { cpuMicros: 0 };
    expect(() =>
      tracker.run(account, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    tracker.disable();
    expect(account.cpuMicros).toBe(100);
  });

  it('rejects a clock that is not a function', () => {
    expect(() => new CpuTracker({ clock: 5 as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', field: 'clock' }),
    );
  });

  it('enable and disable are idempotent', () => {
    const tracker = new CpuTracker();
    expect(tracker.enable().enable()).toBe(tracker);
    tracker.disable();
    tracker.disable();
    expect(tracker.enabled).toBe(false);
  });
});
