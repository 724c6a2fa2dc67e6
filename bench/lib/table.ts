// Plain-text and markdown tables, and number formatting.

/** Compact number: about 3 significant digits, k from 10 000 up, M from 1 000 000 up. */
export function fmt(x: number | undefined): string {
  if (x === undefined || x === null || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(a >= 1e8 ? 0 : a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (a >= 100 || Number.isInteger(x)) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(2);
}

export function fmtRatio(x: number): string {
  if (Number.isNaN(x)) return '–';
  if (x >= 100) return `${x.toFixed(0)}×`;
  if (x >= 10) return `${x.toFixed(1)}×`;
  if (x >= 0.1 || x === 0) return `${x.toFixed(2)}×`;
  return `${x.toPrecision(2)}×`;
}

export interface Table {
  title: string;
  note?: string;
  header: string[];
  rows: string[][];
}

/** Aligned plain text for the terminal. Columns after the first are right-aligned. */
export function renderText(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(len(h), ...t.rows.map((r) => len(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? pad(c, widths[i], 'left') : pad(c, widths[i], 'right'))).join('  ');
  const out = [t.title, line(t.header), widths.map((w) => '─'.repeat(w)).join('  '), ...t.rows.map(line)];
  if (t.note) out.push(t.note);
  return out.join('\n');
}

export function renderMarkdown(t: Table): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [
    `### ${t.title}`,
    '',
    `| ${t.header.map(esc).join(' | ')} |`,
    `|${t.header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  if (t.note) out.push('', t.note);
  return out.join('\n');
}

const len = (s: string): number => [...s].length;
function pad(s: string, w: number, side: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, w - len(s)));
  return side === 'left' ? s + fill : fill + s;
}
