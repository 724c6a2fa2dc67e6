// The targets of issue 3, computed on the medians of the repetitions, as PASS / MISS lines.
import type { Summary } from './stats';
import { fmt, fmtRatio } from './table';

export interface TargetResult {
  name: string;
  /** The measured figure the verdict is on. */
  value: string;
  /** null when the figures are missing (scenario not run or crashed). */
  pass: boolean | null;
  detail?: string;
}

/** What the targets read: the summaries of each case, by case id. */
export interface SummaryLookup {
  get(caseId: string): { summary: Record<string, Summary>; case: { params: Record<string, unknown> } } | undefined;
}

export function evaluateTargets(results: SummaryLookup): TargetResult[] {
  const med = (id: string, metric: string): number | undefined => {
    const m = results.get(id)?.summary[metric]?.median;
    return m === undefined || Number.isNaN(m) ? undefined : m;
  };
  const param = (id: string, key: string): unknown => results.get(id)?.case.params[key];
  const out: TargetResult[] = [];
  const add = (name: string, ok: () => { value: string; pass: boolean; detail?: string } | undefined): void => {
    const r = ok();
    out.push(r ? { name, ...r } : { name, value: 'not measured', pass: null });
  };
  const need = (...xs: (number | undefined)[]): boolean => xs.every((x) => x !== undefined);

  // 1. Dispatch
  const dispatchId = (impl: string, big: boolean): string | undefined => {
    const ids = ['200,000', '20,000', '5,000', '1,000'].map((n) => `dispatch/${impl} @ ${n}`).filter((id) => results.get(id));
    return big ? ids[0] : ids[1];
  };
  const [oursBig, oursSmall, limitBig, pqBig] = [dispatchId('ours', true), dispatchId('ours', false), dispatchId('limit', true), dispatchId('p-queue', true)];
  const rate = (id: string | undefined): number | undefined => (id === undefined ? undefined : med(id, 'runsPerSec'));
  add('dispatch throughput ≥ 0.5× the heap-loop limit (deepest queue)', () => {
    const [a, b] = [rate(oursBig), rate(limitBig)];
    if (a === undefined || b === undefined) return undefined;
    return { value: fmtRatio(a / b), pass: a / b >= 0.5, detail: `ours ${fmt(a)}/s, limit ${fmt(b)}/s at ${fmt(Number(param(oursBig as string, 'n')))} queued` };
  });
  add('dispatch throughput ≥ 50× p-queue (deepest queue)', () => {
    const [a, b] = [rate(oursBig), rate(pqBig)];
    if (a === undefined || b === undefined) return undefined;
    return { value: fmtRatio(a / b), pass: a / b >= 50, detail: `ours ${fmt(a)}/s, p-queue ${fmt(b)}/s` };
  });
  add('no collapse with depth: deep-queue throughput ≥ ½ of the 10× shallower run\'s (within 2× below it)', () => {
    const [a, b] = [rate(oursBig), rate(oursSmall)];
    if (a === undefined || b === undefined) return undefined;
    return {
      value: fmtRatio(a / b),
      pass: a / b >= 0.5,
      detail: `${fmt(a)}/s at ${fmt(Number(param(oursBig as string, 'n')))} vs ${fmt(b)}/s at ${fmt(Number(param(oursSmall as string, 'n')))}`,
    };
  });

  // 2. Priority latency
  add('priority wait p99 under saturation ≤ p-queue\'s', () => {
    const a = med('priority-latency/ours', 'waitP99');
    const b = med('priority-latency/p-queue', 'waitP99');
    if (!need(a, b)) return undefined;
    // The limit is the floor of priority dispatch: where it ties p-queue, so does any scheduler.
    const floor = med('priority-latency/limit', 'waitP99');
    const share = (impl: string): string => `${impl} ${fmt(med(`priority-latency/${impl}`, 'waitsOver500usPct'))} %`;
    return {
      value: `${fmt(a)} ms vs ${fmt(b)} ms`,
      pass: (a as number) <= (b as number),
      detail: `limit p99 ${fmt(floor)} ms; waits ≥ 0.5 ms: ${share('ours')}, ${share('p-queue')}, ${share('limit')}`,
    };
  });

  // 3. Timers
  add('interval lateness p99 ≤ fixed-rate setTimeout p99 + 1 ms', () => {
    const a = med('timers-interval/ours', 'lateP99');
    const b = med('timers-interval/fixed-rate', 'lateP99');
    if (!need(a, b)) return undefined;
    return { value: `${fmt(a)} ms vs ${fmt((b as number) + 1)} ms`, pass: (a as number) <= (b as number) + 1, detail: `fixed-rate p99 ${fmt(b)} ms` };
  });
  add('interval: zero cumulative drift (|median drift| ≤ 1 ms, the resolution of the ms clock; last 10 ticks vs first 10)', () => {
    const a = med('timers-interval/ours', 'driftMedian');
    if (!need(a)) return undefined;
    const b = med('timers-interval/fixed-rate', 'driftMedian');
    const ends = med('timers-interval/ours', 'driftEndsMedian');
    return {
      value: `${fmt(a)} ms`,
      pass: Math.abs(a as number) <= 1,
      detail:
        b === undefined
          ? undefined
          : `fixed-rate ${fmt(b)} ms, setInterval ${fmt(med('timers-interval/setInterval', 'driftMedian'))} ms; one tick at each end: ours ${fmt(ends)} ms, fixed-rate ${fmt(med('timers-interval/fixed-rate', 'driftEndsMedian'))} ms`,
    };
  });
  add('1-second cron lateness p99 ≤ second-aligned setTimeout p99 + 2 ms', () => {
    const a = med('timers-cron/ours', 'lateP99');
    const b = med('timers-cron/aligned', 'lateP99');
    if (!need(a, b)) return undefined;
    return { value: `${fmt(a)} ms vs ${fmt((b as number) + 2)} ms`, pass: (a as number) <= (b as number) + 2, detail: `aligned p99 ${fmt(b)} ms` };
  });
  add('cron CPU per fire ≤ croner\'s', () => {
    const a = med('timers-cron/ours', 'cpuUsPerFire');
    const b = med('timers-cron/croner', 'cpuUsPerFire');
    if (!need(a, b)) return undefined;
    return { value: `${fmt(a)} µs vs ${fmt(b)} µs`, pass: (a as number) <= (b as number) };
  });

  // 4. Registration
  for (const [kind, limit] of [
    ['interval', 640],
    ['cron', 1024],
  ] as const) {
    const id = `registration-${kind}/ours`;
    const n = param(id, 'n');
    add(`registration (${kind}): ≤ ${limit} B per task after GC`, () => {
      const a = med(id, 'bytesPerTask');
      return need(a) ? { value: `${fmt(a)} B`, pass: (a as number) <= limit } : undefined;
    });
    add(`registration (${kind}): ${fmt(Number(n))} registered in < 1 s`, () => {
      const a = med(id, 'registerMs');
      return need(a) ? { value: `${fmt(a)} ms`, pass: (a as number) < 1000 } : undefined;
    });
    add(`registration (${kind}): ${fmt(Number(n))} removed in < 0.5 s`, () => {
      const a = med(id, 'removeMs');
      return need(a) ? { value: `${fmt(a)} ms`, pass: (a as number) < 500 } : undefined;
    });
    add(`registration (${kind}): nothing retained after removal (< 16 B per removed task)`, () => {
      const a = med(id, 'retainedPerTask');
      return need(a) ? { value: `${fmt(a)} B/task`, pass: (a as number) < 16, detail: `${fmt((a as number) * Number(n))} B in all` } : undefined;
    });
  }

  // 5. Floods
  for (const policy of ['skip', 'buffer-one']) {
    const id = `floods/ours-${policy}`;
    add(`flood (${policy}): heap growth < 10 MB`, () => {
      const a = med(id, 'peakHeapGrowthMB');
      return need(a) ? { value: `${fmt(a)} MB`, pass: (a as number) < 10 } : undefined;
    });
    add(`flood (${policy}): no event-loop stall over 50 ms`, () => {
      const a = med(id, 'floodStallMs');
      return need(a) ? { value: `${fmt(a)} ms`, pass: (a as number) <= 50 } : undefined;
    });
  }
  add('flood (queue): ≤ 100 B per waiting event', () => {
    const a = med('floods/ours-queue', 'bytesPerWaiting');
    return need(a) ? { value: `${fmt(a)} B`, pass: (a as number) <= 100, detail: `limit (heap) ${fmt(med('floods/limit', 'bytesPerWaiting'))} B` } : undefined;
  });
  add('flood (queue): backlog drains at ≥ 0.5× the limit\'s rate', () => {
    const a = med('floods/ours-queue', 'drainPerSec');
    const b = med('floods/limit', 'drainPerSec');
    if (!need(a, b)) return undefined;
    const r = (a as number) / (b as number);
    return { value: fmtRatio(r), pass: r >= 0.5, detail: `ours ${fmt(a)}/s, limit ${fmt(b)}/s` };
  });
  add('flood (queue): drains without blocking timers (stall ≤ 50 ms)', () => {
    const a = med('floods/ours-queue', 'drainStallMs');
    return need(a) ? { value: `${fmt(a)} ms`, pass: (a as number) <= 50, detail: `limit ${fmt(med('floods/limit', 'drainStallMs'))} ms` } : undefined;
  });

  // 6. Cron next-fire cost (no numeric target in issue 3: reported for the record)
  const v = med('cron-next/ours', 'firesPerSec');
  const cp = med('cron-next/cron-parser', 'firesPerSec');
  if (v !== undefined && cp !== undefined) {
    out.push({
      name: 'cron in virtual time (info, no target): ours end-to-end vs cron-parser raw next()',
      value: fmtRatio(v / cp),
      pass: null,
      detail: `ours ${fmt(v)} fires/s, cron-parser ${fmt(cp)}/s, croner ${fmt(med('cron-next/croner', 'firesPerSec'))}/s`,
    });
  }
  return out;
}
