/**
 * The built package, as a user gets it: `rx-background-tasks` and `rx-background-tasks/operators`
 * resolved by name through package.json's `exports` map (a temp project whose node_modules links to
 * this repo), loaded with `require` (CJS) and with `import` (ESM) in a fresh Node process, and a
 * small scheduler actually running a one-time task in each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const dist = join(root, 'dist');
let project: string;

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function distIsFresh(): boolean {
  const built = join(dist, 'index.cjs');
  if (!existsSync(built)) return false;
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'operators')), statSync(join(root, 'package.json')).mtimeMs);
  return statSync(built).mtimeMs >= sources;
}

/** Runs a script file of the temp project in a fresh Node process and parses its JSON output. */
function runScript(name: string, code: string): { status: number | null; stderr: string; output: any } {
  const file = join(project, name);
  writeFileSync(file, code);
  const result = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 30_000 });
  let output: unknown;
  try {
    output = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
  } catch {
    output = result.stdout;
  }
  return { status: result.status, stderr: result.stderr, output };
}

// The same check in both module systems: load by package name, run a one-time task, stop.
const body = `
const scheduler = new Scheduler({ maxRunningTasks: 2 });
const seen = [];
scheduler.events$.subscribe((e) => seen.push(e.type));
const task = scheduler.addTask({
  name: 'once',
  args: { n: 20 },
  triggers: [oneTimeTrigger({ after: 10 })],
  run: (args, ctx) => Promise.resolve(args.n + ctx.attempt),
});
let code;
try { periodicTrigger({ interval: -5 }); } catch (err) { code = err instanceof SchedulerError ? err.code : String(err); }
scheduler.start();
const started = Date.now();
while (task.history.length === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
await scheduler.stop({ timeout: 1000 });
const x = task.history[0];
console.log(JSON.stringify({
  status: x && x.status, result: x && x.result, attempt: x && x.attempt,
  removed: scheduler.getTask(task.id) === undefined, events: seen, code,
}));
`;

const expected = {
  status: 'succeeded',
  result: 21,
  attempt: 1,
  removed: true,
  code: 'INVALID_INTERVAL',
};

