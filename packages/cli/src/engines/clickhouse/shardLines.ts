import type { BillLine } from '@byok-billing/core';
import { ClickhouseRefusal } from './clickhouseErrors.js';
import { compareBillLines } from '../sqlBillLines.js';

/** The bill lines one shard computed over its own rows. */
export interface ShardLines {
  readonly url: string;
  readonly lines: readonly BillLine[];
}

/**
 * The bill of a sharded table: the shards' lines together, in FORMATS.md's order. Each
 * shard bills the scopes it holds, which is the whole bill only when every row of a scope
 * is on one shard (a table sharded by scope). A scope and period that two shards return
 * shows the table is sharded otherwise: their lines are never added up (the allowance and
 * the fee tiers run over the scope's requests in order, across shards), the run is refused.
 */
export function mergeShardLines(shards: readonly ShardLines[]): BillLine[] {
  const owner = new Map<string, string>();
  const lines: BillLine[] = [];
  for (const { url, lines: own } of shards) {
    for (const line of own) {
      const key = `${line.scope}\u0000${line.period}`;
      const other = owner.get(key);
      if (other !== undefined) {
        throw new ClickhouseRefusal(
          'CLICKHOUSE_NOT_SHARDED_BY_SCOPE',
          `scope ${JSON.stringify(line.scope)}, period ${line.period} has rows on two shards (${other} and ${url}): the table is not sharded by scope, ` +
            'so no shard can bill it alone; load it with byok load clickhouse --cluster (sharded by cityHash64(scope)), or bill its Distributed table on one --url',
        );
      }
      owner.set(key, url);
      lines.push(line);
    }
  }
  return lines.sort(compareBillLines);
}
