import { sqlString } from '@byok-billing/core/internal';
import { ClickhouseRefusal } from './clickhouseErrors.js';
import { type Shard, command, queryRows } from './clickhouseShards.js';
import { insertRows } from './insertRows.js';
import { checkRequestsColumns, createDistributedTableSql, distributedName, ensureRequestsTable } from './requestsTable.js';
import { countRows } from './billOnShards.js';

/** Where a load writes: the table on each shard, and the cluster when there are several. */
export interface LoadTarget {
  readonly shards: readonly [Shard, ...Shard[]];
  readonly table: string;
  readonly cluster: string | undefined;
}

/**
 * Creates the requests table on every shard (or checks the one there), then inserts the
 * spooled rows. One server: straight into its table. A cluster: through a Distributed
 * table `<table>_all` on the first URL, sharded by cityHash64(scope), with
 * insert_distributed_sync so each batch is on its shards when its INSERT returns. The rows
 * are counted on the shards before and after: a cluster whose shards are not the URLs
 * given (rows sent to a server byok does not bill) is refused rather than billed short.
 */
export async function loadRequests(target: LoadTarget, spoolPath: string, rows: number): Promise<void> {
  const { shards, table, cluster } = target;
  for (const shard of shards) await ensureRequestsTable(shard, table);
  if (cluster === undefined) {
    await insertRows(shards[0], table, spoolPath);
    return;
  }
  await checkClusterShards(shards, cluster);
  const distributed = distributedName(table);
  await command(shards[0], createDistributedTableSql(distributed, table, cluster));
  await checkRequestsColumns(shards[0], distributed);
  const before = await countRows(shards, table);
  await insertRows(shards[0], distributed, spoolPath, { insert_distributed_sync: 1 });
  const after = await countRows(shards, table);
  if (after - before !== rows) {
    throw new ClickhouseRefusal(
      'CLICKHOUSE_TABLE',
      `${rows.toLocaleString('en-US')} row(s) were inserted through ${distributed}, but the --url servers' ${table} tables gained ${(after - before).toLocaleString('en-US')}: ` +
        `the --url list is not the shards of cluster ${cluster} (or another load ran at the same time)`,
    );
  }
}

/** The cluster must be known to the first URL and have one shard per URL. */
async function checkClusterShards(shards: readonly Shard[], cluster: string): Promise<void> {
  const found = await queryRows(shards[0]!, `SELECT count(DISTINCT shard_num) AS n FROM system.clusters WHERE cluster = ${sqlString(cluster, 'clickhouse')}`);
  const n = Number(found[0]?.n ?? 0);
  if (n === 0) throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `--cluster ${cluster}: ${shards[0]!.url} knows no such cluster (system.clusters)`);
  if (n !== shards.length) {
    throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `--cluster ${cluster} has ${n} shard(s) but ${shards.length} --url given: give each shard's URL once, in the cluster's order`);
  }
}

/** Drops the tables a run made for itself (the Distributed one first), ignoring what is gone already. */
export async function dropRequests(target: LoadTarget): Promise<void> {
  const { shards, table, cluster } = target;
  if (cluster !== undefined) await command(shards[0], `DROP TABLE IF EXISTS ${distributedName(table)}`);
  for (const shard of shards) await command(shard, `DROP TABLE IF EXISTS ${table}`);
}