beforeAll(() => {
  if (!distIsFresh()) {
    const build = spawnSync(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    if (build.status !== 0) throw new Error(`tsup failed (status ${build.status}):\n${build.stdout}\n${build.stderr}`);
  }
  project = mkdtempSync(join(tmpdir(), 'rx-background-tasks-package-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'rx-background-tasks'), 'dir');
  // rxjs is a peer dependency: the user's project installs it, and the package uses that copy.
  symlinkSync(join(root, 'node_modules', 'rxjs'), join(project, 'node_modules', 'rxjs'), 'dir');
}, 180_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the built package', () => {
  it('has ESM, CJS and type declarations for the main entry', () => {
    for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) {
      expect(existsSync(join(dist, file)), `dist/${file}`).toBe(true);
    }
  });

  it("require('rx-background-tasks') runs a one-time task (CJS)", () => {
    const { status, stderr, output } = runScript(
      'check.cjs',
      `const { Scheduler, oneTimeTrigger, periodicTrigger, SchedulerError } = require('rx-background-tasks');
(async () => {${body}})().catch((err) => { console.error(err); process.exit(1); });`,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(output).toMatchObject(expected);
    expect(output.events).toEqual(expect.arrayContaining(['started', 'run-started', 'run-succeeded', 'task-removed', 'stopped']));
  });

  it("import { Scheduler } from 'rx-background-tasks' runs a one-time task (ESM)", () => {
    const { status, stderr, output } = runScript(
      'check.mjs',
      `import { Scheduler, oneTimeTrigger, periodicTrigger, SchedulerError } from 'rx-background-tasks';
${body}`,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(output).toMatchObject(expected);
    expect(output.events).toEqual(expect.arrayContaining(['started', 'run-started', 'run-succeeded', 'task-removed', 'stopped']));
  });

  it('CJS and ESM builds export the same names', () => {
    const { status, output } = runScript(
      'names.mjs',
      `import { createRequire } from 'node:module';
const esm = Object.keys(await import('rx-background-tasks')).sort();
const cjs = Object.keys(createRequire(import.meta.url)('rx-background-tasks')).filter((k) => k !== '__esModule').sort();
console.log(JSON.stringify({ esm, cjs }));`,
    );
    expect(status).toBe(0);
    expect(output.esm).toEqual(output.cjs);
    expect(output.esm).toEqual(expect.arrayContaining(['Scheduler', 'periodicTrigger', 'eventTrigger', 'oneTimeTrigger', 'SchedulerError']));
  });

  it('keeps the hot path optimized across a full GC between bursts (its object layouts outlive the runs)', () => {
    // V8 keeps an object layout (map) only while an object has it, and throws away optimized code
    // that checks a layout the GC collects ("reason: weak objects"). Between bursts no attempt,
    // queue chunk, attempt extras or execution record need be alive, so the built package must
    // keep one of each (their classes' `layoutAnchor`): before, tree-shaking had dropped the first
    // two, and every full GC after a burst took the dispatch path's optimized code with it. One
    // long-lived scheduler, as in a daemon. (Not covered: tasks with a timeout, whose runs inline
    // Node's own timer code, which loses its layouts the same way.)
    const file = join(project, 'layouts.mjs');
    writeFileSync(
      file,
      `import { Subject } from 'rxjs';
import { Scheduler, eventTrigger } from 'rx-background-tasks';
const scheduler = new Scheduler({ maxRunningTasks: 8 });
const subjects = Array.from({ length: 10 }, () => new Subject());
let started = 0;
const noop = async () => {};
for (let p = 0; p < 10; p++) {
  // Half the tasks retry (their attempts carry extras); events$ is watched (records at each end).
  const retry = p >= 5 ? { retry: { maxRetries: 1 } } : {};
  scheduler.addTask({ name: 'p' + p, priority: p, overlap: 'allow', ...retry, triggers: [eventTrigger(subjects[p])], run: () => { started++; return noop(); } });
}
let ended = 0;
scheduler.events$.subscribe((e) => { if (e.type === 'run-succeeded') ended++; });
scheduler.start();
async function burst(n) {
  for (let i = 0; i < n; i++) subjects[(i * 7) % 10].next(i);
  while (scheduler.runningCount > 0 || scheduler.pendingCount > 0) await new Promise((r) => setImmediate(r));
}
for (let round = 0; round < 4; round++) await burst(20000);
console.log('--- full gc ---');
gc();
gc();
await burst(20000);
await scheduler.stop();
console.log(JSON.stringify({ started, ended }));
`,
    );
    const result = spawnSync(process.execPath, ['--expose-gc', '--trace-opt', '--trace-deopt', file], {
      cwd: project,
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(JSON.parse(lines.filter((l) => l.startsWith('{')).pop() ?? '{}')).toEqual({ started: 100_000, ended: 100_000 });
    // Not vacuous: the dispatch path was optimized before the GC.
    const gcAt = lines.indexOf('--- full gc ---');
    expect(gcAt).toBeGreaterThan(0);
    expect(lines.slice(0, gcAt).some((l) => /completed optimizing .*<JSFunction startRun /.test(l))).toBe(true);
    // Only the script's own closures may lose code to a dead object (its per-burst promises).
    const lost = lines
      .map((l) => /<SharedFunctionInfo ([^>]*)>\) \(opt id \d+\) for deoptimization, reason: weak objects/.exec(l)?.[1])
      .filter((name): name is string => name !== undefined && !['burst', 'run'].includes(name));
    expect(lost).toEqual([]);
  }, 90_000);

  describe.runIf(existsSync(join(root, 'operators', 'index.ts')))('rx-background-tasks/operators', () => {
    it('resolves through the exports map in CJS and ESM', () => {
      expect(existsSync(join(dist, 'operators', 'index.js')), 'dist/operators/index.js').toBe(true);
      const { status, stderr, output } = runScript(
        'operators.mjs',
        `import { createRequire } from 'node:module';
import * as esm from 'rx-background-tasks/operators';
const cjs = createRequire(import.meta.url)('rx-background-tasks/operators');
console.log(JSON.stringify({
  esm: Object.keys(esm).sort(),
  cjs: Object.keys(cjs).filter((k) => k !== '__esModule').sort(),
  types: [typeof esm.priorityMergeMap, typeof cjs.priorityMergeMap],
}));`,
      );
      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect(output.esm).toEqual(output.cjs);
      expect(output.types).toEqual(['function', 'function']);
    });

    it('priorityMergeMap from the built package starts waiting inners by priority (CJS)', () => {
      const { status, stderr, output } = runScript(
        'operators.cjs',
        `const { of, timer, map, lastValueFrom, toArray } = require('rxjs');
const { priorityMergeMap } = require('rx-background-tasks/operators');
// One at a time: 1 starts at once, 2 and 3 wait; the higher n is more urgent (lower priority number).
lastValueFrom(of(1, 2, 3).pipe(priorityMergeMap((n) => timer(10).pipe(map(() => n * 10)), 1, (n) => -n), toArray()))
  .then((values) => console.log(JSON.stringify({ values })), (err) => { console.error(err); process.exit(1); });`,
      );
      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect(output.values).toEqual([10, 30, 20]);
    });
  });
});
