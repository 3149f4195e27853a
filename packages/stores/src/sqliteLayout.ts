import { type BilledDecision, type DecisionRecord, type DecisionShape, type FeeState, shapeOf } from '@byok-billing/core';
import type { Database, Statement } from 'better-sqlite3';
import { fitsColumns, joinRecord, parseShape, sameShape, shapeText } from './compactRecord.js';
import { type RowFiller, RowInserter } from './rowInserter.js';
import type { SqliteLayoutKind } from './sqliteSchema.js';
import { StoreError } from './storeError.js';
import { plainText } from './storedText.js';
import { decodeRecord, encodeRecord } from './storedRecord.js';
import { unitsText } from './feeStateText.js';

/** A decision to insert: its record, the counter it was decided from, and the counter's new value (count and fee state) when its row carries it. */
export interface NewDecision {
  readonly record: DecisionRecord;
  readonly counterKey: string;
  readonly counted: number | null;
  readonly fees: FeeState | null;
}

/** A stored decision as its table row, `seq` and `request_id` first; `SqliteLayout.decode` reads the rest. */
export type StoredRow = readonly [seq: number, requestId: string, ...rest: unknown[]];

/**
 * What a store's SQL depends on its layout for: finding, adding and reading decisions.
 * Everything here runs inside the store's write transaction or between transactions,
 * never across one.
 */
export interface SqliteLayout {
  /** The row of a recorded request_id, or undefined. */
  find(requestId: string): StoredRow | undefined;
  /** The record a row holds; `STORE_FORMAT` when it is not one. */
  decode(row: StoredRow, requestId: string): DecisionRecord;
  /** Rows after `seq`, in seq order, at most `limit`. */
  page(after: number, limit: number): StoredRow[];
  /** What a bill reads of the decisions after `seq`, in seq order, at most `limit`, and the seq of the last. */
  billedPage(after: number, limit: number): { readonly decisions: BilledDecision[]; readonly lastSeq: number };
  /** Inserts the decisions in order; `seqs[i]` gets the seq of `decisions[i]`. */
  insert(decisions: readonly NewDecision[], seqs: number[]): void;
  /** The transaction failed: forget what it taught (numbers it gave that were rolled back). */
  rolledBack(): void;
}

export function createSqliteLayout(db: Database, prefix: string, kind: SqliteLayoutKind): SqliteLayout {
  return kind === 'compact' ? compactLayout(db, prefix) : jsonLayout(db, prefix);
}

/**
 * A record kept whole as JSON, stored for `requestId`. SQLite returns an id holding a lone
 * surrogate altered (storedText.ts) while the JSON keeps it exactly, so such an id
 * matches any plain text SQLite gives for it; every other id must be the record's own.
 */
function decodeKept(text: string, requestId: string): DecisionRecord {
  return decodeRecord(text, requestId, (id) => id === requestId || (!plainText(id) && plainText(requestId)));
}

/** Records each decision's seq after a chunk of inserts: a chunk's rows got consecutive seqs. */
function seqsOf(seqs: number[]): (first: number, count: number, lastRowid: number) => void {
  // AUTOINCREMENT gives each new row one more than the largest seq ever used, and this
  // connection holds the write lock: the rows of one INSERT are numbered last-count+1..last.
  return (first, count, lastRowid) => {
    for (let i = 0; i < count; i++) seqs[first + i] = lastRowid - count + 1 + i;
  };
}

