import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '@byok-billing/cli';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/readmeExample.js';
import { byok } from './support/runByok.js';

/*
 * Golden replays: every scenario in scenarios/ is billed as its scenario.json says and
 * must give exactly its expected-<command>.json. A scenario whose log is too large to commit
 * names a `byok generate` command; the log is generated (once, cached under the
 * scenario's .generated/ folder, which git ignores) from the committed seed. A scenario whose
 * input is a gateway's own records names a `byok import` step: it runs first, every time (it
 * is quick, and the records are committed), and writes the log the command then reads.
 */
interface ScenarioSpec {
  readonly command: 'bill' | 'audit' | 'whatif' | 'adjust';
  readonly logs: readonly string[];
  readonly args: readonly string[];
  readonly generate?: { readonly out: string; readonly args: readonly string[] };
  /** `byok import <args...> --out <out>`, run before the command (e.g. generation records → log.csv). */
  readonly import?: { readonly out: string; readonly args: readonly string[] };
  /** For audits: 0 when the invoice matches, 1 when it does not; for adjustments: 0 when nothing to adjust, 1 when notes were written. */
  readonly expectedExitCode?: number;
}

const SCENARIOS = join(REPO_ROOT, 'scenarios');

const scenarioDirs = readdirSync(SCENARIOS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(SCENARIOS, d.name, 'scenario.json')))
  .map((d) => d.name)
  .sort();

describe('scenarios', () => {
  const expectedFile = (dir: string) => `expected-${(JSON.parse(readFileSync(join(SCENARIOS, dir, 'scenario.json'), 'utf8')) as ScenarioSpec).command}.json`;

  it('there are at least eight bill scenarios, six audit scenarios and one adjustment scenario, each with a README and its expected output', () => {
    expect(scenarioDirs.filter((d) => expectedFile(d) === 'expected-bill.json').length).toBeGreaterThanOrEqual(8);
    expect(scenarioDirs.filter((d) => expectedFile(d) === 'expected-audit.json').length).toBeGreaterThanOrEqual(6);
    expect(scenarioDirs.filter((d) => expectedFile(d) === 'expected-adjust.json').length).toBeGreaterThanOrEqual(1);
    for (const dir of scenarioDirs) {
      expect(existsSync(join(SCENARIOS, dir, 'README.md')), dir).toBe(true);
      expect(existsSync(join(SCENARIOS, dir, expectedFile(dir))), dir).toBe(true);
    }
  });

  for (const dir of scenarioDirs) {
    it(`${dir} bills exactly as expected`, async () => {
      const root = join(SCENARIOS, dir);
      const spec = JSON.parse(readFileSync(join(root, 'scenario.json'), 'utf8')) as ScenarioSpec;
      const resolve = (arg: string) => (existsSync(join(root, arg)) || arg.startsWith('.generated/') ? join(root, arg) : arg);
      // Paths in outputs (finding sources) are shown relative to the scenario folder.
      const relative = (text: string) => text.split(`${root}/`).join('');
      if (spec.generate) {
        const out = join(root, spec.generate.out);
        if (!existsSync(out)) {
          mkdirSync(join(root, '.generated'), { recursive: true });
          const generated = await byok(['generate', ...spec.generate.args, '--out', out]);
          expect(generated.code, generated.stderr).toBe(0);
        }
      }
      if (spec.import) {
        mkdirSync(join(root, '.generated'), { recursive: true });
        const imported = await byok(['import', ...spec.import.args.map(resolve), '--out', join(root, spec.import.out), '--quiet']);
        expect(imported.code, imported.stderr).toBe(0);
      }
      const result = await byok([
        spec.command,
        ...spec.logs.map(resolve),
        ...spec.args.map(resolve),
        '--format',
        'json',
        '--quiet',
      ]);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.code, result.stderr).toBe(spec.expectedExitCode ?? 0);
      const expected = JSON.parse(readFileSync(join(root, expectedFile(dir)), 'utf8'));
      expect(JSON.parse(relative(result.stdout))).toEqual(expected);
    }, 300_000);
  }
});

describe('byok explain on the crossing scenario', () => {
  it('names the 1,000,001st BYOK request of scenario 02 as the first billable request', async () => {
    const root = join(SCENARIOS, '02-org-crosses-allowance');
    const spec = JSON.parse(readFileSync(join(root, 'scenario.json'), 'utf8')) as ScenarioSpec;
    const log = join(root, spec.generate!.out);
    if (!existsSync(log)) {
      mkdirSync(join(root, '.generated'), { recursive: true });
      expect((await byok(['generate', ...spec.generate!.args, '--out', log])).code).toBe(0);
    }
    const request = await byok(['explain', log, '--request', 'req-yw20-0000lflt', '-q']);
    expect(request.code, request.stderr).toBe(0);
    expect(request.stdout).toContain('billable: it is the 1,000,001st BYOK request of org:acme in 2025-10, past the allowance of 1,000,000 (the first billable request of the period: the allowance ran out here)');
    const line = await byok(['explain', log, '--scope', 'org:acme', '--period', '2025-10', '--format', 'json', '-q']);
    expect(JSON.parse(line.stdout)).toMatchObject({
      firstBillableRequest: { requestId: 'req-yw20-0000lflt', instantUtc: '2025-10-16T15:08:54.485Z' },
      requests: { byok: 2_000_000, free: 1_000_000, billable: 1_000_000 },
      feeUsd: '428.114956487',
    });
  }, 300_000);
});
