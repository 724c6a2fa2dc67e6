// Bundles each scenario (with src/, which is what users get from the tsup build) into one .mjs
// file with esbuild, packages left external, so a child starts in ~0.3 s instead of ~1 s
// through tsx — with ~100 children that is over a minute of the suite's budget. The output goes
// under node_modules/.cache (ignored by git) so the external packages resolve as usual.
import path from 'node:path';
import { BENCH_DIR } from './spawn';

export interface Launcher {
  /** How children are started, for the report. */
  describe: string;
  /** node arguments that run `scenario` (before the params argument). */
  args(scenario: string): string[];
}

const scenarioDir = path.join(BENCH_DIR, 'scenarios');

export const tsxLauncher: Launcher = {
  describe: 'node --expose-gc --import tsx bench/scenarios/<name>.ts',
  args: (scenario) => ['--import', 'tsx', path.join(scenarioDir, `${scenario}.ts`)],
};

/** Bundles the given scenarios; falls back to tsx when esbuild is not available. */
export async function prepareLauncher(scenarios: string[], useTsx: boolean): Promise<Launcher> {
  if (useTsx) return tsxLauncher;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return tsxLauncher;
  }
  const outdir = path.resolve(BENCH_DIR, '..', 'node_modules', '.cache', 'rx-bench');
  await esbuild.build({
    entryPoints: scenarios.map((s) => path.join(scenarioDir, `${s}.ts`)),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  return {
    describe: 'node --expose-gc <scenario bundled by esbuild, node_modules external>',
    args: (scenario) => [path.join(outdir, `${scenario}.mjs`)],
  };
}
