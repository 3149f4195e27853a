import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * Issue 15: the README's commands, run as a reader runs them (through pnpm, in a shell),
 * can be redirected to files (no pnpm banner in the output), and the walk-through of
 * "Checking your own BYOK fees" prints the verdict the README quotes.
 */
const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'byok-readme-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasPnpm = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs a command line of the README in a shell at the repository's root; its standard output. */
function sh(line: string): string {
  return execFileSync('sh', ['-c', line], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.runIf(hasPnpm || process.env.CI !== undefined)('the README commands, through pnpm', () => {
  it('pnpm -s byok … > FILE writes only the command\'s output', () => {
    // catches: pnpm's "> byok-billing@… byok" banner, or a build's messages, in the file.
    const out = join(dir, 'bill.json');
    sh(`pnpm -s byok bill scenarios/04-rollout/requests.csv --format json > ${out}`);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('{\n  "policy"')).toBe(true);
    expect(JSON.parse(text).input.rows).toBeGreaterThan(0);
  });

  it('the walk-through of scenario 16 prints the verdict the README quotes', () => {
    const quoted = /\n> (The recorded charges do not match the policy\.[^]*?)\n\n/.exec(README)?.[1];
    expect(quoted, 'the README quotes a verdict').toBeDefined();
    const log = join(dir, 'november.csv');
    sh(`pnpm -s byok import generations scenarios/16-checking-byok-fees/records.jsonl --org acme --out ${log}`);
    let verdict: string;
    try {
      verdict = sh(`pnpm -s byok audit ${log} --per-request --policy scenarios/16-checking-byok-fees/policy.json --format table`);
    } catch (error) {
      // Exit 1: the audit found discrepancies, which is what the walk-through shows.
      const failed = error as { status: number; stdout: string };
      expect(failed.status).toBe(1);
      verdict = failed.stdout;
    }
    const words = (text: string) => text.replace(/^> /gm, '').replace(/\s+/g, ' ').trim();
    expect(words(verdict)).toContain(words(quoted!));
  });

  it('the pricing language\'s example is scenario 20\'s policy, and its command prints the bill the README quotes', () => {
    // catches: a README example that drifted from the document it claims to be, or a bill
    // quoted from an engine that no longer gives it.
    const section = README.slice(README.indexOf('## The pricing language'), README.indexOf('## Scenarios'));
    const [json, command, output, explain, explained] = [...section.matchAll(/```(?:json|sh)?\n([^]*?)```/g)].map((m) => m[1]!);
    const policy = JSON.parse(readFileSync(join(ROOT, 'scenarios/20-fees-by-provider-and-model/policy.json'), 'utf8'));
    expect(JSON.parse(json!)).toEqual({ parameters: { fees: policy.parameters.fees }, rules: { schedule: policy.rules.schedule } });
    expect(sh(command!)).toBe(output);
    // The explanation's quoted lines are lines of what explain prints (the variable S from the first command).
    const variable = command!.split('\n')[0]!;
    const printed = sh(`${variable}\n${explain!}`).split('\n');
    for (const line of explained!.trimEnd().split('\n')) expect(printed).toContain(line);
  });
});
