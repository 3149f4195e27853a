import { CLICKHOUSE_SCOPE_COLUMN, REQUESTS_RELATION_COLUMNS } from '@byok-billing/core';
import { ClickhouseRefusal } from './clickhouseErrors.js';
import { type Shard, command, queryRows } from './clickhouseShards.js';

/**
 * The relation the compiled ClickHouse query reads, with the core's ClickHouse types
 * (requestsRelation.ts: instants as Int64 epoch nanoseconds, money as Decimal(38, 12)) and
 * the row's `scope`, the sharding key, last: the order of the rows byok inserts (requestRowTsv).
 */
export const REQUEST_COLUMNS: readonly (readonly [string, string])[] = [...REQUESTS_RELATION_COLUMNS, CLICKHOUSE_SCOPE_COLUMN].map((c) => [c.name, c.type.clickhouse] as const);

/** The local table of one server: sorted by scope, so a scope's rows are read together. */
export function createRequestsTableSql(table: string): string {
  const columns = REQUEST_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${table} (${columns}) ENGINE = MergeTree ORDER BY (scope, timestamp, request_id)`;
}

/**
 * The table a load over a cluster inserts through: every row goes to the shard
 * `cityHash64(scope) % shards`, into the local table of the same name there, so all rows
 * of one scope are on one shard (each shard can bill its own scopes).
 */
export function createDistributedTableSql(distributed: string, table: string, cluster: string): string {
  return `CREATE TABLE IF NOT EXISTS ${distributed} AS ${table} ENGINE = Distributed(${cluster}, currentDatabase(), ${table}, cityHash64(scope))`;
}

/** The Distributed table of `table` a load creates on the first URL. */
export function distributedName(table: string): string {
  return `${table}_all`;
}

/** Whether `table` exists on the shard (EXISTS needs no literal: the name is a checked identifier). */
export async function tableExists(shard: Shard, table: string): Promise<boolean> {
  const rows = await queryRows(shard, `EXISTS TABLE ${table}`);
  return String(rows[0]?.result ?? Object.values(rows[0] ?? {})[0]) === '1';
}

/** The table's columns as `name type`, in order. */
export async function tableColumns(shard: Shard, table: string): Promise<string[]> {
  const rows = await queryRows(shard, `DESCRIBE TABLE ${table}`);
  return rows.map((row) => `${String(row.name)} ${String(row.type)}`);
}

/**
 * Creates the requests table on the shard unless it exists; one that exists must have
 * exactly the relation's columns (a table of something else is never written to).
 */
export async function ensureRequestsTable(shard: Shard, table: string): Promise<void> {
  if (await tableExists(shard, table)) {
    await checkRequestsColumns(shard, table);
    return;
  }
  await command(shard, createRequestsTableSql(table));
}

/** Refuses a table whose columns are not the relation's (names, types and order). */
export async function checkRequestsColumns(shard: Shard, table: string): Promise<void> {
  const expected = REQUEST_COLUMNS.map(([name, type]) => `${name} ${type}`);
  const found = await tableColumns(shard, table);
  if (found.join(', ') !== expected.join(', ')) {
    throw new ClickhouseRefusal(
      'CLICKHOUSE_TABLE',
      `--table ${table} on ${shard.url} exists with other columns (${found.join(', ')}); byok's requests table has ${expected.join(', ')}`,
    );
  }
}
