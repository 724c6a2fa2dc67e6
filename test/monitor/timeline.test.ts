import { describe, expect, it } from 'vitest';
import type { Execution } from '../../src/types';
import { TIMELINE_COLORS, escapeXml, formatDuration, niceStep, renderTimeline, type TimelineExecution } from '../../src/monitor/timeline';

/** Checks that tags nest and close properly and that no raw `<`/`&` sits in text — enough to catch broken escaping. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const tokens = svg.match(/<[^>]*>|[^<]+/g) ?? [];
  for (const token of tokens) {
    if (token.startsWith('</')) {
      expect(stack.pop()).toBe(token.slice(2, -1));
    } else if (token.startsWith('<')) {
      expect(token).toMatch(/^<[a-zA-Z][\w-]*(\s+[\w:-]+="[^"<]*")*\s*\/?>$/);
      if (!token.endsWith('/>')) stack.push(token.slice(1).split(/[\s>]/)[0]);
    } else {
      expect(token).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
    }
  }
  expect(stack).toEqual([]);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
}

function all(svg: string, re: RegExp): RegExpMatchArray[] {
  return [...svg.matchAll(new RegExp(re.source, 'g'))];
}

const exec = (over: Partial<TimelineExecution> & Pick<TimelineExecution, 'taskId'>): TimelineExecution => ({
  attempt: 1,
  firedAt: 0,
  startedAt: 0,
  endedAt: 10,
  status: 'succeeded',
  ...over,
});

const history: TimelineExecution[] = [
  exec({ taskId: 'b', firedAt: 1_000, startedAt: 1_500, endedAt: 3_000 }),
  exec({ taskId: 'a', firedAt: 0, startedAt: 0, endedAt: 800, status: 'failed', error: new Error('boom') }),
  exec({ taskId: 'a', attempt: 2, firedAt: 0, startedAt: 2_000, endedAt: 2_600 }),
  exec({ taskId: 'c', firedAt: 4_000, startedAt: 4_000, endedAt: 9_000, status: 'timed-out' }),
  exec({ taskId: 'c', attempt: 2, firedAt: 4_000, startedAt: 9_500, endedAt: 10_000, status: 'aborted' }),
];

describe('renderTimeline', () => {
  it('renders a well-formed SVG document', () => {
    const svg = renderTimeline(history);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    assertWellFormed(svg);
  });

  it('draws one row per task, ordered by first start, labelled by name when known', () => {
    const svg = renderTimeline(history, { names: { a: 'alpha', c: 'gamma' } });
    expect(all(svg, /<g class="row" data-task-id="([^"]*)"/).map((m) => m[1])).toEqual(['a', 'b', 'c']);
    expect(all(svg, /<text class="label"[^>]*>([^<]*)</).map((m) => m[1])).toEqual(['alpha', 'b', 'gamma']);
    const withMap = renderTimeline(history, { names: new Map([['b', 'beta']]) });
    expect(all(withMap, /<text class="label"[^>]*>([^<]*)</).map((m) => m[1])).toEqual(['a', 'beta', 'c']);
  });

  it('draws one bar per attempt, coloured by status', () => {
    const svg = renderTimeline(history);
    const bars = all(svg, /<rect class="bar" data-status="([^"]+)"[^>]*fill="([^"]+)"/);
    expect(bars).toHaveLength(history.length);
    expect(bars.map((m) => m[1]).sort()).toEqual(['aborted', 'failed', 'succeeded', 'succeeded', 'timed-out']);
    for (const [, status, fill] of bars) expect(fill).toBe(TIMELINE_COLORS[status as keyof typeof TIMELINE_COLORS]);
    expect(new Set(Object.values(TIMELINE_COLORS)).size).toBe(4);
  });

  it('places bars in time order and proportionally to their duration', () => {
    const svg = renderTimeline([exec({ taskId: 'a', startedAt: 0, endedAt: 1_000 }), exec({ taskId: 'a', startedAt: 3_000, endedAt: 5_000 })], {
      showWait: false,
    });
    const bars = all(svg, /<rect class="bar"[^>]* x="([\d.]+)"[^>]* width="([\d.]+)"/).map((m) => ({ x: Number(m[1]), w: Number(m[2]) }));
    expect(bars[1].x).toBeGreaterThan(bars[0].x + bars[0].w);
    expect(bars[1].w / bars[0].w).toBeCloseTo(2, 1);
    expect(bars[1].x - bars[0].x).toBeCloseTo(bars[0].w * 3, 0);
  });

  it('uses custom colours', () => {
    const svg = renderTimeline(history, { colors: { failed: 'purple' } });
    expect(svg).toMatch(/<rect class="bar" data-status="failed"[^>]*fill="purple"/);
    expect(svg).toMatch(/<rect class="legend-swatch" data-status="failed"[^>]*fill="purple"/);
  });

  it('has a legend with every status', () => {
    const svg = renderTimeline(history);
    expect(all(svg, /<rect class="legend-swatch" data-status="([^"]+)"/).map((m) => m[1])).toEqual([
      'succeeded',
      'failed',
      'timed-out',
      'aborted',
    ]);
  });

  it('has a time axis with evenly spaced, increasing, labelled ticks starting at 0', () => {
    const svg = renderTimeline(history);
    const ticks = all(svg, /<line class="tick" x1="([\d.]+)"/).map((m) => Number(m[1]));
    const labels = all(svg, /<text class="tick-label"[^>]*>([^<]*)</).map((m) => m[1]);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(labels).toHaveLength(ticks.length);
    expect(labels[0]).toBe('0 s');
    expect(labels).toContain('10 s');
    const gaps = ticks.slice(1).map((x, i) => x - ticks[i]);
    for (const gap of gaps) expect(gap).toBeCloseTo(gaps[0], 1);
    expect(svg).toContain('<line class="axis-line"');
  });

  it('draws the wait of first attempts only, and none when showWait is false', () => {
    // Waits: 'b' (1000 → 1500). 'a' attempt 1 starts at its fire; retries never draw a wait.
    expect(all(renderTimeline(history), /<line class="wait"/)).toHaveLength(1);
    expect(all(renderTimeline(history, { showWait: false }), /<line class="wait"/)).toHaveLength(0);
  });

  it('escapes every text and drops characters XML cannot hold', () => {
    const nasty = `<script>alert("x")</script> & 'q' \u0001`;
    const svg = renderTimeline([exec({ taskId: nasty, status: 'failed', error: new Error(nasty) })], { title: nasty, names: { other: 'x' } });
    assertWellFormed(svg);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('\u0001');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
    expect(svg).toMatch(/<title>[^<]*error: Error: &lt;script&gt;/);
  });

  it('renders an empty history as a small SVG that says so', () => {
    const svg = renderTimeline([]);
    assertWellFormed(svg);
    expect(svg).toContain('No executions to show');
    expect(svg).not.toContain('class="bar"');
    expect(svg).not.toContain('class="axis"');
  });

  it('handles attempts that all take no time at one instant (virtual time)', () => {
    const svg = renderTimeline([exec({ taskId: 'a', startedAt: 0, endedAt: 0 }), exec({ taskId: 'b', startedAt: 0, endedAt: 0 })]);
    assertWellFormed(svg);
    expect(all(svg, /<rect class="bar"[^>]* width="2"/)).toHaveLength(2); // still visible
  });

  it('skips records with non-finite times', () => {
    const svg = renderTimeline([exec({ taskId: 'a' }), exec({ taskId: 'b', endedAt: Number.NaN })]);
    assertWellFormed(svg);
    expect(all(svg, /<rect class="bar"/)).toHaveLength(1);
  });

  it('names the absolute start when times are wall-clock times', () => {
    const t0 = Date.UTC(2025, 0, 15, 9, 30);
    const svg = renderTimeline([exec({ taskId: 'a', firedAt: t0, startedAt: t0, endedAt: t0 + 60_000 })]);
    expect(svg).toContain('0 = 2025-01-15T09:30:00.000Z');
    expect(renderTimeline(history)).not.toContain('class="origin"');
  });

  it('respects from / to', () => {
    const svg = renderTimeline([exec({ taskId: 'a', startedAt: 100, endedAt: 200 })], { from: 0, to: 1_000, showWait: false });
    const labels = all(svg, /<text class="tick-label"[^>]*>([^<]*)</).map((m) => m[1]);
    expect(labels[0]).toBe('0 ms');
    expect(labels.at(-1)).toBe('1 s');
  });

  it('takes task.history as is (Execution records with events and results)', () => {
    const records: ReadonlyArray<Execution<{ id: number }, string>> = [
      { taskId: 'mailbox', attempt: 1, firedAt: 0, startedAt: 5, endedAt: 30, status: 'succeeded', event: { id: 1 }, result: 'RESULT-TEXT' },
    ];
    const svg = renderTimeline(records);
    expect(all(svg, /<rect class="bar"/)).toHaveLength(1);
    expect(svg).not.toContain('RESULT-TEXT'); // results and events are not rendered
  });

  it('is pure', () => {
    expect(renderTimeline(history)).toBe(renderTimeline([...history]));
  });

  it.each([
    ['width', { width: 100 }],
    ['width', { width: Number.NaN }],
    ['rowHeight', { rowHeight: 500 }],
  ])('rejects a bad %s', (field, options) => {
    expect(() => renderTimeline(history, options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', field }));
  });
});

describe('timeline helpers', () => {
  it.each([
    [0.3, 0.5],
    [1, 1],
    [7, 10],
    [130, 200],
    [900, 1_000],
    [1_001, 2_000],
    [12_000, 15_000],
    [45_000, 60_000],
    [200_000, 300_000],
    [4_000_000, 7_200_000],
    [86_400_001, 172_800_000],
    [0, 1],
  ])('niceStep(%d) = %d', (rough, step) => {
    expect(niceStep(rough)).toBe(step);
  });

  it.each([
    [0, 500, '0 ms'],
    [0, 10_000, '0 s'],
    [250, 50, '250 ms'],
    [0.5, 0.1, '0.5 ms'],
    [1_500, 500, '1.5 s'],
    [20_000, 10_000, '20 s'],
    [60_000, 10_000, '1 min'],
    [90_000, 30_000, '1 min 30 s'],
    [600_000, 300_000, '10 min'],
    [5_400_000, 1_800_000, '1 h 30 min'],
    [7_200_000, 3_600_000, '2 h'],
    [3 * 86_400_000, 86_400_000, '3 d'],
  ])('formatDuration(%d, step %d) = %s', (ms, step, text) => {
    expect(formatDuration(ms, step)).toBe(text);
  });

  it('escapeXml escapes the five specials and keeps tabs, newlines and astral characters', () => {
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
    expect(escapeXml('x\ty\nz😀')).toBe('x\ty\nz😀');
    expect(escapeXml('a\u0000b\uD800c\uFFFF')).toBe('abc');
  });
});
