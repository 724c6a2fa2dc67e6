// The benchmark suite: rx-background-tasks against its peers, side by side, in one run.
//
//   npm run bench                     full suite (5 repetitions), writes bench/results/latest.{json,md}
//   npm run bench:smoke               one repetition, small N; exits non-zero if a scenario crashes
//   npm run bench -- --only dispatch  one scenario (or table id, e.g. timers-cron), results not saved as latest
//   options: --reps N, --serial (one child at a time), --no-pin (CPU lane not pinned to a CPU),
//            --tsx (children through tsx, not bundled),
//            --render [file.json] (no measuring: rebuild the tables, targets and latest.md from a results file)
//
// Every measurement runs in its own child process (fresh heap and JIT; each child warms up
// in-process on a smaller run of the same code before it measures). Repetitions are interleaved
// (rep 1 of every case, then rep 2, …) so that a noisy spell on the machine hits every
// implementation alike; each cell of the tables is the median over repetitions with its min–max.
//
// Each repetition starts with the few short cases the dispatch target compares (ours and the
// limit), alone on the machine; then two lanes run side by side: the timer scenarios (mostly
// idle, waiting on timers) and the CPU-bound ones, one child each, so the suite fits in 5 minutes
// on 2 cores. The CPU-bound children run at nice 10 and pinned to the last CPU (all their threads,
// GC helpers too), so that a timer child gets a core as soon as it wakes, whatever its neighbour
// in the CPU lane is doing: without the pinning a neighbour's parallel GC took both cores, and
// which neighbour a timer case met decided its tail. --no-pin leaves the CPU lane unpinned.
// In the timer lane each table's implementations rotate through its places from one repetition
// to the next (rotateWithinGroups), so that none meets the same neighbour in every repetition.
// --serial runs one
// child at a time (cleaner timer figures on a busy machine, about twice as long).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareLauncher, type Launcher } from './lib/build';
import type { Params } from './lib/child';
import { describeMachine, machineLine } from './lib/machine';
import os from 'node:os';
import { BENCH_DIR, canNice, canPin, runChild, type ChildOptions } from './lib/spawn';
import { summarize, type Summary } from './lib/stats';
import { fmt, fmtRatio, renderMarkdown, renderText, type Table } from './lib/table';
import { evaluateTargets, type TargetResult } from './lib/targets';
import { GROUPS, buildCases, rotateWithinGroups, type Case } from './lib/cases';

/** Niceness of the CPU-bound lane's children when the lanes run side by side. */
const CPU_LANE_NICE = 10;

interface Options {
  smoke: boolean;
  only: string | undefined;
  reps: number;
  serial: boolean;
  tsx: boolean;
  pin: boolean;
  render: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { smoke: false, only: undefined, reps: 5, serial: false, tsx: false, pin: true, render: undefined };
  let repsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--smoke') o.smoke = true;
    else if (a === '--serial') o.serial = true;
    else if (a === '--tsx') o.tsx = true;
    else if (a === '--no-pin') o.pin = false;
    else if (a === '--only') o.only = argv[++i];
    else if (a === '--render') o.render = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : path.join(BENCH_DIR, 'results', 'latest.json');
    else if (a.startsWith('--only=')) o.only = a.slice(7);
    else if (a === '--reps') {
      o.reps = Number(argv[++i]);
      repsGiven = true;
    } else if (a.startsWith('--reps=')) {
      o.reps = Number(a.slice(7));
      repsGiven = true;
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.smoke && !repsGiven) o.reps = 1;
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps must be a positive integer');
  return o;
}

export interface CaseResult {
  case: Case;
  reps: Record<string, unknown>[];
  errors: string[];
  summary: Record<string, Summary>;
}

/** Runs repetition `rep` of every case in `cases`, one after another. */
async function runRep(
  cases: Case[],
  rep: number,
  reps: number,
  launcher: Launcher,
  smoke: boolean,
  results: Map<string, CaseResult>,
  t0: number,
  placement: Pick<ChildOptions, 'nice' | 'cpus'> = {},
): Promise<void> {
  for (const c of cases) {
    const r = results.get(c.id) as CaseResult;
    const child = await runChild(launcher.args(c.scenario), c.params, {
      nodeFlags: c.nodeFlags,
      timeoutMs: smoke ? 60_000 : 180_000,
      ...placement,
    });
    const elapsed = ((performance.now() - t0) / 1000).toFixed(0).padStart(4);
    if (child.ok && child.result) {
      r.reps.push({ ...child.result, childWallMs: child.wallMs });
      process.stdout.write(`[${elapsed} s] ${c.id} rep ${rep + 1}/${reps}  (${(child.wallMs / 1000).toFixed(1)} s)\n`);
    } else {
      r.errors.push(child.error ?? 'unknown error');
      process.stdout.write(`[${elapsed} s] ${c.id} rep ${rep + 1}/${reps}  FAILED: ${child.error}\n`);
    }
  }
}

function summarizeCase(r: CaseResult): void {
  const metrics = new Set<string>();
  for (const rep of r.reps) for (const [k, v] of Object.entries(rep)) if (typeof v === 'number') metrics.add(k);
  for (const m of metrics) r.summary[m] = summarize(r.reps.map((rep) => rep[m] as number));
}

