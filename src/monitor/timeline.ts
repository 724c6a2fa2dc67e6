import { InvalidOptionError } from '../errors';
import type { Execution, ExecutionStatus } from '../types';

/** The fields of an {@link Execution} the timeline draws; any `Execution` has them. */
export type TimelineExecution = Pick<Execution, 'taskId' | 'attempt' | 'firedAt' | 'startedAt' | 'endedAt' | 'status' | 'error'>;

/** Options of {@link renderTimeline}. */
export interface TimelineOptions {
  /** Display names by task id (a `Map` or a plain object); tasks not in it show their id. @default task ids */
  readonly names?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Title above the chart. @default 'Task executions' */
  readonly title?: string;
  /** Total width of the SVG, px (≥ 320). @default 960 */
  readonly width?: number;
  /** Height of one task's row, px (12–80). @default 22 */
  readonly rowHeight?: number;
  /** Bar colours by status (CSS colours). @default {@link TIMELINE_COLORS} */
  readonly colors?: Partial<Readonly<Record<ExecutionStatus, string>>>;
  /** Draw each first attempt's wait (fire → start) as a dashed line before its bar. @default true */
  readonly showWait?: boolean;
  /** Start of the time axis (same clock as the executions). @default the earliest fire or start */
  readonly from?: number;
  /** End of the time axis. @default the latest end */
  readonly to?: number;
}

/** Default bar colours: green, red, orange, grey — distinguishable with the common colour-vision deficiencies by lightness too. */
export const TIMELINE_COLORS: Readonly<Record<ExecutionStatus, string>> = Object.freeze({
  succeeded: '#2f9e5a',
  failed: '#d64545',
  'timed-out': '#f0a020',
  aborted: '#8a94a6',
});

const STATUSES: ReadonlyArray<ExecutionStatus> = ['succeeded', 'failed', 'timed-out', 'aborted'];
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const CHAR_WIDTH = 6.6; // average advance of a 12 px sans-serif glyph, for label layout
const MAX_LABEL_CHARS = 32;
const HEADER = 58; // title + legend
const AXIS = 34; // axis line, ticks and labels
const PAD = 12;

/**
 * Renders executions as a self-contained SVG Gantt chart: one row per task, one bar per attempt
 * from `startedAt` to `endedAt`, coloured by status, an optional dashed wait line (fire → start)
 * before each first attempt, a legend, and a time axis with ticks labelled relative to the start
 * of the axis (`0 s`, `30 s`, `1 min`, …; when the clock is wall time the title line gives the
 * absolute start). Hovering a bar shows its task, attempt, times and error.
 *
 * Rows are ordered by each task's first start. Every text is XML-escaped (and characters XML
 * cannot hold are dropped), so task names and error messages cannot break the document. An empty
 * history gives a small SVG saying so. Pure: same input, same string.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * const history = scheduler.tasks().flatMap((t) => t.history);
 * const names = new Map(scheduler.tasks().map((t) => [t.id, t.name]));
 * writeFileSync('timeline.svg', renderTimeline(history, { names }));
 * ```
 */
