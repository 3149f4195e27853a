import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { type Accounts, type Bill, type InputSummary, type Policy, feeUnitsOf } from '@byok-billing/core';
import { sumBillLines } from '@byok-billing/core/internal';
import { loadAccountsFile } from '../../io/loadAccountsFile.js';
import { loadPolicyFile } from '../../io/loadPolicyFile.js';
import type { ProgramIO } from '../../programIO.js';
import type { ReplayCliOptions } from '../../replay/runReplay.js';
import { readAcceptedRows } from './acceptedRows.js';
import { billOnShards, countRows } from './billOnShards.js';
import { ClickhouseRefusal } from './clickhouseErrors.js';
import { type ClickhouseCliOptions, clickhouseTarget } from './clickhouseOptions.js';
import { type Shard, closeShards, openShards } from './clickhouseShards.js';
import { dropRequests, loadRequests } from './loadRequests.js';
import { tableExists } from './requestsTable.js';

export interface ClickhouseBillOptions extends ReplayCliOptions, ClickhouseCliOptions {}

/** What `byok bill` prints from (as --engine duckdb's run). */
export interface ClickhouseBillRun {
  readonly bill: Bill;
  readonly routeMismatches: number;
  readonly policy: Policy;
}

/** The options that read logs: they mean nothing to a bill of a table in place. */
const LOG_OPTIONS: readonly (readonly [keyof ReplayCliOptions, string])[] = [
  ['rejects', '--rejects'],
  ['details', '--details'],
  ['inputTimezone', '--input-timezone'],
  ['sort', '--sort'],
  ['maxLineBytes', '--max-line-bytes'],
  ['threads', '--threads'],
];

/**
 * `byok bill --engine clickhouse`. Without --table: the logs are read and checked by the
 * default engine's pipeline (readAcceptedRows), loaded into a table of a fresh name
 * (sharded by scope over --cluster), billed on the shards (billOnShards) and the table
 * dropped, whatever happened. With --table: that table is billed in place (no logs); its
 * rows are the input, all accepted.
 */
export async function billWithClickhouse(logs: readonly string[], options: ClickhouseBillOptions, io: ProgramIO): Promise<ClickhouseBillRun> {
  const target = clickhouseTarget(options);
  if (target.table !== undefined) return billTableInPlace(logs, target.table, target.urls, options);
  const shards = await openShards(target.urls);
  try {
    const { run, spool } = await readAcceptedRows(logs, options, io, '--engine clickhouse');
    const load = { shards: shards as [Shard, ...Shard[]], table: `byok_bill_${randomBytes(8).toString('hex')}`, cluster: target.cluster };
    let billed = false;
    try {
      await loadRequests(load, spool.path, spool.rows);
      spool.dispose();
      const lines = await billOnShards(shards, load.table, run.policy, run.accounts);
      billed = true;
      return { bill: billOf(run.policy, run.bill.input, lines, run.routeMismatches), routeMismatches: run.routeMismatches, policy: run.policy };
    } finally {
      spool.dispose();
      // A drop that fails after another failure must not hide the first (it says what went wrong).
      await dropRequests(load).catch((error: unknown) => {
        if (billed) throw error;
      });
    }
  } finally {
    await closeShards(shards);
  }
}

/** --table: the table on each URL billed where it is; its rows, all accepted, are the input. */
async function billTableInPlace(logs: readonly string[], table: string, urls: readonly string[], options: ClickhouseBillOptions): Promise<ClickhouseBillRun> {
  if (logs.length > 0) throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `--table ${table} bills the table in place: give no log (load logs with byok load clickhouse)`);
  for (const [key, flag] of LOG_OPTIONS) {
    if (options[key] !== undefined) throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `${flag} reads logs; a bill of --table ${table} reads none`);
  }
  const policy = loadPolicyFile(options.policy === undefined ? undefined : resolveIn(options.baseDir, options.policy));
  const accounts: Accounts | undefined = await loadAccountsFile(options.accounts === undefined ? undefined : resolveIn(options.baseDir, options.accounts), feeUnitsOf(policy));
  const shards = await openShards(urls);
  try {
    for (const shard of shards) {
      if (!(await tableExists(shard, table))) throw new ClickhouseRefusal('CLICKHOUSE_TABLE', `--table ${table}: no such table on ${shard.url}`);
    }
    const rows = await countRows(shards, table);
    const lines = await billOnShards(shards, table, policy, accounts);
    // The route the gateway recorded is not compared in place: no mismatches are counted.
    return { bill: billOf(policy, { rows, accepted: rows, rejected: 0, duplicates: 0 }, lines, 0), routeMismatches: 0, policy };
  } finally {
    await closeShards(shards);
  }
}

function billOf(policy: Policy, input: InputSummary, lines: Bill['lines'], routeMismatches: number): Bill {
  return { policy: { id: policy.id, version: policy.version, sha256: policy.sha256 }, input, lines, totals: sumBillLines(lines), routeMismatches };
}

function resolveIn(baseDir: string | undefined, path: string): string {
  return baseDir === undefined ? path : resolve(baseDir, path);
}