function cell(s: Summary | undefined, reps: number): string {
  if (!s || s.n === 0) return '–';
  if (reps === 1 || s.n === 1) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

function buildTables(results: Map<string, CaseResult>, reps: number): Table[] {
  const tables: Table[] = [];
  for (const g of GROUPS) {
    const rows = [...results.values()].filter((r) => r.case.group === g.id);
    if (rows.length === 0) continue;
    const header = [g.rowTitle ?? 'implementation', ...g.columns.map((c) => c.title)];
    if (g.ratio) header.push(g.ratio.title);
    const body = rows.map((r) => {
      const cells = [r.case.label, ...g.columns.map((c) => cell(r.summary[c.metric], reps))];
      if (g.ratio) {
        const ref = g.ratio.reference(r.case, rows.map((x) => x.case));
        const refResult = ref ? results.get(ref.id) : undefined;
        const a = r.summary[g.ratio.metric]?.median;
        const b = refResult?.summary[g.ratio.metric]?.median;
        cells.push(a !== undefined && b !== undefined && b !== 0 ? fmtRatio(a / b) : '–');
      }
      if (r.errors.length) cells[0] += ` (${r.errors.length} failed)`;
      return cells;
    });
    tables.push({ title: g.title(rows[0].case.params), note: g.note, header, rows: body });
  }
  return tables;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.render) return render(opts.render);
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  let cases = buildCases(opts.smoke);
  if (opts.only) {
    const only = opts.only;
    cases = cases.filter((c) => c.scenario === only || c.group === only || c.id === only);
    if (cases.length === 0) throw new Error(`--only ${only}: no such scenario, table or case`);
  }
  const launcher = await prepareLauncher([...new Set(cases.map((c) => c.scenario))], opts.tsx);
  const parallel = !opts.serial;
  // The CPU lane's placement beside the timer lane: niced, and on the last CPU when there are two or more.
  const cpuCount = os.availableParallelism();
  const cpuLane: Pick<ChildOptions, 'nice' | 'cpus'> = {
    nice: canNice ? CPU_LANE_NICE : undefined,
    cpus: opts.pin && canPin && cpuCount >= 2 ? String(cpuCount - 1) : undefined,
  };
  console.log(
    `rx-background-tasks bench — ${opts.smoke ? 'SMOKE' : 'full'}, ${opts.reps} repetition(s), ${cases.length} cases, ` +
      `${parallel ? 'timer and CPU lanes side by side' : 'serial'}\n${machineLine(machine)}\nchildren: ${launcher.describe}\n`,
  );

  const results = new Map<string, CaseResult>();
  for (const c of cases) results.set(c.id, { case: c, reps: [], errors: [], summary: {} });
  const quiet = cases.filter((c) => c.lane === 'quiet');
  const timing = cases.filter((c) => c.lane === 'timing');
  const cpu = cases.filter((c) => c.lane === 'cpu');
  for (let rep = 0; rep < opts.reps; rep++) {
    // The quiet cases first, alone; then the two lanes side by side (or everything in turn).
    await runRep(quiet, rep, opts.reps, launcher, opts.smoke, results, t0);
    if (parallel) {
      // The CPU-bound lane runs niced and pinned: when a timer child wakes it finds a core free,
      // rather than waiting for the scheduler to preempt a busy neighbour (or its GC threads).
      await Promise.all([
        runRep(rotateWithinGroups(timing, rep), rep, opts.reps, launcher, opts.smoke, results, t0),
        runRep(cpu, rep, opts.reps, launcher, opts.smoke, results, t0, cpuLane),
      ]);
    } else {
      await runRep([...timing, ...cpu], rep, opts.reps, launcher, opts.smoke, results, t0);
    }
  }
  machine.loadAvgEnd = describeMachine().loadAvgStart;
  for (const r of results.values()) summarizeCase(r);

  const tables = buildTables(results, opts.reps);
  // With --only, the targets of the scenarios not run are left out rather than listed as not measured.
  const targets = evaluateTargets(results).filter((t) => !opts.only || t.value !== 'not measured');
  const wallSeconds = (performance.now() - t0) / 1000;

  console.log('');
  for (const t of tables) console.log(renderText(t) + '\n');
  console.log(`Targets (issue 3; on medians${opts.smoke ? '; SMOKE run — small N, one repetition: not meaningful' : ''}):`);
  for (const t of targets) console.log(`  ${targetLine(t)}`);
  const failed = [...results.values()].filter((r) => r.errors.length > 0);
  console.log(`\n${(wallSeconds).toFixed(0)} s wall; ${failed.length ? `${failed.length} case(s) crashed` : 'no crash'}`);

  const resultsDir = path.join(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const json = {
    mode: opts.smoke ? 'smoke' : 'full',
    only: opts.only ?? null,
    startedAt,
    wallSeconds,
    repetitions: opts.reps,
    lanes: parallel ? 'parallel' : 'serial',
    cpuLaneNice: parallel ? (cpuLane.nice ?? 0) : 0,
    cpuLaneCpus: parallel ? (cpuLane.cpus ?? null) : null,
    timerLaneRotated: parallel,
    launcher: launcher.describe,
    code: codeVersion(),
    machine,
    cases: [...results.values()].map((r) => ({ id: r.case.id, group: r.case.group, scenario: r.case.scenario, label: r.case.label, params: r.case.params, summary: r.summary, reps: r.reps, errors: r.errors })),
    tables,
    targets,
  };
  const base = opts.smoke ? 'smoke.tmp' : opts.only ? 'partial.tmp' : 'latest';
  writeFileSync(path.join(resultsDir, `${base}.json`), JSON.stringify(json, null, 2) + '\n');
  if (base === 'latest') writeFileSync(path.join(resultsDir, 'latest.md'), markdown(tables, targets, json));
  console.log(`wrote bench/results/${base}.json${base === 'latest' ? ' and bench/results/latest.md' : ''}`);
  if (failed.length) process.exitCode = 1;
}

/** The commit measured, and whether src/ or operators/ had uncommitted changes. */
function codeVersion(): { commit: string; srcDirty: boolean } | null {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: path.resolve(BENCH_DIR, '..'), encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), srcDirty: git('status', '--porcelain', '--', 'src', 'operators') !== '' };
  } catch {
    return null;
  }
}

