import type { InputSummary } from '@byok-billing/core';
import type { ProgramIO } from '../../programIO.js';
import type { ReplayCliOptions } from '../../replay/runReplay.js';
import { readAcceptedRows } from './acceptedRows.js';
import { ClickhouseRefusal } from './clickhouseErrors.js';
import { type ClickhouseCliOptions, clickhouseTarget } from './clickhouseOptions.js';
import { type Shard, closeShards, openShards } from './clickhouseShards.js';
import { loadRequests } from './loadRequests.js';

export interface ClickhouseLoadOptions extends ReplayCliOptions, ClickhouseCliOptions {}

/** What a load did: the input's accounting and where its accepted rows went. */
export interface ClickhouseLoad {
  readonly input: InputSummary;
  readonly table: string;
  readonly shards: number;
}

/**
 * `byok load clickhouse`: the logs read and checked as `byok bill` reads them, and their
 * accepted rows (each with its scope under --policy) added to --table on the server, or
 * on the shards of --cluster by scope. Nothing is written before the whole input is read
 * and checked: a run that stops at a bad row loads nothing.
 */
export async function loadWithClickhouse(logs: readonly string[], options: ClickhouseLoadOptions, io: ProgramIO): Promise<ClickhouseLoad> {
  const target = clickhouseTarget(options);
  if (target.table === undefined) throw new ClickhouseRefusal('CLICKHOUSE_USAGE', 'byok load clickhouse needs --table NAME');
  const shards = await openShards(target.urls);
  try {
    const { run, spool } = await readAcceptedRows(logs, options, io, 'byok load clickhouse');
    try {
      await loadRequests({ shards: shards as [Shard, ...Shard[]], table: target.table, cluster: target.cluster }, spool.path, spool.rows);
    } finally {
      spool.dispose();
    }
    return { input: run.bill.input, table: target.table, shards: shards.length };
  } finally {
    await closeShards(shards);
  }
}
