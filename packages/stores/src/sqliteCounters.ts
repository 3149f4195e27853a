import { type FeeState, NO_FEES } from '@byok-billing/core';
import type { Database, Statement } from 'better-sqlite3';
import { feeStateOf, unitsText } from './feeStateText.js';
import { RowInserter } from './rowInserter.js';
import { plainText } from './storedText.js';

/**
 * The counters of a SQLite store, as one write transaction reads and changes them.
 * Every method runs inside the store's write transaction (`begin` first, `end` last),
 * so no other process changes a counter in between.
 */
export interface SqliteCounters {
  begin(): void;
  /** The counter's value, with this transaction's changes. */
  get(key: string): number;
  /** The counter's fee state, with this transaction's changes (after `get` of the same key). */
  fees(key: string): FeeState;
  /**
   * This transaction sets the counter (its count and fee state); true when the decision's
   * row must carry the new state.
   */
  set(key: string, counted: number, fees: FeeState): boolean;
  /** Before the commit: `lastSeq` is the seq of the transaction's last decision (0 when it made none). */
  end(lastSeq: number): void;
  /** The transaction rolled back: forget what it changed. */
  rolledBack(): void;
  /** Whether `fold` has anything to do (compact layout: counters changed since the snapshot). */
  readonly foldable: boolean;
  /** Inside a write transaction of its own, at close: folds what it can (see `LoggedCounters`). */
  fold(): void;
}

/** The first layout's counters: a row per counter, read once a batch and written at its end. */
export class TableCounters implements SqliteCounters {
  private batch = new Map<string, number>();
  /** Fee states of the batch's counters that are not 0 (absent: `NO_FEES`). */
  private batchFees = new Map<string, FeeState>();
  private changed = new Set<string>();
  private readonly read: Statement<[string]>;
  private readonly write: RowInserter;
  readonly foldable = false;

  constructor(db: Database, p: string) {
    this.read = db.prepare<[string]>(`SELECT counted, list_usd, fees FROM ${p}counters WHERE key = ?`).raw();
    this.write = new RowInserter(db, `INSERT INTO ${p}counters (key, counted, list_usd, fees)`, 4, UPSERT_STATE);
  }

  begin(): void {
    this.batch = new Map();
    this.batchFees = new Map();
    this.changed = new Set();
  }

  get(key: string): number {
    let counted = this.batch.get(key);
    if (counted === undefined) {
      const row = this.read.get(key) as [number, unknown, unknown] | undefined;
      counted = row?.[0] ?? 0;
      this.batch.set(key, counted);
      const fees = row === undefined ? NO_FEES : feeStateOf(row[1], row[2], key);
      if (fees !== NO_FEES) this.batchFees.set(key, fees);
    }
    return counted;
  }

  fees(key: string): FeeState {
    return this.batchFees.get(key) ?? NO_FEES;
  }

  set(key: string, counted: number, fees: FeeState): boolean {
    this.batch.set(key, counted);
    this.batchFees.set(key, fees);
    this.changed.add(key);
    return false;
  }

  end(): void {
    writeCounters(this.write, this.changed, this.batch, this.batchFees);
  }

  rolledBack(): void {}

  fold(): void {}
}

/** Counters folded into the snapshot once this many have changed since the last fold. */
const FOLD_AFTER_KEYS = 1 << 16;
/** ... or once this many decisions were made since: bounds what a process opening the store reads. */
const FOLD_AFTER_DECISIONS = 1 << 18;

/**
 * The compact layout's counters: each decision row that changes a counter carries its
 * new value, and `counter_snapshot` holds every counter as of `counter_fold.seq`. A
 * counter is its latest value in the decisions after that, else its snapshot.
 *
 * Each process keeps those latest values (the tail since the fold) in memory. At the
 * start of every transaction it reads the decisions other processes made since it last
 * looked (none, with one writer) and takes in a fold another process made. When the
 * tail holds many counters or spans many decisions, the transaction folds it into the
 * snapshot: a few counter rows per batch become every changed counter once per fold.
 */
export class LoggedCounters implements SqliteCounters {
  /** The fold this process's tail starts from; -1 when unknown (then `begin` reads everything since the fold). */
  private foldSeq = -1;
  /** The last decision whose counter change is in `tail`. */
  private seenSeq = 0;
  private tail = new Map<string, number>();
  /** The fee states in `tail` that are not 0 (absent: `NO_FEES`; a row carrying a count carries its whole state). */
  private tailFees = new Map<string, FeeState>();
  private batch = new Map<string, number>();
  private batchFees = new Map<string, FeeState>();
  /** Keys whose new values this batch logs in its decisions. */
  private changed: string[] = [];
  /** Keys whose new values this batch writes to the snapshot (see `set`). */
  private direct: string[] = [];
  private readonly foldPoint: Statement<[], number>;
  private readonly since: Statement<[number]>;
  private readonly snapshot: Statement<[string]>;
  private readonly writeSnapshot: RowInserter;
  private readonly setFold: Statement<[number]>;