/** Rebuilds tables, targets and (for a full run) latest.md from a results file, without measuring. */
function render(file: string): void {
  type Saved = { mode: string; only: string | null; repetitions: number; cases: (Omit<Case, 'lane' | 'nodeFlags'> & { reps: Record<string, unknown>[]; errors: string[] })[] } & Parameters<typeof markdown>[2];
  const json = JSON.parse(readFileSync(file, 'utf8')) as Saved & { tables: Table[]; targets: TargetResult[] };
  const results = new Map<string, CaseResult>();
  for (const c of json.cases) {
    const r: CaseResult = { case: { id: c.id, group: c.group, scenario: c.scenario, label: c.label, params: c.params, lane: 'cpu' }, reps: c.reps, errors: c.errors, summary: {} };
    summarizeCase(r);
    results.set(c.id, r);
  }
  json.tables = buildTables(results, json.repetitions);
  json.targets = evaluateTargets(results).filter((t) => !json.only || t.value !== 'not measured');
  for (const t of json.tables) console.log(renderText(t) + '\n');
  for (const t of json.targets) console.log(`  ${targetLine(t)}`);
  writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
  if (json.mode === 'full' && !json.only) writeFileSync(path.join(path.dirname(file), 'latest.md'), markdown(json.tables, json.targets, json));
  console.log(`re-rendered ${path.relative(process.cwd(), file)}`);
}

function targetLine(t: TargetResult): string {
  const verdict = t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'MISS';
  return `${verdict}  ${t.name}: ${t.value}${t.detail ? `  (${t.detail})` : ''}`;
}

function markdown(
  tables: Table[],
  targets: TargetResult[],
  json: { machine: ReturnType<typeof describeMachine>; startedAt: string; wallSeconds: number; repetitions: number; lanes: string; cpuLaneNice?: number; cpuLaneCpus?: string | null; timerLaneRotated?: boolean; launcher: string; code?: ReturnType<typeof codeVersion> },
): string {
  const code = json.code ? ` Code: commit ${json.code.commit}${json.code.srcDirty ? ' with uncommitted changes in src/' : ''}.` : '';
  const out = [
    '<!-- generated by `npm run bench` (bench/run.ts); do not edit by hand -->',
    '## Performance',
    '',
    `Measured ${json.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${machineLine(json.machine)}.`,
    '',
    `Each cell is the median of ${json.repetitions} repetitions, each in a fresh child process after an in-process warm-up, ` +
      `with the min–max over repetitions in parentheses; ratios compare medians. Children: ${json.launcher}; ` +
      `${json.lanes === 'parallel' ? `each repetition began with ours and the limit of the dispatch table alone; then the timer scenarios and the other CPU-bound ones ran side by side, one child each${cpuLaneNote(json)}${json.timerLaneRotated ? '; in the timer lane the implementations of a table took turns at its places, one place on per repetition' : ''}` : 'one child at a time'}. ` +
      `Whole suite: ${json.wallSeconds.toFixed(0)} s.${code}`,
    '',
    ...tables.flatMap((t) => [renderMarkdown(t), '']),
    '### Targets (issue 3)',
    '',
    ...targets.map((t) => `- ${targetLine(t).replace(/^(PASS|MISS|N\/A) +/, (m) => `**${m.trim()}** `)}`),
    '',
  ];
  return out.join('\n');
}

/** How the CPU-bound lane was placed beside the timer lane, for the table's note. */
function cpuLaneNote(json: { cpuLaneNice?: number; cpuLaneCpus?: string | null }): string {
  const parts = [json.cpuLaneNice ? `at nice ${json.cpuLaneNice}` : '', json.cpuLaneCpus != null ? `pinned to CPU ${json.cpuLaneCpus} (taskset), every thread` : ''].filter(Boolean);
  return parts.length ? ` (the CPU-bound ones ${parts.join(', ')})` : '';
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
