import { scanBuffers } from './bufferPool.js';

/** A row the scanner could not keep as plain byte ranges, or refused. Rare. */
export interface SideRow {
  /** The row's text when it is not the bytes `rowStart..rowEnd` (a quoted record over several lines). */
  text?: string;
  /** The request id when it is not the bytes `idStart..idEnd` (quoted, or not ASCII). */
  id?: string;
  /** `id` as UTF-8. */
  idBytes?: Uint8Array;
  /** The cost in 10^-12 dollars when it is not a safe integer. */
  costBig?: bigint;
  /** The recorded charge (`charged_usd`) in 10^-12 dollars when it is not a safe integer. */
  chargedBig?: bigint;
  /** Why the row is refused, and where. */
  problem?: { readonly reason: string; readonly column?: number | undefined; readonly columnName?: string | undefined };
}

export const ROW_ACCEPTED = 0;
/** `charged` of a row without a recorded charge (charges are never negative). */
export const CHARGED_ABSENT = -1;
export const ROW_REJECTED = 1;

/**
 * The rows of one piece of a log, scanned into columns of plain numbers (struct of
 * arrays): no object per row, and the whole batch can move between threads as a few
 * transferable buffers.
 */
export interface RowBatch {
  count: number;
  /** Rows the columns have room for. */
  capacity: number;
  /** The bytes the rows' byte ranges point into. */
  readonly bytes: Uint8Array;
  /** Physical line each row starts on, counted from the scanner's first line (1-based). */
  line: Int32Array;
  /** Physical lines the batch spans, so the next batch's lines can be numbered from it. */
  lines: number;
  rowStart: Int32Array;
  rowEnd: Int32Array;
  idStart: Int32Array;
  idEnd: Int32Array;
  idHash: Int32Array;
  epochMs: Float64Array;
  nanos: Int32Array;
  /** Indexes into the scanner's name table; `org` is -1 for no org. */
  user: Int32Array;
  org: Int32Array;
  /**
   * The `provider` and `model` cells as indexes into the same name table, -1 for `''` (absent
   * column or empty cell). Read only when the scan was asked to (`withFacts`: some policy
   * chooses fee schedules by them); otherwise these columns are empty (no room, no work).
   */
  provider: Int32Array;
  model: Int32Array;
  /** Whether the batch has `provider` and `model` columns. */
  readonly withFacts: boolean;
  key: Uint8Array;
  platform: Uint8Array;
  recorded: Uint8Array;
  /** List cost in 10^-12 dollars (a safe integer), or NaN with the exact value in `side`. */
  cost: Float64Array;
  /**
   * The recorded charge (`charged_usd`) in 10^-12 dollars, `CHARGED_ABSENT` when the row has
   * none, or NaN with the exact value in `side` (audits compare it with the policy's charge).
   */
  charged: Float64Array;
  status: Uint8Array;
  /** Rows that need more than numbers, by row index. */
  readonly side: Map<number, SideRow>;
  /** Names first seen in this batch, in the order the scanner numbered them. */
  newNames: string[];
  /** Index the first of `newNames` got. */
  firstNewName: number;
  /** Rows of the batch still held in the reorder window (the replay's bookkeeping). */
  holds: number;
  /** Whether every row of the batch has been taken (the replay's bookkeeping). */
  taken: boolean;
}

/** The numeric columns, each a view of one buffer, so a batch moves between threads as two buffers. */
const FLOAT_COLUMNS = ['epochMs', 'cost', 'charged'] as const;
const INT_COLUMNS = ['line', 'rowStart', 'rowEnd', 'idStart', 'idEnd', 'idHash', 'nanos', 'user', 'org'] as const;
const BYTE_COLUMNS = ['key', 'platform', 'recorded', 'status'] as const;
/** Columns only a batch `withFacts` has room for (the plain bill's batches stay as small as before). */
const FACT_COLUMNS = ['provider', 'model'] as const;
const BYTES_PER_ROW = FLOAT_COLUMNS.length * 8 + INT_COLUMNS.length * 4 + BYTE_COLUMNS.length;

