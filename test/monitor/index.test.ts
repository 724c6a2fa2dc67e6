import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as monitor from '../../src/monitor';

describe('src/monitor barrel', () => {
  it('exports every building block', () => {
    for (const name of [
      'Distribution',
      'EMPTY_DISTRIBUTION',
      'RateMeter',
      'TaskStats',
      'TASK_DISTRIBUTION_OPTIONS',
      'taskState',
      'NodeResourceSampler',
      'exceededLimits',
      'validateResourceLimits',
      'CpuTracker',
      'renderTimeline',
      'TIMELINE_COLORS',
      'renderStatusTable',
      'createOtelInstrumentation',
      'loadOtel',
    ]) {
      expect(monitor, name).toHaveProperty(name);
    }
  });

  it('never imports @opentelemetry/api statically (the optional peer dependency stays optional)', () => {
    const dir = join(__dirname, '../../src/monitor');
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThanOrEqual(8);
    for (const file of sources) {
      // Comments may mention the package (TSDoc examples); only code counts.
      const code = readFileSync(join(dir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/^\s*import\s[^;]*from\s+['"]@opentelemetry/m);
      expect(code, file).not.toMatch(/require\(\s*['"]@opentelemetry/);
      const dynamic = code.match(/import\(\s*['"]@opentelemetry\/[^'"]+['"]\s*\)/g) ?? [];
      expect(dynamic.length, file).toBe(file === 'otel.ts' ? 1 : 0);
    }
  });
});
