import { type BilledDecision, type CounterStep, type DecisionRecord, type MeterStore, NO_CROSSINGS, type RecordOutcome, type ThresholdEvent, type UsageTotals } from '@byok-billing/core';
import Database from 'better-sqlite3';
import { type PendingRecord, createRecordQueue } from './recordBatch.js';
import { type NewDecision, type SqliteLayout, type StoredRow, createSqliteLayout } from './sqliteLayout.js';
import { LoggedCounters, type SqliteCounters, TableCounters } from './sqliteCounters.js';
import { type SqliteLayoutKind, openSqliteSchema } from './sqliteSchema.js';
import { sameFees } from './feeStateText.js';
import { sqliteUsageTotals } from './sqliteUsage.js';
import { SqliteThresholdEvents } from './sqliteEvents.js';
import { StoreError } from './storeError.js';
import { SQLITE_DEFAULT_MAX_BATCH, checkMaxBatch, checkTablePrefix } from './storeOptions.js';

export interface SqliteStoreOptions {
  /**
   * Most `record` calls written in one transaction (group commit: calls that arrive
   * while a transaction runs wait for the next one). Default 8192 (`SQLITE_DEFAULT_MAX_BATCH`);
   * 1 gives every request a transaction of its own.
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
  /** Prefix of the table names (`counters`, `decisions`, `threshold_events`); default none. */
  readonly tablePrefix?: string;
}

type Settled = { readonly outcome: RecordOutcome } | { readonly error: unknown };

const PAGE = 4096;

/**
 * A durable meter store in one SQLite file (WAL mode), safe for several processes.
 * Each batch of `record` calls is one `BEGIN IMMEDIATE` transaction, which takes the
 * file's write lock first: the look-up by request_id, the counter read, the decision
 * and the counter's new value of every call in it happen under that lock, so no other
 * process can decide between them. A call is answered only after its transaction
 * commits. New files use the compact layout (sqliteSchema.ts); files of the first
 * layout are used in theirs.
 *
 * @example
 * const meter = createMeter({ policy: defaultPolicy(), store: createSqliteStore('meter.db') });
 * (await meter.record(request)).replayed //=> false (true when the request_id was recorded before)
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): MeterStore {
  const maxBatch = checkMaxBatch(options.maxBatch, SQLITE_DEFAULT_MAX_BATCH);
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
  let layoutKind: SqliteLayoutKind;
  try {
    db = new Database(path);
  } catch (error) {
    throw new StoreError('STORE_UNAVAILABLE', `${path}: cannot be opened (${(error as Error).message})`, { cause: error });
  }
  let layout: SqliteLayout;
  try {
    // The wait must be set before anything else touches the file: another process may hold the lock.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    layoutKind = openSqliteSchema(db, prefix, path);
  } catch (error) {
    db.close();
    throw asStoreError(error, path);
  }
  let counters: SqliteCounters;
  let events: SqliteThresholdEvents;
  try {
    layout = createSqliteLayout(db, prefix, layoutKind);
    events = new SqliteThresholdEvents(db, prefix);
    counters = layoutKind === 'compact' ? new LoggedCounters(db, prefix) : new TableCounters(db, prefix);
  } catch (error) {
    db.close();
    throw new StoreError('STORE_FORMAT', `${path}: its tables are not a meter store's (${(error as Error).message})`, { cause: error });
  }

  /**
   * One batch, in call order, in one transaction: every counter it needs is read once,
   * its new decisions are inserted together at its end, a few hundred rows per
   * statement, and its counters written with them. A call repeating a request_id
   * decided earlier in the same batch gets that decision back.
   */
  const writeBatch = db.transaction((batch: readonly PendingRecord[]): Settled[] => {
    counters.begin();
    events.begin();
    const settled: Settled[] = new Array<Settled>(batch.length);
    const fresh = new FreshDecisions();
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      if (fresh.repeat(item.requestId, i)) continue;
      const row = layout.find(item.requestId);
      if (row !== undefined) {
        try {
          settled[i] = { outcome: { record: layout.decode(row, item.requestId), replayed: true, seq: row[0], crossed: NO_CROSSINGS } };
        } catch (error) {
          settled[i] = { error };
        }
        continue;
      }
      const counted = counters.get(item.counterKey);
      const fees = counters.fees(item.counterKey);
      let step: CounterStep;
      try {
        step = item.decide(counted, fees);
      } catch (error) {
        // Nothing was written for this call yet: it fails alone.
        settled[i] = { error };
        continue;
      }
      // An unchanged counter is not written: a request that does not count costs no counter write.
      // A step without a fee state (shorthand) leaves the one it read.
      const newFees = step.fees ?? fees;
      const changed = step.counted !== counted || !sameFees(newFees, fees);
      const logged = changed && counters.set(item.counterKey, step.counted, newFees);
      // Kept in this transaction, with the decision and the counter: committed together or not at all.
      const crossed = step.crossings === undefined || step.crossings.length === 0 ? NO_CROSSINGS : keptOrNone(events.keep(step.crossings));
      fresh.add(item.requestId, i, { record: step.record, counterKey: item.counterKey, counted: logged ? step.counted : null, fees: logged ? newFees : null }, crossed);
    }
    const seqs = fresh.insert(layout);
    counters.end(seqs.length > 0 ? seqs[seqs.length - 1]! : 0);
    fresh.settle(settled, seqs);
    return settled;
  });

  const foldCounters = db.transaction(() => {
    counters.begin();
    counters.fold();
  });

  const queue = createRecordQueue((batch) => {
    let settled: Settled[];
    try {
      settled = writeBatch.immediate(batch);
    } catch (error) {
      layout.rolledBack();
      counters.rolledBack();
      throw asStoreError(error, path);
    }
    // Answers go out only now, after the commit.
    settled.forEach((s, i) => ('outcome' in s ? batch[i]!.resolve(s.outcome) : batch[i]!.reject(s.error)));
  }, maxBatch);

  let closed = false;
  const closedError = () => new StoreError('STORE_CLOSED', `${path}: the store is closed`);

  async function* rowPages(): AsyncGenerator<readonly StoredRow[]> {
    if (closed) throw closedError();
    await queue.drain();
    // Pages by seq rather than one open cursor: recording while a caller iterates stays possible.
    let after = 0;
    for (;;) {
      const rows = layout.page(after, PAGE);
      yield rows;
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]![0];
    }
  }

  async function* billedPages(): AsyncGenerator<readonly BilledDecision[]> {
    if (closed) throw closedError();
    await queue.drain();
    let after = 0;
    for (;;) {
      const { decisions, lastSeq } = layout.billedPage(after, PAGE);
      yield decisions;
      if (decisions.length < PAGE) return;
      after = lastSeq;
    }
  }

  return {
    record(counterKey, requestId, decide) {
      if (closed) return Promise.reject(closedError());
      return queue.push(counterKey, requestId, decide);
    },
    async *events(afterSeq) {
      if (closed) throw closedError();
      await queue.drain();
      let after = afterSeq;
      for (;;) {
        const page = events.after(after, PAGE);
        yield* page;
        if (page.length < PAGE) return;
        after = page[page.length - 1]!.seq;
      }
    },
    async *records(): AsyncGenerator<DecisionRecord> {
      for await (const rows of rowPages()) for (const row of rows) yield layout.decode(row, row[1]);
    },
    billedPages,
    async usageTotals(filter): Promise<UsageTotals[]> {
      if (closed) throw closedError();
      await queue.drain();
      const recordAt = (seq: number) => {
        const row = layout.page(seq - 1, 1)[0]!;
        return layout.decode(row, row[1]);
      };
      try {
        return sqliteUsageTotals(db, prefix, layoutKind, recordAt, filter);
      } catch (error) {
        throw asStoreError(error, path);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue.drain();
      try {
        // Folds this process's counter changes into the snapshot, so that the next process
        // to open the file reads few decisions to find its counters. Not needed for
        // correctness: decisions after the fold are read whenever they were not folded.
        if (counters.foldable) foldCounters.immediate();
      } catch (error) {
        counters.rolledBack();
        throw asStoreError(error, path);
      } finally {
        db.close();
      }
    },
  };
}