function allocateColumns(batch: RowBatch, capacity: number): void {
  const factBytes = batch.withFacts ? FACT_COLUMNS.length * 4 : 0;
  const buffer = scanBuffers.take(capacity * (BYTES_PER_ROW + factBytes));
  // A reused buffer holds an earlier batch's columns: rows rely on zeros (status: accepted).
  new Uint8Array(buffer).fill(0);
  let offset = 0;
  for (const name of FLOAT_COLUMNS) {
    batch[name] = new Float64Array(buffer, offset, capacity);
    offset += capacity * 8;
  }
  for (const name of INT_COLUMNS) {
    batch[name] = new Int32Array(buffer, offset, capacity);
    offset += capacity * 4;
  }
  // Views of the same buffer even when empty, so a batch still moves between threads as two buffers.
  const factRows = batch.withFacts ? capacity : 0;
  for (const name of FACT_COLUMNS) {
    batch[name] = new Int32Array(buffer, offset, factRows);
    offset += factRows * 4;
  }
  for (const name of BYTE_COLUMNS) {
    batch[name] = new Uint8Array(buffer, offset, capacity);
    offset += capacity;
  }
  batch.capacity = capacity;
}

export function createRowBatch(bytes: Uint8Array, capacity: number, withFacts = false): RowBatch {
  // Every field from the start, in one order: batches then share one shape (fast property access).
  const batch = { count: 0, bytes, lines: 0, side: new Map(), newNames: [], firstNewName: 0, holds: 0, taken: false, withFacts } as unknown as RowBatch;
  allocateColumns(batch, Math.max(16, capacity));
  return batch;
}

/** Doubles a batch's room for rows (a piece with shorter rows than estimated). */
export function growRowBatch(batch: RowBatch): void {
  const old = { ...batch };
  allocateColumns(batch, batch.capacity * 2);
  for (const name of [...FLOAT_COLUMNS, ...INT_COLUMNS, ...FACT_COLUMNS, ...BYTE_COLUMNS]) (batch[name] as Uint8Array).set(old[name] as Uint8Array);
}

/** The buffers a batch moves to another thread with. */
export function batchTransferList(batch: RowBatch): ArrayBuffer[] {
  return [batch.bytes.buffer as ArrayBuffer, batch.line.buffer as ArrayBuffer];
}

/** FNV-1a over bytes: the id's hash, equal for equal ids whichever way they were read. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

/**
 * Two rows' request ids in UTF-8 byte order (POLICY.md D1's tie-break): -1, 0 or 1.
 * Reads the bytes where they are, so no id is copied or decoded.
 */
export function compareIds(a: RowBatch, ra: number, b: RowBatch, rb: number): number {
  let aBytes = a.bytes;
  let aStart = a.idStart[ra]!;
  let aEnd = a.idEnd[ra]!;
  let bBytes = b.bytes;
  let bStart = b.idStart[rb]!;
  let bEnd = b.idEnd[rb]!;
  const aSide = a.side.size > 0 ? a.side.get(ra)?.idBytes : undefined;
  if (aSide !== undefined) [aBytes, aStart, aEnd] = [aSide, 0, aSide.length];
  const bSide = b.side.size > 0 ? b.side.get(rb)?.idBytes : undefined;
  if (bSide !== undefined) [bBytes, bStart, bEnd] = [bSide, 0, bSide.length];
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const x = aBytes[aStart + i]!;
    const y = bBytes[bStart + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  const la = aEnd - aStart;
  const lb = bEnd - bStart;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

// A BOM at the start of a row is text like any other (the record reader keeps it).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function rowText(batch: RowBatch, row: number): string {
  const text = batch.side.get(row)?.text;
  return text !== undefined ? text : decoder.decode(batch.bytes.subarray(batch.rowStart[row]!, batch.rowEnd[row]!));
}

export function rowId(batch: RowBatch, row: number): string {
  const id = batch.side.get(row)?.id;
  return id !== undefined ? id : decoder.decode(batch.bytes.subarray(batch.idStart[row]!, batch.idEnd[row]!));
}
