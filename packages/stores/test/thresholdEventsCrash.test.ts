import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPolicyDocument } from '@byok-billing/core';
import Database from 'better-sqlite3';
import type pg from 'pg';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type ExpectedEvent, eventCore, expectedThresholdEvents, sortEvents } from '../../../test/support/expectedThresholdEvents.js';
import { type Finished, runByok, startByok } from './support/byokBin.js';
import { describePostgres, dropTables, queryOnce, uniquePrefix } from './support/postgresTarget.js';
import { type StoredData, expectConsistent, readPostgres, readSqlite } from './support/storedRows.js';

/*
 * Issue 17's done-when: threshold events are reported exactly once per scope-month under
 * any interleaving of 4 writer processes, retries and a SIGKILL with a re-run, on SQLite
 * and PostgreSQL. Each property run: four `byok meter --events` processes (real child
 * processes, each its own batch size and events file) record logs that share scopes and
 * retry each other's requests; one of them is killed with SIGKILL once the store holds a
 * drawn number of decisions, then run again; one events file gets a torn last line (a crash
 * while appending); then every writer runs once more (all its rows are retries now).
 *
 * The expected events are computed independently from the final stored decisions
 * (test/support/expectedThresholdEvents.ts: for each scope-month and threshold, the decision
 * whose ordinal first reached it; the first billable in store order). The store's outbox must
 * be exactly those, and every events file exactly the outbox: each event once, in seq order.
 * Allowances are tiny or zero for some scopes (one request crossing several thresholds).
 * Catches: a threshold stored by two writers or twice after the kill, an event committed
 * apart from its decision, a file cursor that repeats or skips events, a torn line kept.
 */
const WRITERS = 4;
const PERCENTS = [50, 80, 100];
const ORGS = ['a', 'b', 'c', 'd', ''];
const USERS = ['ann', 'bob'];
const FREE: Readonly<Record<string, number>> = { 'org:a': 0, 'org:b': 1, 'org:c': 2 };
const POLICY_ALLOWANCE = 9;
const allowanceOf = (scope: string) => FREE[scope] ?? POLICY_ALLOWANCE;

const dir = mkdtempSync(join(tmpdir(), 'byok-events-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const policyFile = join(dir, 'policy.json');
const accountsFile = join(dir, 'accounts.csv');
{
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  doc.parameters.allowance = POLICY_ALLOWANCE;
  writeFileSync(policyFile, JSON.stringify(doc));
  writeFileSync(accountsFile, `scope,free_requests\n${Object.entries(FREE).map(([s, n]) => `${s},${n}`).join('\n')}\n`);
}

interface Plan {
  readonly seed: number;
  readonly requests: number;
  readonly killed: number;
  /** Kill once the store holds this share (per mille) of the distinct requests. */
  readonly killAtPerMille: number;
  readonly batchSizes: readonly number[];
  readonly torn: { readonly writer: number; readonly bytes: number };
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
  requests: fc.integer({ min: 500, max: 900 }),
  killed: fc.integer({ min: 0, max: WRITERS - 1 }),
  killAtPerMille: fc.integer({ min: 50, max: 500 }),
  batchSizes: fc.shuffledSubarray([1, 1, 7, 64], { minLength: 4, maxLength: 4 }),
  torn: fc.record({ writer: fc.integer({ min: 0, max: WRITERS - 1 }), bytes: fc.integer({ min: 1, max: 60 }) }),
});

/** Four logs over shared scopes: each request in its home log, some retried in another log or twice in their own. */
function writeLogs(run: string, plan: Plan): string[] {
  let state = plan.seed;
  const next = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const logs: string[][] = Array.from({ length: WRITERS }, () => []);
  for (let i = 0; i < plan.requests; i++) {
    const org = ORGS[next(ORGS.length)]!;
    const user = USERS[next(USERS.length)]!;
    const month = next(2) === 0 ? '10' : '11';
    const day = String(1 + next(28)).padStart(2, '0');
    const keyResult = next(7) === 0 ? 'none' : 'ok';
    const line = `ev-${i},2025-${month}-${day}T12:00:00Z,${user},${org},0.0${1 + next(9)},${keyResult}`;
    // The killed writer is home to more rows, so that it is still running when its kill comes.
    const home = next(3) === 0 ? plan.killed : next(WRITERS);
    logs[home]!.push(line);
    if (next(3) === 0) logs[(home + 1 + next(WRITERS - 1)) % WRITERS]!.push(line);
    if (next(10) === 0) logs[home]!.push(line);
  }
  return logs.map((lines, w) => {
    const file = join(run, `writer-${w}.csv`);
    writeFileSync(file, `request_id,timestamp,user_id,org_id,cost_usd,key_result\n${lines.join('\n')}\n`);
    return file;
  });
}

interface Target {
  readonly args: readonly string[];
  readonly stored: () => Promise<number>;
  readonly data: () => Promise<StoredData>;
  readonly outbox: () => Promise<(ExpectedEvent & { seq: number })[]>;
}

const meterArgs = (target: Target, run: string, w: number, batch: number, log: string) => [
  'meter',
  ...target.args,
  '--policy',
  policyFile,
  '--accounts',
  accountsFile,
  '--batch-size',
  String(batch),
  '--events',
  join(run, `events-${w}.ndjson`),
  '-q',
  '--format',
  'json',
  log,
];

function readEventsFile(path: string): (ExpectedEvent & { seq: number })[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  expect(text === '' || text.endsWith('\n'), `${path} ends with a whole line`).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ExpectedEvent & { seq: number });
}

