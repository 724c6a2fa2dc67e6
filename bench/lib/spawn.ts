// Runs one scenario in its own child process and reads the JSON line it prints.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Params } from './child';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ChildResult {
  ok: boolean;
  result?: Record<string, unknown>;
  error?: string;
  wallMs: number;
}

export interface ChildOptions {
  /** Extra node flags, e.g. --max-old-space-size. */
  nodeFlags?: string[];
  timeoutMs?: number;
  /**
   * Runs the child under `nice -n <nice>` (Linux and macOS, when `nice` is installed; otherwise
   * ignored). Through `nice`, every thread of the child — V8's GC and compiler threads too —
   * starts at that niceness, which `os.setPriority` on the pid (the main thread only) would not do.
   */
  nice?: number;
  /**
   * Runs the child under `taskset -c <cpus>` (Linux, when `taskset` is installed; otherwise
   * ignored): every thread of the child, GC and compiler threads included, stays on those CPUs.
   */
  cpus?: string;
}

const NICE = ['/usr/bin/nice', '/bin/nice'].find((p) => existsSync(p));
const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));

/** Whether {@link ChildOptions.nice} takes effect on this machine. */
export const canNice = NICE !== undefined;

/** Whether {@link ChildOptions.cpus} takes effect on this machine. */
export const canPin = TASKSET !== undefined;

/** The command that starts `node ...args` with the niceness and CPUs of `options`. */
function command(args: string[], options: ChildOptions): [string, string[]] {
  let argv = [process.execPath, ...args];
  if (options.nice !== undefined && NICE !== undefined) argv = [NICE, '-n', String(options.nice), ...argv];
  if (options.cpus !== undefined && TASKSET !== undefined) argv = [TASKSET, '-c', options.cpus, ...argv];
  return [argv[0] as string, argv.slice(1)];
}

/** Runs `node --expose-gc [nodeFlags] ...launch params-json` (launch: the script, e.g. from a Launcher). */
export function runChild(launch: string[], params: Params, options: ChildOptions = {}): Promise<ChildResult> {
  const args = ['--expose-gc', ...(options.nodeFlags ?? []), ...launch, JSON.stringify(params)];
  const started = performance.now();
  return new Promise((resolve) => {
    const [file, argv] = command(args, options);
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(BENCH_DIR, '..') });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const line = stdout.trim().split('\n').filter(Boolean).pop();
      if (code === 0 && line) {
        try {
          resolve({ ok: true, result: JSON.parse(line) as Record<string, unknown>, wallMs });
          return;
        } catch {
          /* fall through */
        }
      }
      const why = timedOut ? `timed out after ${timeoutMs} ms` : `exit ${code ?? signal}`;
      const tail = (stderr || stdout).trim().split('\n').slice(-8).join('\n');
      resolve({ ok: false, error: `${why}${tail ? `: ${tail}` : ''}`, wallMs });
    });
  });
}