function keptOrNone(kept: readonly ThresholdEvent[]): readonly ThresholdEvent[] {
  return kept.length === 0 ? NO_CROSSINGS : kept;
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

/** The decisions a batch makes, kept until they are inserted together at its end. */
class FreshDecisions {
  private readonly decisions: NewDecision[] = [];
  /** Index in the batch of the call that made each decision. */
  private readonly calls: number[] = [];
  /** The threshold events each decision stored. */
  private readonly crossed: (readonly ThresholdEvent[])[] = [];
  private readonly byId = new Map<string, number>();
  /** Pairs (call index, decision index) of calls repeating a decision of this batch. */
  private readonly repeats: number[] = [];

  /** True (and noted) when the batch already decided `requestId`. */
  repeat(requestId: string, call: number): boolean {
    const decision = this.byId.get(requestId);
    if (decision === undefined) return false;
    this.repeats.push(call, decision);
    return true;
  }

  add(requestId: string, call: number, decision: NewDecision, crossed: readonly ThresholdEvent[]): void {
    this.byId.set(requestId, this.decisions.length);
    this.decisions.push(decision);
    this.calls.push(call);
    this.crossed.push(crossed);
  }

  insert(layout: SqliteLayout): number[] {
    const seqs = new Array<number>(this.decisions.length);
    layout.insert(this.decisions, seqs);
    return seqs;
  }

  settle(settled: Settled[], seqs: readonly number[]): void {
    const d = this.decisions;
    for (let k = 0; k < d.length; k++) settled[this.calls[k]!] = { outcome: { record: d[k]!.record, replayed: false, seq: seqs[k]!, crossed: this.crossed[k]! } };
    for (let k = 0; k < this.repeats.length; k += 2) {
      const j = this.repeats[k + 1]!;
      settled[this.repeats[k]!] = { outcome: { record: d[j]!.record, replayed: true, seq: seqs[j]!, crossed: NO_CROSSINGS } };
    }
  }
}
