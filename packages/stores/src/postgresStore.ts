import type { DecisionRecord, MeterStore } from '@byok-billing/core';
import { Pool, type PoolConfig } from 'pg';
import { writePostgresBatch } from './postgresBatch.js';
import { asPostgresStoreError, isRetryable } from './postgresErrors.js';
import { createPostgresSchema, postgresTables } from './postgresSchema.js';
import { postgresUsageTotals } from './postgresUsage.js';
import { createRecordQueue } from './recordBatch.js';
import { StoreError } from './storeError.js';
import { checkMaxBatch, checkTablePrefix } from './storeOptions.js';
import { decodeRecord } from './storedRecord.js';

export interface PostgresStoreOptions {
  /** Prefix of the table names (`counters`, `decisions`, `threshold_events`), to keep several stores in one database; default none. */
  readonly tablePrefix?: string;
  /** Most `record` calls written in one transaction (group commit). Default 512; 1 gives each request its own. */
  readonly maxBatch?: number;
  /** How often a batch that a deadlock, a serialization failure or a racing retry aborted is tried again. Default 20. */
  readonly maxRetries?: number;
  /** Further pg pool settings (ssl, timeouts, `max` connections: default 2). */
  readonly pool?: Omit<PoolConfig, 'connectionString'>;
}

const PAGE = 2000;

/**
 * A durable meter store in PostgreSQL, safe for any number of processes and machines.
 * Each batch of `record` calls is one transaction that locks its scopes' counter rows
 * (see `writePostgresBatch`); a call is answered only after the commit. Tables are
 * created on first use. One batch is in flight at a time, so the store's order is the
 * order of the calls.
 *
 * @example
 * const store = createPostgresStore('postgres://byok:secret@db.internal/billing', { tablePrefix: 'byok_' });
 * const meter = createMeter({ policy: defaultPolicy(), store });
 */
export function createPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): MeterStore {
  const maxBatch = checkMaxBatch(options.maxBatch);
  const tables = postgresTables(checkTablePrefix(options.tablePrefix));
  const maxRetries = options.maxRetries ?? 20;
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) {
    throw new StoreError('STORE_OPTION', `maxRetries must be a non-negative integer, not ${String(options.maxRetries)}`);
  }
  const where = redact(connectionString);
  let pool: Pool;
  try {
    pool = new Pool({ max: 2, ...options.pool, connectionString });
  } catch (error) {
    throw new StoreError('STORE_OPTION', `${where}: ${(error as Error).message}`, { cause: error });
  }
  // An idle connection that the server drops emits 'error' on the pool, which would
  // otherwise crash the process; the next query on a new connection reports any real outage.
  pool.on('error', () => undefined);
  const ready = createPostgresSchema(pool, tables).catch((error: unknown) => {
    throw asPostgresStoreError(error, where);
  });
  ready.catch(() => undefined); // reported by the first call that needs the store

  const queue = createRecordQueue(async (batch) => {
    await ready;
    for (let attempt = 0; ; attempt++) {
      let client;
      try {
        client = await pool.connect();
      } catch (error) {
        throw asPostgresStoreError(error, where);
      }
      try {
        const settled = await writePostgresBatch(client, tables, batch);
        client.release();
        settled.forEach((s, i) => ('outcome' in s ? batch[i]!.resolve(s.outcome) : batch[i]!.reject(s.error)));
        return;
      } catch (error) {
        const rolledBack = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        client.release(!rolledBack);
        if (!isRetryable(error) || attempt >= maxRetries) throw asPostgresStoreError(error, where);
        // Back off a little, at random, so the writers that collided do not collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }, maxBatch);

  let closed = false;
  const closedError = () => new StoreError('STORE_CLOSED', `${where}: the store is closed`);

  return {
    record(counterKey, requestId, decide) {
      if (closed) return Promise.reject(closedError());
      return queue.push(counterKey, requestId, decide);
    },
    async *records(): AsyncGenerator<DecisionRecord> {
      if (closed) throw closedError();
      await queue.drain();
      await ready;
      const client = await pool.connect().catch((error: unknown) => {
        throw asPostgresStoreError(error, where);
      });
      let finished = false;
      try {
        // One snapshot for every page: writers committing meanwhile cannot make pages skip or repeat.
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        let after = '0';
        for (;;) {
          // (Named seq_text: an output column named seq would make ORDER BY seq sort text.)
          const { rows } = await client.query<{ seq_text: string; request_id: string; record: string }>(
            `SELECT seq::text AS seq_text, request_id, record FROM ${tables.decisions} WHERE seq > $1::bigint ORDER BY seq LIMIT ${PAGE}`,
            [after],
          );
          for (const row of rows) yield decodeRecord(row.record, row.request_id);
          if (rows.length < PAGE) break;
          after = rows[rows.length - 1]!.seq_text;
        }
        await client.query('COMMIT');
        finished = true;
      } catch (error) {
        throw asPostgresStoreError(error, where);
      } finally {
        // A caller that stops iterating early leaves the transaction open: end it before reuse.
        const clean = finished || (await client.query('ROLLBACK').then(() => true, () => false));
        client.release(!clean);
      }
    },
    async usageTotals(filter) {
      if (closed) throw closedError();
      await queue.drain();
      await ready;
      const client = await pool.connect().catch((error: unknown) => {
        throw asPostgresStoreError(error, where);
      });
      try {
        return await postgresUsageTotals(client, tables, filter);
      } catch (error) {
        throw asPostgresStoreError(error, where);
      } finally {
        client.release();
      }
    },
    async *events(afterSeq) {
      if (closed) throw closedError();
      await queue.drain();
      await ready;
      let after = String(Math.max(0, Math.floor(afterSeq)));
      for (;;) {
        // Page by page, each read on its own: seq order is commit order (postgresBatch.ts), so
        // an event committed between two pages has a seq after every event already read.
        const { rows } = await pool
          .query<{ seq_text: string; scope: string; period: string; threshold: string; request_id: string; instant: string; count_text: string; list_usd: string | null }>(
            `SELECT seq::text AS seq_text, scope, period, threshold, request_id, instant, count::text AS count_text, list_usd::text AS list_usd
             FROM ${tables.events} WHERE seq > $1::bigint ORDER BY seq LIMIT ${PAGE}`,
            [after],
          )
          .catch((error: unknown) => {
            throw asPostgresStoreError(error, where);
          });
        for (const row of rows) {
          yield {
            seq: Number(row.seq_text),
            scope: row.scope,
            period: row.period,
            threshold: row.threshold,
            requestId: row.request_id,
            instant: row.instant,
            count: Number(row.count_text),
            listUsd: row.list_usd,
          };
        }
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1]!.seq_text;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue.drain();
      await pool.end();
    },
  };
}

/** The connection string without its password, for messages. */
function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres';
  }
}
