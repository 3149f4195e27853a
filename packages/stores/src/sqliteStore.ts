import type { CounterStep, DecisionRecord, MeterStore, RecordOutcome } from '@byok-billing/core';
import Database from 'better-sqlite3';
import { type PendingRecord, createRecordQueue } from './recordBatch.js';
import { createSqliteSchema } from './sqliteSchema.js';
import { StoreError } from './storeError.js';
import { checkMaxBatch, checkTablePrefix } from './storeOptions.js';
import { decodeRecord, encodeRecord } from './storedRecord.js';

export interface SqliteStoreOptions {
  /**
   * Most `record` calls written in one transaction (group commit: calls that arrive
   * while a transaction runs wait for the next one). Default 512; 1 gives every request
   * a transaction of its own.
   */
  readonly maxBatch?: number;
  /** How long (ms) a write waits for another process's transaction before failing with `STORE_BUSY`. Default 30000. */
  readonly busyTimeoutMs?: number;
  /**
   * `full` (default): a committed decision survives a power loss. `normal`: it survives a
   * crash of the process but not of the machine (the last commits may be lost and are
   * then recorded again by a re-run), and commits are faster.
   */
  readonly synchronous?: 'full' | 'normal';
  /** Prefix of the table names (`counters`, `decisions`); default none. */
  readonly tablePrefix?: string;
}

type Settled = { readonly outcome: RecordOutcome } | { readonly error: unknown };

const PAGE = 1000;

/**
 * A durable meter store in one SQLite file (WAL mode), safe for several processes.
 * Each batch of `record` calls is one `BEGIN IMMEDIATE` transaction, which takes the
 * file's write lock first: the look-up by request_id, the counter read, the decision
 * and the counter write of every call in it happen under that lock, so no other process
 * can decide between them. A call is answered only after its transaction commits.
 *
 * @example
 * const meter = createMeter({ policy: defaultPolicy(), store: createSqliteStore('meter.db') });
 * (await meter.record(request)).replayed //=> false (true when the request_id was recorded before)
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): MeterStore {
  const maxBatch = checkMaxBatch(options.maxBatch);
  const prefix = checkTablePrefix(options.tablePrefix);
  const busyTimeoutMs = options.busyTimeoutMs ?? 30_000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new StoreError('STORE_OPTION', `busyTimeoutMs must be a non-negative integer, not ${String(options.busyTimeoutMs)}`);
  }
  const synchronous = options.synchronous ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new StoreError('STORE_OPTION', `synchronous must be 'full' or 'normal', not ${JSON.stringify(synchronous)}`);
  }

  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw new StoreError('STORE_UNAVAILABLE', `${path}: cannot be opened (${(error as Error).message})`, { cause: error });
  }
  let statements;
  try {
    // The wait must be set before anything else touches the file: another process may hold the lock.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    createSqliteSchema(db, prefix);
  } catch (error) {
    db.close();
    throw asStoreError(error, path);
  }
  try {
    statements = {
      findDecision: db.prepare<[string], { seq: number; record: string }>(`SELECT seq, record FROM ${prefix}decisions WHERE request_id = ?`),
      readCounter: db.prepare<[string], number>(`SELECT counted FROM ${prefix}counters WHERE key = ?`).pluck(),
      insertDecision: db.prepare<[string, string]>(`INSERT INTO ${prefix}decisions (request_id, record) VALUES (?, ?)`),
      writeCounter: db.prepare<[string, number]>(
        `INSERT INTO ${prefix}counters (key, counted) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET counted = excluded.counted`,
      ),
      page: db.prepare<[number, number], { seq: number; request_id: string; record: string }>(
        `SELECT seq, request_id, record FROM ${prefix}decisions WHERE seq > ? ORDER BY seq LIMIT ?`,
      ),
    };
  } catch (error) {
    db.close();
    throw new StoreError('STORE_FORMAT', `${path}: its tables are not a meter store's (${(error as Error).message})`, { cause: error });
  }
  const { findDecision, readCounter, insertDecision, writeCounter, page } = statements;

  // Counters touched by a batch are read once and written once, at its end.
  const writeBatch = db.transaction((batch: readonly PendingRecord[]): Settled[] => {
    const settled: Settled[] = [];
    const counts = new Map<string, number>();
    for (const item of batch) {
      const stored = findDecision.get(item.requestId);
      if (stored !== undefined) {
        try {
          settled.push({ outcome: { record: decodeRecord(stored.record, item.requestId), replayed: true, seq: stored.seq } });
        } catch (error) {
          settled.push({ error });
        }
        continue;
      }
      const counted = counts.get(item.counterKey) ?? readCounter.get(item.counterKey) ?? 0;
      let step: CounterStep;
      try {
        step = item.decide(counted);
      } catch (error) {
        // Nothing was written for this call yet: it fails alone.
        settled.push({ error });
        continue;
      }
      const seq = Number(insertDecision.run(item.requestId, encodeRecord(step.record)).lastInsertRowid);
      counts.set(item.counterKey, step.counted);
      settled.push({ outcome: { record: step.record, replayed: false, seq } });
    }
    for (const [key, counted] of counts) writeCounter.run(key, counted);
    return settled;
  });

  const queue = createRecordQueue((batch) => {
    let settled: Settled[];
    try {
      settled = writeBatch.immediate(batch);
    } catch (error) {
      throw asStoreError(error, path);
    }
    // Answers go out only now, after the commit.
    settled.forEach((s, i) => ('outcome' in s ? batch[i]!.resolve(s.outcome) : batch[i]!.reject(s.error)));
  }, maxBatch);

  let closed = false;
  const closedError = () => new StoreError('STORE_CLOSED', `${path}: the store is closed`);

  return {
    record(counterKey, requestId, decide) {
      if (closed) return Promise.reject(closedError());
      return queue.push(counterKey, requestId, decide);
    },
    async *records(): AsyncGenerator<DecisionRecord> {
      if (closed) throw closedError();
      await queue.drain();
      // Pages by seq rather than one open cursor: recording while a caller iterates stays possible.
      let after = 0;
      for (;;) {
        const rows = page.all(after, PAGE);
        for (const row of rows) yield decodeRecord(row.record, row.request_id);
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1]!.seq;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue.drain();
      db.close();
    },
  };
}

function asStoreError(error: unknown, path: string): unknown {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError('STORE_BUSY', `${path}: still locked by another writer after the busy timeout (${code})`, { cause: error });
  }
  return new StoreError('STORE_UNAVAILABLE', `${path}: ${(error as Error).message} (${code})`, { cause: error });
}