let killedRuns = 0;

async function runPlan(target: Target, plan: Plan, runDir: string): Promise<void> {
  const logs = writeLogs(runDir, plan);
  const distinct = plan.requests;
  const killAt = Math.max(1, Math.floor((distinct * plan.killAtPerMille) / 1000));
  const started = logs.map((log, w) => startByok(meterArgs(target, runDir, w, plan.batchSizes[w]!, log)));
  const victim = started[plan.killed]!;
  for (;;) {
    if (victim.child.exitCode !== null) break; // finished before the kill: then it is only re-run
    if ((await target.stored().catch(() => 0)) >= killAt) {
      victim.child.kill('SIGKILL');
      break;
    }
    await sleep(5);
  }
  const results: Finished[] = await Promise.all(started.map((s) => s.done));
  results.forEach((r, w) => {
    if (w === plan.killed && r.signal === 'SIGKILL') killedRuns++;
    else expect(r.code, r.stderr).toBe(0);
  });
  // The killed writer again, on the same log and store.
  const rerun = await runByok(meterArgs(target, runDir, plan.killed, plan.batchSizes[plan.killed]!, logs[plan.killed]!));
  expect(rerun.code, rerun.stderr).toBe(0);
  // No events file holds an event twice, and each is a prefix of the store's outbox so far.
  for (let w = 0; w < WRITERS; w++) expectPrefixOf(readEventsFile(join(runDir, `events-${w}.ndjson`)), await target.outbox());
  // A crash while appending: one file's last line torn (when it has one).
  const tornFile = join(runDir, `events-${plan.torn.writer}.ndjson`);
  if (existsSync(tornFile)) {
    const size = readFileSync(tornFile).length;
    if (size > 0) truncateSync(tornFile, size - Math.min(plan.torn.bytes, size - 1));
  }
  // Every writer once more: all its rows are retries now; each file catches up.
  const finals = await Promise.all(logs.map((log, w) => runByok(meterArgs(target, runDir, w, plan.batchSizes[w]!, log))));
  for (const r of finals) expect(r.code, r.stderr).toBe(0);

  const data = await target.data();
  expect(data.rows.length).toBe(distinct);
  expectConsistent(data);
  const decisions = data.rows.map((r) => JSON.parse(r.record) as { requestId: string; scope: string; period: string; ordinal: number | null; status: string | null });
  const expected = expectedThresholdEvents(decisions, PERCENTS, allowanceOf, true);
  const outbox = await target.outbox();
  expect(sortEvents(outbox).map(eventCore)).toEqual(expected);
  // The plan reaches every kind of threshold (or this run would show little).
  expect(new Set(expected.map((e) => e.threshold))).toEqual(new Set(['50%', '80%', '100%', 'first-billable']));
  for (let w = 0; w < WRITERS; w++) expect(readEventsFile(join(runDir, `events-${w}.ndjson`)), `events-${w}`).toEqual(outbox);
}

