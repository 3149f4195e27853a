import type { ClickHouseSettings } from '@clickhouse/client';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ClickhouseRefusal, clickhouseFailure } from './clickhouseErrors.js';
import type { Shard } from './clickhouseShards.js';

/** Bytes per INSERT, about (up to one 1 MiB read more): a batch is held in memory while it is sent (a few hundred thousand rows). */
export const INSERT_BATCH_BYTES = 32 << 20;

/**
 * Inserts the spooled TabSeparated rows into `table` on the shard, one INSERT per batch
 * of whole lines (about `batchBytes`): the file is read as a
 * stream, so memory holds one batch whatever the log's size. `settings` go with each
 * INSERT (insert_distributed_sync for a Distributed table: each batch is on its shards
 * when the INSERT returns).
 */
export async function insertRows(shard: Shard, table: string, path: string, settings: ClickHouseSettings = {}, batchBytes = INSERT_BATCH_BYTES): Promise<void> {
  for await (const batch of lineBatches(path, batchBytes)) {
    try {
      await shard.client.insert({ table, values: Readable.from([batch], { objectMode: false }), format: 'TabSeparated', clickhouse_settings: settings });
    } catch (error) {
      throw clickhouseFailure(error, shard.url, (message) => new ClickhouseRefusal('CLICKHOUSE_SERVER', `inserting into ${table}: ${message}`));
    }
  }
}

/** The file's bytes in pieces that end at a line end, each at least `batchBytes` (but the last) and at most one 1 MiB read more. */
export async function* lineBatches(path: string, batchBytes: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < batchBytes) continue;
    const joined = Buffer.concat(pending, pendingBytes);
    const end = joined.lastIndexOf(10);
    if (end === -1) {
      pending = [joined];
      continue;
    }
    yield joined.subarray(0, end + 1);
    const rest = joined.subarray(end + 1);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
