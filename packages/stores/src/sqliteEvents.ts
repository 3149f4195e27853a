import type { ThresholdCrossing, ThresholdEvent } from '@byok-billing/core';
import type { Database, Statement } from 'better-sqlite3';
import { StoreError } from './storeError.js';

/**
 * The threshold outbox of a SQLite store, the same table in both layouts:
 * `threshold_events(seq, scope, period, threshold, request_id, instant, count, list_usd)`,
 * UNIQUE (scope, period, threshold). `seq` is AUTOINCREMENT and SQLite has one writer at a
 * time, so seq order is commit order: a consumer reading after its cursor never skips an
 * event that commits later with a smaller seq.
 */
export function createThresholdEventsTable(db: Database, p: string): void {
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${p}threshold_events (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       scope TEXT NOT NULL,
       period TEXT NOT NULL,
       threshold TEXT NOT NULL,
       request_id TEXT NOT NULL,
       instant TEXT NOT NULL,
       count INTEGER NOT NULL,
       list_usd TEXT,
       UNIQUE (scope, period, threshold)
     )`,
  );
}

type EventRow = [seq: number, scope: string, period: string, threshold: string, requestId: string, instant: string, count: number, listUsd: string | null];

/** Keeps and reads threshold events; `keep` runs inside the store's write transaction. */
export class SqliteThresholdEvents {
  private readonly insert: Statement<unknown[]>;
  private readonly page: Statement<[number, number]>;
  /** Event keys this transaction already tried to store (`begin` empties it). */
  private tried = new Set<string>();

  constructor(db: Database, p: string) {
    // DO NOTHING on the unique key: a crossing stored earlier (another process, another
    // batch) is dropped here, and `changes` says whether this one was kept.
    this.insert = db.prepare<unknown[]>(
      `INSERT INTO ${p}threshold_events (scope, period, threshold, request_id, instant, count, list_usd) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope, period, threshold) DO NOTHING`,
    );
    this.page = db.prepare<[number, number]>(
      `SELECT seq, scope, period, threshold, request_id, instant, count, list_usd FROM ${p}threshold_events WHERE seq > ? ORDER BY seq LIMIT ?`,
    ).raw();
  }

  /** At the start of each write transaction. */
  begin(): void {
    if (this.tried.size > 0) this.tried = new Set();
  }

  /** The crossings this transaction stores (those no earlier decision stored), with their seqs. */
  keep(crossings: readonly ThresholdCrossing[]): ThresholdEvent[] {
    const kept: ThresholdEvent[] = [];
    for (const c of crossings) {
      // Several requests of one batch may offer the same first-billable (the meter learns it
      // is stored only from the batch's answers): one attempt each per transaction.
      const key = `${c.scope}\n${c.period}\n${c.threshold}`;
      if (this.tried.has(key)) continue;
      this.tried.add(key);
      const result = this.insert.run(c.scope, c.period, c.threshold, c.requestId, c.instant, c.count, c.listUsd);
      if (result.changes === 1) kept.push({ seq: Number(result.lastInsertRowid), ...c });
    }
    return kept;
  }

  /** Events after `after`, in seq order, at most `limit`. */
  after(after: number, limit: number): ThresholdEvent[] {
    return (this.page.all(after, limit) as EventRow[]).map(eventOf);
  }
}

function eventOf(row: EventRow): ThresholdEvent {
  const [seq, scope, period, threshold, requestId, instant, count, listUsd] = row;
  if (typeof scope !== 'string' || typeof threshold !== 'string' || !Number.isSafeInteger(count)) {
    throw new StoreError('STORE_FORMAT', `threshold event ${seq} is not one this store wrote`);
  }
  return { seq, scope, period, threshold, requestId, instant, count, listUsd: listUsd ?? null };
}