export function renderTimeline(history: ReadonlyArray<TimelineExecution>, options: TimelineOptions = {}): string {
  const width = checkRange(options.width ?? 960, 'width', 320, 20_000);
  const rowHeight = checkRange(options.rowHeight ?? 22, 'rowHeight', 12, 80);
  const title = options.title ?? 'Task executions';
  const colors = { ...TIMELINE_COLORS, ...options.colors };
  const showWait = options.showWait ?? true;
  const nameOf = nameLookup(options.names);

  const records = history.filter((e) => Number.isFinite(e.startedAt) && Number.isFinite(e.endedAt));

  // Rows: one per task, ordered by first start (ties: first appearance).
  const rows = new Map<string, { first: number; items: TimelineExecution[] }>();
  for (const e of records) {
    const row = rows.get(e.taskId);
    if (row === undefined) rows.set(e.taskId, { first: e.startedAt, items: [e] });
    else {
      row.items.push(e);
      if (e.startedAt < row.first) row.first = e.startedAt;
    }
  }
  const ordered = [...rows.entries()].sort((a, b) => a[1].first - b[1].first);

  const labels = ordered.map(([id]) => truncate(nameOf(id), MAX_LABEL_CHARS));
  const labelWidth = Math.min(
    MAX_LABEL_CHARS * CHAR_WIDTH,
    Math.max(60, ...labels.map((l) => l.length * CHAR_WIDTH)),
  );
  const plotLeft = PAD + labelWidth + 10;
  const plotRight = width - PAD - 8;
  const plotWidth = plotRight - plotLeft;

  const out: string[] = [];
  const height = ordered.length === 0 ? HEADER + 40 : HEADER + ordered.length * rowHeight + AXIS + PAD;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${FONT}" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${PAD}" y="22" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(title)}</text>`,
  );
  renderLegend(out, colors, PAD, 42);

  if (ordered.length === 0) {
    out.push(`<text class="empty" x="${PAD}" y="${HEADER + 20}" fill="#57606a">No executions to show</text>`, '</svg>');
    return out.join('\n');
  }

  // Time range.
  let from = options.from ?? Infinity;
  let to = options.to ?? -Infinity;
  if (options.from === undefined) for (const e of records) from = Math.min(from, showWait && e.attempt === 1 && Number.isFinite(e.firedAt) ? Math.min(e.firedAt, e.startedAt) : e.startedAt);
  if (options.to === undefined) for (const e of records) to = Math.max(to, e.endedAt, e.startedAt);
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new InvalidOptionError('INVALID_OPTION', 'renderTimeline', 'from/to', 'must be finite numbers', [from, to]);
  if (to <= from) to = from + 1; // every attempt at one instant (virtual time): still a readable axis
  const span = to - from;
  const x = (t: number): number => plotLeft + ((Math.min(Math.max(t, from), to) - from) / span) * plotWidth;

  if (from > 1e11) {
    // Wall-clock times (ms since 1970, after 1973): say where 0 is.
    out.push(
      `<text class="origin" x="${width - PAD}" y="22" text-anchor="end" fill="#57606a">0 = ${escapeXml(new Date(from).toISOString())}</text>`,
    );
  }

  // Layers, back to front: row stripes, vertical grid, rows (label, wait lines, bars), axis.
  const axisY = HEADER + ordered.length * rowHeight + 6;
  const step = niceStep(span / Math.max(2, Math.floor(plotWidth / 90)));
  const ticks: Array<{ x: string; label: string }> = [];
  for (let k = 0, t = 0; t <= span + step * 1e-9; k++, t = k * step) {
    ticks.push({ x: num(plotLeft + (t / span) * plotWidth), label: formatDuration(t, step) });
  }
  out.push('<g class="stripes" fill="#f6f8fa">');
  for (let i = 0; i < ordered.length; i += 2) {
    out.push(`<rect class="stripe" x="${PAD}" y="${HEADER + i * rowHeight}" width="${plotRight - PAD}" height="${rowHeight}"/>`);
  }
  out.push('</g>', '<g class="grid" stroke="#d0d7de" stroke-width="0.5">');
  for (const tick of ticks) out.push(`<line x1="${tick.x}" y1="${HEADER}" x2="${tick.x}" y2="${axisY}"/>`);
  out.push('</g>');

  ordered.forEach(([taskId, row], i) => {
    const top = HEADER + i * rowHeight;
    const mid = top + rowHeight / 2;
    out.push(`<g class="row" data-task-id="${escapeXml(taskId)}">`);
    out.push(
      `<text class="label" x="${num(PAD + labelWidth)}" y="${num(mid + 4)}" text-anchor="end" fill="#1f2328">${escapeXml(labels[i])}</text>`,
    );
    const barHeight = Math.max(4, rowHeight - 8);
    for (const e of row.items) {
      const x0 = x(e.startedAt);
      const w = Math.max(2, x(Math.max(e.endedAt, e.startedAt)) - x0);
      if (showWait && e.attempt === 1 && Number.isFinite(e.firedAt) && e.firedAt < e.startedAt) {
        out.push(
          `<line class="wait" x1="${num(x(e.firedAt))}" y1="${num(mid)}" x2="${num(x0)}" y2="${num(mid)}" stroke="#8c959f" stroke-width="1" stroke-dasharray="3 2"/>`,
        );
      }
      out.push(
        `<rect class="bar" data-status="${e.status}" x="${num(x0)}" y="${num(mid - barHeight / 2)}" width="${num(w)}" height="${barHeight}" rx="2" fill="${escapeXml(colors[e.status] ?? '#000000')}">` +
          `<title>${escapeXml(tooltip(e, nameOf(taskId), from))}</title></rect>`,
      );
    }
    out.push('</g>');
  });

  out.push(
    '<g class="axis" fill="#57606a" stroke="#8c959f">',
    `<line class="axis-line" x1="${num(plotLeft)}" y1="${axisY}" x2="${num(plotRight)}" y2="${axisY}" stroke-width="1"/>`,
  );
  for (const tick of ticks) {
    out.push(
      `<line class="tick" x1="${tick.x}" y1="${axisY}" x2="${tick.x}" y2="${axisY + 5}" stroke-width="1"/>`,
      `<text class="tick-label" x="${tick.x}" y="${axisY + 18}" text-anchor="middle" stroke="none">${escapeXml(tick.label)}</text>`,
    );
  }
  out.push('</g>', '</svg>');
  return out.join('\n');
}

function renderLegend(out: string[], colors: Readonly<Record<ExecutionStatus, string>>, left: number, y: number): void {
  out.push('<g class="legend">');
  let x = left;
  for (const status of STATUSES) {
    out.push(
      `<rect class="legend-swatch" data-status="${status}" x="${num(x)}" y="${y - 9}" width="12" height="12" rx="2" fill="${escapeXml(colors[status])}"/>`,
      `<text class="legend-label" x="${num(x + 17)}" y="${y + 1}" fill="#1f2328">${status}</text>`,
    );
    x += 17 + status.length * CHAR_WIDTH + 18;
  }
  out.push(
    `<line class="legend-wait" x1="${num(x)}" y1="${y - 3}" x2="${num(x + 18)}" y2="${y - 3}" stroke="#8c959f" stroke-dasharray="3 2"/>`,
    `<text class="legend-label" x="${num(x + 23)}" y="${y + 1}" fill="#1f2328">wait (fire → start)</text>`,
    '</g>',
  );
}

function tooltip(e: TimelineExecution, name: string, origin: number): string {
  const lines = [
    `${name} — attempt ${e.attempt}: ${e.status}`,
    `start ${precise(e.startedAt - origin)}, duration ${precise(Math.max(0, e.endedAt - e.startedAt))}`,
  ];
  if (e.attempt === 1 && Number.isFinite(e.firedAt) && e.firedAt < e.startedAt) lines.push(`waited ${precise(e.startedAt - e.firedAt)}`);
  if (e.error !== undefined) lines.push(`error: ${describeError(e.error)}`);
  return lines.join('\n');
}

function describeError(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    text = Object.prototype.toString.call(error);
  }
  return truncate(text, 300);
}

function nameLookup(names: TimelineOptions['names']): (id: string) => string {
  if (names === undefined) return (id) => id;
  if (names instanceof Map) return (id) => names.get(id) ?? id;
  const record = names as Readonly<Record<string, string>>;
  return (id) => (Object.prototype.hasOwnProperty.call(record, id) ? String(record[id]) : id);
}

function checkRange(value: number, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError('INVALID_OPTION', 'renderTimeline', field, `must be a number from ${min} to ${max}`, value);
  }
  return value;
}

/** Tick steps that read well on a clock: 1-2-5 below a second, then 1/2/5/10/15/30 s, min, h, then days. */
const CLOCK_STEPS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** The smallest readable step ≥ `rough` ms. Exported for tests. @internal */
export function niceStep(rough: number): number {
  if (!(rough > 0)) return 1;
  if (rough <= 500) {
    const magnitude = 10 ** Math.floor(Math.log10(rough));
    for (const m of [1, 2, 5, 10]) if (m * magnitude >= rough) return m * magnitude;
  }
  for (const s of CLOCK_STEPS) if (s >= rough) return s;
  const days = rough / 86_400_000;
  const magnitude = 10 ** Math.floor(Math.log10(days));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= days) return m * magnitude * 86_400_000;
  return rough;
}

/** A duration in ms with the unit `step` calls for: `250 ms`, `1.5 s`, `2 min`, `1 h 30 min`, `3 d`. @internal */
export function formatDuration(ms: number, step: number): string {
  if (ms === 0) return step < 1_000 ? '0 ms' : step < 60_000 ? '0 s' : step < 3_600_000 ? '0 min' : '0 h';
  if (step < 1_000 && Math.abs(ms) < 1_000) return `${trim(ms, decimalsFor(step))} ms`;
  if (step < 60_000 && Math.abs(ms) < 60_000) return `${trim(ms / 1_000, decimalsFor(step / 1_000))} s`;
  if (Math.abs(ms) < 3_600_000) {
    const min = Math.floor(ms / 60_000);
    const s = (ms - min * 60_000) / 1_000;
    return s === 0 ? `${min} min` : step < 60_000 ? `${min} min ${trim(s, decimalsFor(step / 1_000))} s` : `${trim(ms / 60_000, 1)} min`;
  }
  if (Math.abs(ms) < 86_400_000 * 2) {
    const h = Math.floor(ms / 3_600_000);
    const min = Math.round((ms - h * 3_600_000) / 60_000);
    return min === 0 ? `${h} h` : `${h} h ${min} min`;
  }
  return `${trim(ms / 86_400_000, 1)} d`;
}

/** A measured time for tooltips: `12.5 ms`, `3.25 s`, then as the axis would show it. */
function precise(ms: number): string {
  if (Math.abs(ms) < 1_000) return `${trim(ms, 3)} ms`;
  if (Math.abs(ms) < 60_000) return `${trim(ms / 1_000, 3)} s`;
  return formatDuration(ms, 1_000);
}

/** Decimals needed to show multiples of `step` exactly (steps are 1-2-5 × 10^k). */
function decimalsFor(step: number): number {
  return step >= 1 || step <= 0 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
}

function trim(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * Text safe inside XML content and attribute values: the five special characters escaped, and
 * characters XML 1.0 cannot contain (most C0 controls, lone surrogates, U+FFFE/U+FFFF) dropped.
 * @internal
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
