import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/readmeExample.js';
import { byok } from './support/runByok.js';

/*
 * Every bill scenario of scenarios/ through `byok bill --engine duckdb`: the SQL engine
 * must give each expected-bill.json exactly, as the default engine does (scenarios.test.ts).
 * A generated log (scenario 02: 2,000,000 rows) is generated once into the scenario's
 * .generated/ folder, shared with scenarios.test.ts.
 */
interface ScenarioSpec {
  readonly command: string;
  readonly logs: readonly string[];
  readonly args: readonly string[];
  readonly generate?: { readonly out: string; readonly args: readonly string[] };
}

const SCENARIOS = join(REPO_ROOT, 'scenarios');

const billScenarios = readdirSync(SCENARIOS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(SCENARIOS, d.name, 'scenario.json')))
  .map((d) => ({ dir: d.name, spec: JSON.parse(readFileSync(join(SCENARIOS, d.name, 'scenario.json'), 'utf8')) as ScenarioSpec }))
  .filter(({ spec }) => spec.command === 'bill')
  .sort((a, b) => (a.dir < b.dir ? -1 : 1));

describe('scenarios billed by --engine duckdb', () => {
  it('covers every bill scenario', () => {
    expect(billScenarios.length).toBeGreaterThanOrEqual(8);
  });

  for (const { dir, spec } of billScenarios) {
    it(`${dir} bills exactly as expected`, async () => {
      const root = join(SCENARIOS, dir);
      const resolve = (arg: string) => (existsSync(join(root, arg)) || arg.startsWith('.generated/') ? join(root, arg) : arg);
      if (spec.generate) {
        const out = join(root, spec.generate.out);
        if (!existsSync(out)) {
          mkdirSync(join(root, '.generated'), { recursive: true });
          const generated = await byok(['generate', ...spec.generate.args, '--out', out]);
          expect(generated.code, generated.stderr).toBe(0);
        }
      }
      const result = await byok(['bill', ...spec.logs.map(resolve), ...spec.args.map(resolve), '--engine', 'duckdb', '--format', 'json', '--quiet']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(JSON.parse(readFileSync(join(root, 'expected-bill.json'), 'utf8')));
    }, 300_000);
  }
});