/** The first layout: the record's JSON text in `decisions.record`. */
function jsonLayout(db: Database, p: string): SqliteLayout {
  const find = db.prepare<[string]>(`SELECT seq, request_id, record FROM ${p}decisions WHERE request_id = ?`).raw();
  const page = db.prepare<[number, number]>(`SELECT seq, request_id, record FROM ${p}decisions WHERE seq > ? ORDER BY seq LIMIT ?`).raw();
  const inserter = new RowInserter(db, `INSERT INTO ${p}decisions (request_id, record)`, 2);
  return {
    find: (requestId) => find.get(requestId) as StoredRow | undefined,
    decode: (row, requestId) => decodeKept(row[2] as string, requestId),
    page: (after, limit) => page.all(after, limit) as StoredRow[],
    billedPage(after, limit) {
      const rows = page.all(after, limit) as StoredRow[];
      return { decisions: rows.map((row) => decodeKept(row[2] as string, row[1])), lastSeq: rows.length > 0 ? rows[rows.length - 1]![0] : after };
    },
    insert(decisions, seqs) {
      // Counters live in their own table here (TableCounters).
      const fill: RowFiller = (v, at, i) => {
        const r = decisions[i]!.record;
        v[at] = r.requestId;
        v[at + 1] = encodeRecord(r);
      };
      inserter.insert(decisions.length, fill, seqsOf(seqs));
    },
    rolledBack() {},
  };
}

const COMPACT_COLUMNS = 'seq, request_id, instant, scope, period, shape, ordinal, cost, fee, charge, charged, record';

/**
 * The compact layout: a decision's own values in columns, its shape by number. About a
 * fifth of the bytes of the JSON text per decision, and no JSON to write or parse.
 */
function compactLayout(db: Database, p: string): SqliteLayout {
  const find = db.prepare<[string]>(`SELECT ${COMPACT_COLUMNS} FROM ${p}decision_rows WHERE request_id = ?`).raw();
  const page = db.prepare<[number, number]>(`SELECT ${COMPACT_COLUMNS} FROM ${p}decision_rows WHERE seq > ? ORDER BY seq LIMIT ?`).raw();
  const inserter = new RowInserter(
    db,
    `INSERT INTO ${p}decision_rows (request_id, instant, scope, period, shape, ordinal, cost, fee, charge, charged, record, counter_key, counted, list_usd, fees)`,
    15,
  );
  // A bill reads neither ids nor instants nor charges: fewer strings made per row. The
  // request_id comes only with a record kept whole, to check it.
  const billed = db
    .prepare<[number, number]>(
      `SELECT seq, scope, period, shape, ordinal, cost, fee, record, iif(record IS NULL, NULL, request_id)
       FROM ${p}decision_rows WHERE seq > ? ORDER BY seq LIMIT ?`,
    )
    .raw();
  const shapes = shapeNumbers(db, p);
  return {
    find: (requestId) => find.get(requestId) as StoredRow | undefined,
    decode(row, requestId) {
      const [, id, instant, scope, period, shapeId, ordinal, cost, fee, charge, charged, record] = row;
      if (typeof record === 'string') return decodeKept(record, requestId);
      if (id !== requestId || typeof shapeId !== 'number') {
        throw new StoreError('STORE_FORMAT', `the stored decision of request_id ${JSON.stringify(requestId)} is not a decision record`);
      }
      return joinRecord(
        requestId,
        shapes.byNumber(shapeId),
        instant as string,
        scope as string,
        period as string,
        ordinal as number | null,
        cost as string,
        fee as string,
        charge as string,
        charged as string | null,
      );
    },
    page: (after, limit) => page.all(after, limit) as StoredRow[],
    billedPage(after, limit) {
      const rows = billed.all(after, limit) as unknown[][];
      const decisions = new Array<BilledDecision>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const [, scope, period, shapeId, ordinal, cost, fee, record, requestId] = rows[i]!;
        if (typeof record === 'string') {
          decisions[i] = decodeKept(record, requestId as string);
          continue;
        }
        const t = shapes.byNumber(shapeId as number);
        decisions[i] = {
          scope: scope as string,
          period: period as string,
          policyVersion: t.policyVersion,
          failoverMode: t.failoverMode,
          allowance: t.allowance,
          route: t.route,
          chargeKind: t.chargeKind,
          ordinal: ordinal as number | null,
          status: t.status,
          costUsd: cost as string,
          feeUsd: fee as string,
          routeMismatch: t.routeMismatch,
        };
      }
      return { decisions, lastSeq: rows.length > 0 ? (rows[rows.length - 1]![0] as number) : after };
    },
    insert(decisions, seqs) {
      inserter.insert(decisions.length, (v, at, i) => fillCompact(v, at, decisions[i]!, shapes), seqsOf(seqs));
    },
    rolledBack: () => shapes.forget(),
  };
}

