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
 * decisions changes free and billable counts and fees, not only ordinals.
 */
const ROWS = 200_000;
const KILL_AFTER = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'byok-crash-'));
const log = join(dir, 'requests.csv');
const policy = join(dir, 'policy.json');
let expected: { input: { accepted: number } };

beforeAll(async () => {
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  doc.parameters.allowance = 25;
  writeFileSync(policy, JSON.stringify(doc));
  const generated = await runByok(['generate', '--rows', String(ROWS), '--seed', '5', '--out', log]);
  expect(generated.code, generated.stderr).toBe(0);
  const bill = await runByok(['bill', log, '--policy', policy, '-q', '--format', 'json']);
  expect(bill.code, bill.stderr).toBe(0);
  expected = JSON.parse(bill.stdout);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a meter run and SIGKILLs it once `stored()` reports at least KILL_AFTER decisions. */
async function killMidRun(args: readonly string[], stored: () => Promise<number>): Promise<number> {
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
async function rerunAndCompare(args: readonly string[], killedWith: number): Promise<void> {
  const rerun = await runByok(['meter', ...args, '--policy', policy, '-q', '--format', 'json', log]);
  expect(rerun.code, rerun.stderr).toBe(0);
  const { store, ...bill } = JSON.parse(rerun.stdout);
  expect(bill).toEqual(expected);
  expect(store).toEqual({ decisions: expected.input.accepted, recordedByThisRun: expected.input.accepted - killedWith });
}

describe('crash safety, SQLite', () => {
  it('killed with SIGKILL mid-run, then run again: the bill is exactly byok bill', async () => {
    const path = join(dir, 'meter.db');
    const stored = async () => {
      if (!existsSync(path)) return 0;
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        return db.prepare<[], number>('SELECT count(*) FROM decisions').pluck().get() ?? 0;
      } finally {
        db.close();
      }
    };
    const killedWith = await killMidRun(['--store', `sqlite:${path}`], stored);
    await rerunAndCompare(['--store', `sqlite:${path}`], killedWith);
    const data = readSqlite(path);
    expect(data.rows.length).toBe(expected.input.accepted);
    expectConsistent(data);
  }, 180_000);
});

describePostgres('crash safety, PostgreSQL', (url) => {
  const prefix = uniquePrefix('crash');
  const client = new pg.Client({ connectionString: url });
  beforeAll(() => client.connect());
  afterAll(async () => {
    await client.end();
    await dropTables(url, prefix);
  });

  it('killed with SIGKILL mid-run, then run again: the bill is exactly byok bill', async () => {
    const stored = async () => Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${prefix}decisions`)).rows[0]!.n);
    const args = ['--store', `postgres:${url}`, '--table-prefix', prefix];
    const killedWith = await killMidRun(args, stored);
    await rerunAndCompare(args, killedWith);
    const data = await readPostgres(url, prefix);
    expect(data.rows.length).toBe(expected.input.accepted);
    expectConsistent(data);
  }, 240_000);
});