function expectPrefixOf(file: readonly { seq: number }[], outbox: readonly { seq: number }[]): void {
  expect(file).toEqual(outbox.slice(0, file.length));
}

interface EventRow {
  seq: number | string;
  scope: string;
  period: string;
  threshold: string;
  request_id: string;
  instant: string;
  count: number | string;
  list_usd: string | null;
}

const eventsOf = (rows: readonly EventRow[]) =>
  rows.map((r) => ({
    seq: Number(r.seq),
    scope: r.scope,
    period: r.period,
    threshold: r.threshold,
    requestId: r.request_id,
    instant: r.instant,
    count: Number(r.count),
    listUsd: r.list_usd,
  }));

let runs = 0;
const newRunDir = () => {
  const d = join(dir, `run-${runs++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

describe('threshold events exactly once: 4 writers, retries, SIGKILL and re-run, SQLite', () => {
  it('law: the outbox holds exactly the events of the stored decisions, and every events file exactly the outbox', async () => {
    killedRuns = 0;
    await fc.assert(
      fc.asyncProperty(planArb, async (plan) => {
        const runDir = newRunDir();
        const path = join(runDir, 'meter.db');
        const target: Target = {
          args: ['--store', `sqlite:${path}`],
          async stored() {
            if (!existsSync(path)) return 0;
            const db = new Database(path, { readonly: true, fileMustExist: true });
            try {
              return db.prepare<[], number>('SELECT count(*) FROM decisions').pluck().get() ?? 0;
            } finally {
              db.close();
            }
          },
          data: async () => readSqlite(path),
          async outbox() {
            if (!existsSync(path)) return [];
            const db = new Database(path, { readonly: true, fileMustExist: true });
            try {
              return eventsOf(db.prepare<[], EventRow>('SELECT * FROM threshold_events ORDER BY seq').all());
            } finally {
              db.close();
            }
          },
        };
        await runPlan(target, plan, runDir);
      }),
      { numRuns: 3 },
    );
    // At least one run was killed mid-way (a run may finish before its kill: then it is only re-run).
    expect(killedRuns).toBeGreaterThan(0);
  }, 600_000);
});

describePostgres('threshold events exactly once: 4 writers, retries, SIGKILL and re-run, PostgreSQL', (url) => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await dropTables(url, p);
  });

  it('law: the outbox holds exactly the events of the stored decisions, and every events file exactly the outbox', async () => {
    killedRuns = 0;
    await fc.assert(
      fc.asyncProperty(planArb, async (plan) => {
        const runDir = newRunDir();
        const prefix = uniquePrefix('evcrash');
        prefixes.push(prefix);
        const target: Target = {
          args: ['--store', `postgres:${url}`, '--table-prefix', prefix],
          stored: async () => Number((await queryOnce<{ n: string }>(url, `SELECT count(*)::text AS n FROM ${prefix}decisions`))[0]!.n),
          data: () => readPostgres(url, prefix),
          // Ordered by the table's seq (e.seq): the output column named seq would sort as text.
          outbox: async () =>
            eventsOf(
              await queryOnce<EventRow & pg.QueryResultRow>(
                url,
                `SELECT e.seq::text AS seq, scope, period, threshold, request_id, instant, count::text AS count, list_usd::text AS list_usd FROM ${prefix}threshold_events AS e ORDER BY e.seq`).catch(
                () => [],
              ),
            ),
        };
        await runPlan(target, plan, runDir);
      }),
      { numRuns: 3 },
    );
    expect(killedRuns).toBeGreaterThan(0);
  }, 600_000);
});
