/**
 * Keeps README.md honest: its code snippets are the examples' code (each block marked
 * `<!-- snippet: examples/x.ts -->` must appear, line for line, in that file), its Quick start is
 * the two commands CI checks, its error-code table lists exactly the codes of src/errors.ts, and
 * every runnable example is linked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Snippet {
  readonly path: string;
  readonly lines: string[];
}

function snippets(): Snippet[] {
  const found: Snippet[] = [];
  const re = /<!-- snippet: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g;
  for (let m = re.exec(readme); m !== null; m = re.exec(readme)) found.push({ path: m[1], lines: m[2].split('\n') });
  return found;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/** True when `block` appears in `file` as consecutive lines, all shifted by the same indentation. */
function containsBlock(file: string[], block: string[]): boolean {
  for (let i = 0; i + block.length <= file.length; i++) {
    if (file[i].trimStart() !== block[0].trimStart()) continue;
    const shift = indentOf(file[i]) - indentOf(block[0]);
    if (shift < 0) continue;
    const pad = ' '.repeat(shift);
    if (block.every((line, j) => (line === '' ? file[i + j].trim() === '' : file[i + j] === pad + line))) return true;
  }
  return false;
}

describe('README.md', () => {
  const all = snippets();

  it('has snippets from the examples', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
  });

  it.each(all.map((s, i) => [`#${i + 1} ${s.path}: ${s.lines[0].trim()}`, s] as const))('snippet %s is the example code', (_name, snippet) => {
    const file = readFileSync(join(root, snippet.path), 'utf8').split('\n');
    expect(containsBlock(file, snippet.lines), `README snippet is out of sync with ${snippet.path}:\n${snippet.lines.join('\n')}`).toBe(true);
  });

  it('Quick start is exactly `npm ci && npm start` and `npm ci && npm test`', () => {
    const section = readme.slice(readme.indexOf('## Quick start'));
    const block = /```\w*\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(block?.split('\n')).toEqual(['npm ci && npm start', 'npm ci && npm test']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node --import tsx examples/daemon.ts');
    expect(pkg.scripts.test).toMatch(/^vitest run\b/);
  });

  it('lists exactly the error codes of src/errors.ts', () => {
    const errors = readFileSync(join(root, 'src/errors.ts'), 'utf8');
    const union = /export type SchedulerErrorCode =([^;]*);/.exec(errors)?.[1] ?? '';
    const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('\n## ', readme.indexOf('## Error codes') + 1));
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(0);
    expect(documented).toEqual(codes);
  });

  it('links every runnable example', () => {
    const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts'));
    for (const file of examples) expect(readme, `README does not mention examples/${file}`).toContain(`examples/${file}`);
  });
});
