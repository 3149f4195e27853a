import { type Accounts, type BillLine, type Policy, compileBillQuery } from '@byok-billing/core';
import { billLinesFromSqlRows } from '../sqlBillLines.js';
import { ClickhouseEngineBug } from './clickhouseErrors.js';
import { type Shard, queryRows } from './clickhouseShards.js';
import { mergeShardLines } from './shardLines.js';

/**
 * The policy compiled for ClickHouse, run on each shard over its own `table` (a local
 * table, or on a single URL any table, a Distributed one included): each shard bills its
 * own scopes, so only bill lines cross the network, and the lines are merged here
 * (mergeShardLines refuses a scope and period two shards return). The query's own
 * refusals (text starting "byok:") are exit code 2; any other failure of it is a bug.
 */
export async function billOnShards(shards: readonly Shard[], table: string, policy: Policy, accounts: Accounts | undefined): Promise<BillLine[]> {
  const query = compileBillQuery(policy, accounts, { dialect: 'clickhouse', relation: table });
  const perShard = await Promise.all(
    shards.map(async (shard) => {
      const rows = await queryRows(shard, query, (message) => new ClickhouseEngineBug(`the compiled bill query failed on ${message}`));
      return { url: shard.url, lines: billLinesFromSqlRows(rows, (message) => new ClickhouseEngineBug(message)) };
    }),
  );
  return mergeShardLines(perShard);
}

/** The rows of `table` on each shard: the input a bill in place accounts for. */
export async function countRows(shards: readonly Shard[], table: string): Promise<number> {
  const counts = await Promise.all(shards.map(async (shard) => Number((await queryRows(shard, `SELECT count() AS n FROM ${table}`))[0]?.n ?? 0)));
  return counts.reduce((sum, n) => sum + n, 0);
}