  constructor(db: Database, p: string) {
    this.foldPoint = db.prepare<[], number>(`SELECT seq FROM ${p}counter_fold`).pluck();
    this.since = db
      .prepare<[number]>(`SELECT seq, coalesce(counter_key, scope || char(10) || period), counted, list_usd, fees FROM ${p}decision_rows WHERE seq > ? ORDER BY seq`)
      .raw();
    this.snapshot = db.prepare<[string]>(`SELECT counted, list_usd, fees FROM ${p}counter_snapshot WHERE key = ?`).raw();
    this.writeSnapshot = new RowInserter(db, `INSERT INTO ${p}counter_snapshot (key, counted, list_usd, fees)`, 4, UPSERT_STATE);
    this.setFold = db.prepare<[number]>(`UPDATE ${p}counter_fold SET seq = ?`);
  }

  get foldable(): boolean {
    return this.tail.size > 0;
  }

  begin(): void {
    const fold = this.foldPoint.get() ?? 0;
    if (fold !== this.foldSeq) {
      // First transaction, or another process folded: start the tail again from its fold.
      this.tail = new Map();
      this.tailFees = new Map();
      this.foldSeq = fold;
      this.seenSeq = fold;
    }
    for (const [seq, key, counted, listUsd, fees] of this.since.iterate(this.seenSeq) as IterableIterator<[number, string, number | null, unknown, unknown]>) {
      if (counted !== null) {
        this.tail.set(key, counted);
        // NULL amounts are 0: a shorthand counter's, and every row written before fee states were kept.
        const state = listUsd === null && fees === null ? NO_FEES : feeStateOf(listUsd, fees, key);
        if (state !== NO_FEES) this.tailFees.set(key, state);
        else if (this.tailFees.size > 0) this.tailFees.delete(key);
      }
      this.seenSeq = seq;
    }
    this.batch = new Map();
    this.batchFees = new Map();
    this.changed = [];
    this.direct = [];
  }

  get(key: string): number {
    let counted = this.batch.get(key);
    if (counted === undefined) {
      // The batch's own map first: a key is looked up in the larger tail once a batch.
      counted = this.tail.get(key);
      let fees: FeeState;
      if (counted !== undefined) {
        fees = this.tailFees.get(key) ?? NO_FEES;
      } else {
        // The snapshot's row gives the count and the fee state in one read.
        const row = this.snapshot.get(key) as [number, unknown, unknown] | undefined;
        counted = row?.[0] ?? 0;
        fees = row === undefined ? NO_FEES : feeStateOf(row[1], row[2], key);
      }
      this.batch.set(key, counted);
      if (fees !== NO_FEES) this.batchFees.set(key, fees);
    }
    return counted;
  }

  fees(key: string): FeeState {
    return this.batchFees.size > 0 ? (this.batchFees.get(key) ?? NO_FEES) : NO_FEES;
  }

  set(key: string, counted: number, fees: FeeState): boolean {
    this.batch.set(key, counted);
    // Shorthand stores never hold a fee state: their maps stay empty and cost no look-up.
    if (fees !== NO_FEES) this.batchFees.set(key, fees);
    else if (this.batchFees.size > 0) this.batchFees.delete(key);
    // SQLite returns a key with a lone surrogate altered, so a process reading the
    // decisions could not tell its counter: such a counter is written to the snapshot
    // at once instead, as the first layout writes every counter.
    const logged = plainText(key);
    (logged ? this.changed : this.direct).push(key);
    return logged;
  }

  end(lastSeq: number): void {
    writeCounters(this.writeSnapshot, this.direct, this.batch, this.batchFees);
    for (const key of this.changed) {
      this.tail.set(key, this.batch.get(key)!);
      const fees = this.batchFees.size > 0 ? this.batchFees.get(key) : undefined;
      if (fees !== undefined) this.tailFees.set(key, fees);
      else if (this.tailFees.size > 0) this.tailFees.delete(key);
    }
    if (lastSeq > this.seenSeq) this.seenSeq = lastSeq;
    if (this.tail.size >= FOLD_AFTER_KEYS || this.seenSeq - this.foldSeq >= FOLD_AFTER_DECISIONS) this.fold();
  }

  rolledBack(): void {
    this.foldSeq = -1;
    this.tail = new Map();
    this.tailFees = new Map();
  }

  /** Writes the tail into the snapshot and moves the fold point to the last decision seen. */
  fold(): void {
    writeCounters(this.writeSnapshot, this.tail.keys(), this.tail, this.tailFees);
    this.setFold.run(this.seenSeq);
    this.foldSeq = this.seenSeq;
    this.tail = new Map();
    this.tailFees = new Map();
  }
}

/** A counter row's upsert: its count and fee state together. */
const UPSERT_STATE = ' ON CONFLICT (key) DO UPDATE SET counted = excluded.counted, list_usd = excluded.list_usd, fees = excluded.fees';

/** Upserts the counters named by `keys` with their counts in `values` and fee states in `fees` (absent: 0). */
function writeCounters(write: RowInserter, keys: Iterable<string>, values: ReadonlyMap<string, number>, fees: ReadonlyMap<string, FeeState>): void {
  const list = [...keys];
  write.insert(list.length, (v, at, i) => {
    const key = list[i]!;
    const state = fees.get(key) ?? NO_FEES;
    v[at] = key;
    v[at + 1] = values.get(key);
    v[at + 2] = unitsText(state.listUsdSoFar);
    v[at + 3] = unitsText(state.feesSoFar);
  });
}