/**
 * A decision's row of `decision_rows` after seq: its record's columns, or (when it does
 * not fit them) its JSON; its counter's key unless it is the record's scope LF period,
 * and the counter's new value when the row carries it (see `LoggedCounters.set`).
 */
function fillCompact(v: unknown[], at: number, d: NewDecision, shapes: ShapeNumbers): void {
  const r = d.record;
  const fits = fitsColumns(r);
  v[at] = r.requestId;
  v[at + 1] = fits ? r.instant : null;
  v[at + 2] = fits ? r.scope : null;
  v[at + 3] = fits ? r.period : null;
  v[at + 4] = fits ? shapes.numberOf(r) : null;
  v[at + 5] = fits ? r.ordinal : null;
  v[at + 6] = fits ? r.costUsd : null;
  v[at + 7] = fits ? r.feeUsd : null;
  v[at + 8] = fits ? r.chargeUsd : null;
  v[at + 9] = fits ? r.chargedUsd : null;
  v[at + 10] = fits ? null : encodeRecord(r);
  v[at + 11] = fits && isScopePeriod(d.counterKey, r.scope, r.period) ? null : d.counterKey;
  v[at + 12] = d.counted;
  // A fee state of 0 (every shorthand counter's) is NULL: no text made or kept for it.
  const fees = d.fees;
  v[at + 13] = fees === null || fees.listUsdSoFar === 0n ? null : unitsText(fees.listUsdSoFar);
  v[at + 14] = fees === null || fees.feesSoFar === 0n ? null : unitsText(fees.feesSoFar);
}

/** Whether `key` is `scope` LF `period` (the meter's counter key), without making that string. */
function isScopePeriod(key: string, scope: string, period: string): boolean {
  return (
    key.length === scope.length + 1 + period.length && key.charCodeAt(scope.length) === 10 && key.startsWith(scope) && key.endsWith(period)
  );
}

interface ShapeNumbers {
  /** The number of a record's shape, added to the table when new (inside the caller's transaction). */
  numberOf(r: DecisionRecord): number;
  byNumber(id: number): DecisionShape;
  /** Drops every cached number: one given in a transaction that rolled back may be given again to another shape. */
  forget(): void;
}

/** Shapes compared field by field before any text is made: a store meets a handful of them. */
const RECENT_SHAPES = 32;

/** `decision_shapes`, cached both ways: a store meets a handful of combinations in its life. */
function shapeNumbers(db: Database, p: string): ShapeNumbers {
  const select: Statement<[string], number> = db.prepare<[string], number>(`SELECT id FROM ${p}decision_shapes WHERE shape = ?`).pluck();
  const insert = db.prepare<[string]>(`INSERT INTO ${p}decision_shapes (shape) VALUES (?)`);
  const read: Statement<[number], string> = db.prepare<[number], string>(`SELECT shape FROM ${p}decision_shapes WHERE id = ?`).pluck();
  let numbers = new Map<string, number>();
  let shapes = new Map<number, DecisionShape>();
  let recent: { readonly shape: DecisionShape; readonly id: number }[] = [];
  return {
    numberOf(r) {
      for (const known of recent) if (sameShape(known.shape, r)) return known.id;
      const t = shapeOf(r);
      const text = shapeText(t);
      let id = numbers.get(text);
      if (id === undefined) {
        id = select.get(text) ?? Number(insert.run(text).lastInsertRowid);
        numbers.set(text, id);
      }
      if (recent.length < RECENT_SHAPES) recent.push({ shape: t, id });
      return id;
    },
    byNumber(id) {
      let t = shapes.get(id);
      if (t === undefined) {
        const text = read.get(id);
        if (text === undefined) throw new StoreError('STORE_FORMAT', `decision shape ${id} is missing`);
        t = parseShape(text, id);
        shapes.set(id, t);
      }
      return t;
    },
    forget() {
      numbers = new Map();
      shapes = new Map();
      recent = [];
    },
  };
}
