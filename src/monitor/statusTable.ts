import { InvalidOptionError } from '../errors';
import type { SchedulerStatsSnapshot, TaskState, TaskStatsSnapshot } from './taskStats';

/** Options of {@link renderStatusTable}. */
export interface StatusTableOptions {
  /** The scheduler clock's current time, ms: "next fire" is shown relative to it. */
  readonly now: number;
  /** Colour with ANSI escapes (state, failures, throttling). Widths are unaffected. @default false */
  readonly color?: boolean;
  /** Longer task names are cut with an ellipsis (≥ 4). @default 28 */
  readonly maxNameWidth?: number;
  /** At most this many task rows; the rest are summarized in one line. @default Infinity */
  readonly maxRows?: number;
}

const COLUMNS = ['NAME', 'STATE', 'PRIO', 'NEXT FIRE', 'RUNS', 'FAIL', 'P95 MS', 'CPU MS'] as const;
/** Columns aligned right (numbers); the others align left. */
const RIGHT = [false, false, true, false, true, true, true, true];

const ESC = '\u001b[';
const STYLE = {
  bold: `${ESC}1m`,
  dim: `${ESC}2m`,
  red: `${ESC}31m`,
  green: `${ESC}32m`,
  yellow: `${ESC}33m`,
  cyan: `${ESC}36m`,
  reset: `${ESC}0m`,
} as const;

const STATE_STYLE: Readonly<Record<TaskState, string>> = {
  running: STYLE.green,
  waiting: STYLE.yellow,
  paused: STYLE.cyan,
  disabled: STYLE.dim,
  idle: '',
};

/**
 * Renders a stats snapshot as a fixed-width text table for a terminal or a log: one scheduler line
 * (running, waiting, fires/s, event-loop delay p99, utilisation, heap, RSS, throttling), then one
 * row per task (name, state, priority, next fire, runs, failures, p95 duration, CPU ms). Values
 * not measured show `—`. Lines are joined with `\n`, without a trailing newline. Pure.
 *
 * @example
 * ```ts
 * const text = renderStatusTable(scheduler.stats(), { now: Date.now(), color: process.stdout.isTTY });
 * process.stdout.write(`\u001b[H\u001b[2J${text}\n`); // redraw in place
 * ```
 */
export function renderStatusTable(snapshot: SchedulerStatsSnapshot, options: StatusTableOptions): string {
  const { now } = options;
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new InvalidOptionError('INVALID_OPTION', 'renderStatusTable', 'now', 'must be a finite number', now);
  }
  const color = options.color ?? false;
  const maxName = options.maxNameWidth ?? 28;
  if (!Number.isInteger(maxName) || maxName < 4) {
    throw new InvalidOptionError('INVALID_OPTION', 'renderStatusTable', 'maxNameWidth', 'must be an integer >= 4', maxName);
  }
  const maxRows = options.maxRows ?? Infinity;
  if (!(maxRows >= 0) || (maxRows !== Infinity && !Number.isInteger(maxRows))) {
    throw new InvalidOptionError('INVALID_OPTION', 'renderStatusTable', 'maxRows', 'must be an integer >= 0 or Infinity', maxRows);
  }
  const paint = (style: string, text: string): string => (color && style !== '' ? `${style}${text}${STYLE.reset}` : text);

  const lines = [schedulerLine(snapshot, paint)];
  const shown = snapshot.tasks.length > maxRows ? snapshot.tasks.slice(0, maxRows) : snapshot.tasks;
  const rows = shown.map((t) => taskCells(t, now, maxName));
  const widths = COLUMNS.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));

  lines.push(paint(STYLE.bold, COLUMNS.map((h, c) => pad(h, widths[c], RIGHT[c])).join('  ').trimEnd()));
  shown.forEach((task, i) => {
    const cells = rows[i].map((text, c) => {
      const padded = pad(text, widths[c], RIGHT[c]);
      if (c === 1) return paint(STATE_STYLE[task.state] ?? '', padded);
      if (c === 5 && task.failures > 0) return paint(STYLE.red, padded);
      return padded;
    });
    lines.push(cells.join('  ').trimEnd());
  });
  if (shown.length < snapshot.tasks.length) {
    lines.push(paint(STYLE.dim, `… ${snapshot.tasks.length - shown.length} more task${snapshot.tasks.length - shown.length === 1 ? '' : 's'}`));
  }
  if (snapshot.tasks.length === 0) lines.push(paint(STYLE.dim, '(no tasks)'));
  return lines.join('\n');
}

function schedulerLine(s: SchedulerStatsSnapshot, paint: (style: string, text: string) => string): string {
  const parts = [
    `running ${s.running}`,
    `waiting ${s.waiting}`,
    `fires/s ${fixed(s.firesPerSecond, 1)}`,
    `loop delay p99 ${fixed(s.eventLoopDelay.p99, 1)} ms`,
    `ELU ${Math.round(clamp01(s.eventLoopUtilization) * 100)}%`,
    `heap ${bytes(s.heapUsed)}`,
    `rss ${bytes(s.rss)}`,
    s.throttled
      ? paint(STYLE.bold + STYLE.red, s.exceededLimits?.length ? `THROTTLED (${s.exceededLimits.join(', ')})` : 'THROTTLED')
      : paint(STYLE.green, 'not throttled'),
  ];
  return parts.join('  ');
}

function taskCells(t: TaskStatsSnapshot, now: number, maxName: number): string[] {
  return [
    cut(t.name, maxName),
    t.state,
    String(t.priority),
    nextFire(t.nextFireAt, now),
    String(t.runs),
    String(t.failures),
    t.duration.count === 0 ? '—' : ms(t.duration.p95),
    t.cpuMs === undefined ? '—' : ms(t.cpuMs),
  ];
}

function nextFire(at: number | undefined, now: number): string {
  if (at === undefined || !Number.isFinite(at)) return '—';
  const d = at - now;
  if (d <= 0) return 'due';
  if (d < 1_000) return `in ${Math.ceil(d)} ms`;
  if (d < 60_000) return `in ${fixed(d / 1_000, 1)} s`;
  if (d < 3_600_000) return `in ${Math.floor(d / 60_000)} min ${Math.floor((d % 60_000) / 1_000)} s`;
  if (d < 86_400_000) return `in ${Math.floor(d / 3_600_000)} h ${Math.floor((d % 3_600_000) / 60_000)} min`;
  return `in ${fixed(d / 86_400_000, 1)} d`;
}

/** Milliseconds with precision that suits the size: 0.123, 12.3, 1234. */
function ms(value: number): string {
  if (value < 1) return fixed(value, 3);
  if (value < 100) return fixed(value, 1);
  return String(Math.round(value));
}

function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024 * 1024) return `${fixed(n / 1024, 1)} KiB`;
  if (n < 1024 ** 3) return `${fixed(n / 1024 ** 2, 1)} MiB`;
  return `${fixed(n / 1024 ** 3, 2)} GiB`;
}

function fixed(value: number, decimals: number): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : '—';
}

function clamp01(x: number): number {
  return x > 1 ? 1 : x > 0 ? x : 0;
}

function cut(text: string, max: number): string {
  // Control characters would break the fixed-width layout (and could move a TTY's cursor).
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}
