import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPolicyDocument } from '@byok-billing/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByok, startByok } from './support/byokBin.js';
import { describePostgres, dropTables, uniquePrefix } from './support/postgresTarget.js';
import { expectConsistent, readPostgres, readSqlite } from './support/storedRows.js';

/*
 * Crash safety: `byok meter` is killed with SIGKILL (no chance to clean up) while it
 * records a 200,000-row log, then run again on the same log and store. The bill must be
 * exactly `byok bill`'s: a request committed before the kill is not counted again, and
 * one that was not committed is recorded by the re-run. Catches: answers given before
 * the commit, a batch half-written, a counter and its decisions in separate transactions.
 * The allowance is cut to 25 requests a month, so a counter out of step with its
 * decisions changes free and billable counts and fees, not only ordinals. The same runs
 * under a policy in the pricing language (issue 16: tiers in list-usd and a fee cap) show
 * that a counter's fee state is committed with its decisions too: one lost or doubled by
 * the kill would move later requests to another tier or cap remainder.
 */
const ROWS = 200_000;
const KILL_AFTER = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'byok-crash-'));
const log = join(dir, 'requests.csv');
type PolicyName = 'shorthand' | 'pricing language';
const policies: Record<PolicyName, string> = { shorthand: join(dir, 'policy.json'), 'pricing language': join(dir, 'fee-policy.json') };
type ExpectedBill = { input: { accepted: number }; lines: { feeUsd: string }[] };
const expectedBills = new Map<PolicyName, ExpectedBill>();

beforeAll(async () => {
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  doc.parameters.allowance = 25;
  writeFileSync(policies.shorthand, JSON.stringify(doc));
  const { allowance: _allowance, feeRate: _feeRate, ...rest } = doc.parameters;
  const fees = { unit: 'list-usd', schedules: { standard: [{ upTo: '1', rate: '0' }, { upTo: '5', rate: '0.05' }, { rate: '0.03' }] }, capUsd: '0.5' };
  writeFileSync(policies['pricing language'], JSON.stringify({ ...doc, parameters: { ...rest, fees }, versions: doc.versions.map(({ parameters: _p, ...v }: { parameters?: unknown }) => v) }));
  const generated = await runByok(['generate', '--rows', String(ROWS), '--seed', '5', '--out', log]);
  expect(generated.code, generated.stderr).toBe(0);
  for (const [name, policy] of Object.entries(policies) as [PolicyName, string][]) {
    const bill = await runByok(['bill', log, '--policy', policy, '-q', '--format', 'json']);
    expect(bill.code, bill.stderr).toBe(0);
    expectedBills.set(name, JSON.parse(bill.stdout));
  }
  // The pricing-language bill reaches the tiers and the cap in some lines and not in others.
  const lineFees = expectedBills.get('pricing language')!.lines.map((l) => l.feeUsd);
  expect(lineFees).toContain('0.5');
  expect(lineFees.some((f) => f !== '0' && f !== '0.5')).toBe(true);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a meter run and SIGKILLs it once `stored()` reports at least KILL_AFTER decisions. */
async function killMidRun(args: readonly string[], policy: string, stored: () => Promise<number>): Promise<number> {
  const { child, done } = startByok(['meter', ...args, '--policy', policy, '-q', '--format', 'json', log]);
  for (;;) {
    const n = await stored().catch(() => 0); // the tables may not exist yet
    if (n >= KILL_AFTER) {
      child.kill('SIGKILL');
      break;
    }
    if (child.exitCode !== null) throw new Error(`the run ended before it could be killed: ${(await done).stderr}`);
    await sleep(10);
  }
  const killed = await done;
  expect(killed.signal).toBe('SIGKILL');
  const n = await stored();
  // Killed mid-run: some recorded, not all.
  expect(n).toBeGreaterThanOrEqual(KILL_AFTER);
  expect(n).toBeLessThan(ROWS);
  return n;
}

/** Runs the meter again after `killedWith` decisions were stored: the bill is byok bill's, and the rest is recorded now. */
async function rerunAndCompare(args: readonly string[], name: PolicyName, killedWith: number): Promise<void> {
  const expected = expectedBills.get(name)!;
  const rerun = await runByok(['meter', ...args, '--policy', policies[name], '-q', '--format', 'json', log]);
  expect(rerun.code, rerun.stderr).toBe(0);
  const { store, ...bill } = JSON.parse(rerun.stdout);
  expect(bill).toEqual(expected);
  expect(store).toEqual({ decisions: expected.input.accepted, recordedByThisRun: expected.input.accepted - killedWith });
}

describe.each(['shorthand', 'pricing language'] as const)('crash safety, SQLite, %s policy', (name) => {
  it('killed with SIGKILL mid-run, then run again: the bill is exactly byok bill', async () => {
    const path = join(dir, `meter-${name.replace(' ', '-')}.db`);
    const stored = async () => {
      if (!existsSync(path)) return 0;
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        return db.prepare<[], number>('SELECT count(*) FROM decisions').pluck().get() ?? 0;
      } finally {
        db.close();
      }
    };
    const killedWith = await killMidRun(['--store', `sqlite:${path}`], policies[name], stored);
    await rerunAndCompare(['--store', `sqlite:${path}`], name, killedWith);
    const data = readSqlite(path);
    expect(data.rows.length).toBe(expectedBills.get(name)!.input.accepted);
    expectConsistent(data);
  }, 180_000);
});

describePostgres('crash safety, PostgreSQL', (url) => describe.each(['shorthand', 'pricing language'] as const)('%s policy', (name) => {
  const prefix = uniquePrefix(name === 'shorthand' ? 'crash' : 'crashfee');
  const client = new pg.Client({ connectionString: url });
  beforeAll(() => client.connect());
  afterAll(async () => {
    await client.end();
    await dropTables(url, prefix);
  });

  it('killed with SIGKILL mid-run, then run again: the bill is exactly byok bill', async () => {
    const stored = async () => Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${prefix}decisions`)).rows[0]!.n);
    const args = ['--store', `postgres:${url}`, '--table-prefix', prefix];
    const killedWith = await killMidRun(args, policies[name], stored);
    await rerunAndCompare(args, name, killedWith);
    const data = await readPostgres(url, prefix);
    expect(data.rows.length).toBe(expectedBills.get(name)!.input.accepted);
    expectConsistent(data);
  }, 240_000);
}));

