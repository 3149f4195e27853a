import { type ClickHouseClient, ClickHouseLogLevel, type ClickHouseSettings, createClient } from '@clickhouse/client';
import { ClickhouseRefusal, clickhouseFailure } from './clickhouseErrors.js';

/** One server of the target: its URL (as given, for messages) and a client for it. */
export interface Shard {
  readonly url: string;
  readonly client: ClickHouseClient;
}

/**
 * A client per URL, each checked alive (`SELECT 1`) before anything is written, so an
 * unreachable server is refused before any other is changed. The client logs nothing:
 * every failure reaches the user once, as an error of byok's.
 */
export async function openShards(urls: readonly string[]): Promise<Shard[]> {
  const shards: Shard[] = [];
  try {
    for (const url of urls) {
      let client: ClickHouseClient;
      try {
        client = createClient({ url, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 3_600_000 });
      } catch (error) {
        throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `--url ${url}: ${(error as Error).message}`);
      }
      shards.push({ url, client });
      try {
        await client.command({ query: 'SELECT 1' });
      } catch (error) {
        throw clickhouseFailure(error, url, (message) => new ClickhouseRefusal('CLICKHOUSE_UNAVAILABLE', `--url ${message}`));
      }
    }
    return shards;
  } catch (error) {
    await closeShards(shards);
    throw error;
  }
}

export async function closeShards(shards: readonly Shard[]): Promise<void> {
  await Promise.all(shards.map((s) => s.client.close().catch(() => {})));
}

/** Runs a statement that returns nothing; a failure is the server's refusal of the load (exit 2). */
export async function command(shard: Shard, query: string, settings: ClickHouseSettings = {}): Promise<void> {
  try {
    await shard.client.command({ query, clickhouse_settings: settings });
  } catch (error) {
    throw clickhouseFailure(error, shard.url, (message) => new ClickhouseRefusal('CLICKHOUSE_SERVER', message));
  }
}

/** Runs a query and reads its rows (JSONEachRow: 64-bit integers come as text, decimals as the query writes them). */
export async function queryRows(shard: Shard, query: string, other: (message: string) => Error = (m) => new ClickhouseRefusal('CLICKHOUSE_SERVER', m)): Promise<Record<string, unknown>[]> {
  try {
    const result = await shard.client.query({ query, format: 'JSONEachRow' });
    return await result.json<Record<string, unknown>>();
  } catch (error) {
    throw clickhouseFailure(error, shard.url, other);
  }
}
