import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeScratchDir, removeScratchDir } from '../../io/scratchDirs.js';
import { type RowBatch, type SideRow, createRowBatch } from './rowBatch.js';

/*
 * An external merge sort of accepted rows into allowance order (POLICY.md D1: instant, then
 * request id in UTF-8 byte order; then input order), for logs in any order: rows are appended to a run in
 * memory; a full run is sorted and written to a temporary file; at the end the runs are
 * merged, and the rows come back as row batches, as if a scanner had read a sorted log.
 * Memory is a run and a read buffer per run, whatever the log's size.
 *
 * A row is kept as one record, 8-byte aligned so typed views read its numbers in place:
 *   f64 ms, cost, charged, line · i32 ns, input, user, org, idHash, rowLen, idStart, idLen,
 *   sideLen, codes (key | platform << 8 | recorded << 16), recordLength, provider, model · the row's bytes ·
 *   the id's bytes when they are not in the row (quoted or decoded ids) · side JSON · padding.
 */
const HEADER = 88;
const F_MS = 0;
const F_COST = 1;
const F_CHARGED = 2;
const F_LINE = 3;
const I_NS = 8;
const I_INPUT = 9;
const I_USER = 10;
const I_ORG = 11;
const I_HASH = 12;
const I_ROW_LEN = 13;
const I_ID_START = 14;
const I_ID_LEN = 15;
const I_SIDE_LEN = 16;
const I_CODES = 17;
const I_LENGTH = 18;
/** Global name numbers of `provider` and `model` (-1: '' or not read). */
const I_PROVIDER = 19;
const I_MODEL = 20;

const encoder = new TextEncoder();
// ignoreBOM: an id may begin with U+FEFF, and must read back as it was written.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Sorted rows as a batch, with the input each row came from (rows of several inputs interleave). */
export interface SortedBatch {
  readonly batch: RowBatch;
  readonly inputs: Int32Array;
}

export interface SpillSortOptions {
  /** Bytes of records a run holds before it is sorted and written (default 64 MiB). */
  readonly runBytes?: number;
  /** Directory for the runs (default: the system's temporary directory). */
  readonly dir?: string | undefined;
  /** Whether the batches given back have `provider` and `model` columns (RowBatch.withFacts). */
  readonly withFacts?: boolean | undefined;
}

/** A record arena: bytes with the float and int views that read its headers in place. */
class Arena {
  bytes: Uint8Array;
  f64: Float64Array;
  i32: Int32Array;
  constructor(size: number) {
    const buffer = new ArrayBuffer(size);
    this.bytes = new Uint8Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
  }
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Allowance order of two records (instant, then id bytes); `a` and `b` are byte offsets. */
function compareRecords(x: Arena, a: number, y: Arena, b: number): number {
  const msA = x.f64[a / 8 + F_MS]!;
  const msB = y.f64[b / 8 + F_MS]!;
  if (msA !== msB) return msA < msB ? -1 : 1;
  const nsA = x.i32[a / 4 + I_NS]!;
  const nsB = y.i32[b / 4 + I_NS]!;
  if (nsA !== nsB) return nsA < nsB ? -1 : 1;
  const byId = compareIdBytes(x, a, y, b);
  if (byId !== 0) return byId;
  // Rows of one id and instant come back in input order (files as given, then lines), as a
  // window would meet them: the first of them is the one the others are compared with.
  const inputA = x.i32[a / 4 + I_INPUT]!;
  const inputB = y.i32[b / 4 + I_INPUT]!;
  if (inputA !== inputB) return inputA < inputB ? -1 : 1;
  const lineA = x.f64[a / 8 + F_LINE]!;
  const lineB = y.f64[b / 8 + F_LINE]!;
  return lineA === lineB ? 0 : lineA < lineB ? -1 : 1;
}

function compareIdBytes(x: Arena, a: number, y: Arena, b: number): number {
  const startA = a + HEADER + x.i32[a / 4 + I_ID_START]!;
  const lenA = x.i32[a / 4 + I_ID_LEN]!;
  const startB = b + HEADER + y.i32[b / 4 + I_ID_START]!;
  const lenB = y.i32[b / 4 + I_ID_LEN]!;
  const n = Math.min(lenA, lenB);
  const bytesA = x.bytes;
  const bytesB = y.bytes;
  for (let i = 0; i < n; i++) {
    const p = bytesA[startA + i]!;
    const q = bytesB[startB + i]!;
    if (p !== q) return p < q ? -1 : 1;
  }
  return lenA === lenB ? 0 : lenA < lenB ? -1 : 1;
}

/** A run file read back a buffer at a time; `at` is the current record's offset in `arena`. */
class RunReader {
  arena: Arena;
  at = 0;
  private end = 0;
  private fileOffset = 0;
  private readonly fd: number;
  constructor(path: string, bufferBytes: number) {
    this.fd = openSync(path, 'r');
    this.arena = new Arena(bufferBytes);
  }

  /** Moves to the next record; false at the end of the run. */
  next(skip: number): boolean {
    this.at += skip;
    if (!this.ensure(HEADER)) return false;
    const length = this.arena.i32[this.at / 4 + I_LENGTH]!;
    if (!this.ensure(length)) throw new Error('spill sort: a run file ends inside a record');
    return true;
  }

  get length(): number {
    return this.arena.i32[this.at / 4 + I_LENGTH]!;
  }

  /** Makes `n` bytes from `at` available, reading more of the file; false when none are left. */
  private ensure(n: number): boolean {
    if (this.end - this.at >= n) return true;
    const rest = this.end - this.at;
    if (n > this.arena.bytes.length) {
      const grown = new Arena(pad8(n * 2));
      grown.bytes.set(this.arena.bytes.subarray(this.at, this.end));
      this.arena = grown;
    } else {
      this.arena.bytes.copyWithin(0, this.at, this.end);
    }
    this.at = 0;
    this.end = rest;
    while (this.end < n) {
      const read = readSync(this.fd, this.arena.bytes, this.end, this.arena.bytes.length - this.end, this.fileOffset);
      if (read === 0) break;
      this.end += read;
      this.fileOffset += read;
    }
    if (this.end === 0) return false;
    return this.end >= n;
  }

  close(): void {
    closeSync(this.fd);
  }
}

export class SpillSorter {
  private readonly runBytes: number;
  private readonly parentDir: string;
  private dir: string | undefined;
  private arena: Arena;
  private used = 0;
  private offsets = new Int32Array(1 << 16);
  private count = 0;
  private readonly runs: string[] = [];
  /** Rows added in all. */
  rows = 0;

  private readonly withFacts: boolean;

  constructor(options: SpillSortOptions = {}) {
    this.withFacts = options.withFacts === true;
    this.runBytes = options.runBytes ?? 32 << 20;
    this.parentDir = options.dir ?? tmpdir();
    this.arena = new Arena(Math.min(this.runBytes, 1 << 20));
  }

  /** Adds an accepted row of a batch; `user`, `org`, `provider` and `model` are the replay's global name numbers. */
  add(batch: RowBatch, row: number, input: number, line: number, user: number, org: number, provider = -1, model = -1): void {
    const side = batch.side.size > 0 ? batch.side.get(row) : undefined;
    const rowStart = batch.rowStart[row]!;
    const rowLen = batch.rowEnd[row]! - rowStart;
    let idBytes: Uint8Array | undefined;
    let sideBytes: Uint8Array | undefined;
    if (side !== undefined) {
      idBytes = side.idBytes ?? (side.id !== undefined ? encoder.encode(side.id) : undefined);
      const kept: Record<string, string> = {};
      if (side.text !== undefined) kept.text = side.text;
      if (side.id !== undefined) kept.id = side.id;
      if (side.costBig !== undefined) kept.costBig = side.costBig.toString();
      if (side.chargedBig !== undefined) kept.chargedBig = side.chargedBig.toString();
      sideBytes = encoder.encode(JSON.stringify(kept));
    }
    const length = HEADER + pad8(rowLen + (idBytes?.length ?? 0) + (sideBytes?.length ?? 0));
    if (this.used + length > this.arena.bytes.length) this.makeRoom(length);
    const at = this.used;
    const { f64, i32, bytes } = this.arena;
    const f = at / 8;
    const i = at / 4;
    f64[f + F_MS] = batch.epochMs[row]!;
    f64[f + F_COST] = batch.cost[row]!;
    f64[f + F_CHARGED] = batch.charged[row]!;
    f64[f + F_LINE] = line;
    i32[i + I_NS] = batch.nanos[row]!;
    i32[i + I_INPUT] = input;
    i32[i + I_USER] = user;
    i32[i + I_ORG] = org;
    i32[i + I_HASH] = batch.idHash[row]!;
    i32[i + I_ROW_LEN] = rowLen;
    i32[i + I_ID_START] = idBytes === undefined ? batch.idStart[row]! - rowStart : rowLen;
    i32[i + I_ID_LEN] = idBytes === undefined ? batch.idEnd[row]! - batch.idStart[row]! : idBytes.length;
    i32[i + I_SIDE_LEN] = sideBytes?.length ?? -1;
    i32[i + I_CODES] = batch.key[row]! | (batch.platform[row]! << 8) | (batch.recorded[row]! << 16);
    i32[i + I_LENGTH] = length;
    i32[i + I_PROVIDER] = provider;
    i32[i + I_MODEL] = model;
    bytes.set(batch.bytes.subarray(rowStart, rowStart + rowLen), at + HEADER);
    let extra = at + HEADER + rowLen;
    if (idBytes !== undefined) {
      bytes.set(idBytes, extra);
      extra += idBytes.length;
    }
    if (sideBytes !== undefined) bytes.set(sideBytes, extra);
    this.used += length;
    if (this.count === this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count++] = at;
    this.rows++;
  }

  /** Room for a record of `length` bytes: a larger arena, or a run written out. */
  private makeRoom(length: number): void {
    if (this.used + length <= this.runBytes || this.count === 0) {
      const grown = new Arena(pad8(Math.max(this.arena.bytes.length * 2, this.used + length)));
      grown.bytes.set(this.arena.bytes.subarray(0, this.used));
      this.arena = grown;
      return;
    }
    this.writeRun();
    if (length > this.arena.bytes.length) this.arena = new Arena(pad8(length));
  }

  /** The records of the run in memory, in allowance order (their byte offsets). */
  private sortedOffsets(): Int32Array {
    const n = this.count;
    const offsets = this.offsets.subarray(0, n);
    const { f64 } = this.arena;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      const ms = f64[offsets[k]! / 8 + F_MS]!;
      if (ms < min) min = ms;
      if (ms > max) max = ms;
    }
    const order = new Int32Array(n);
    const INDEX_BITS = 2 ** 21;
    // (2^32 - 1) * 2^21 + 2^21 - 1 = 2^53 - 1: every key is an exact double.
    if (n <= INDEX_BITS && max - min < 2 ** 32) {
      // Instants and positions packed into exact doubles, sorted natively; ties of the same
      // millisecond are put in order by nanoseconds and id below.
      const keys = new Float64Array(n);
      for (let k = 0; k < n; k++) keys[k] = (f64[offsets[k]! / 8 + F_MS]! - min) * INDEX_BITS + k;
      keys.sort();
      for (let k = 0; k < n; k++) order[k] = offsets[keys[k]! % INDEX_BITS]!;
      this.orderTies(order);
    } else {
      const indexes = Array.from(offsets);
      indexes.sort((a, b) => compareRecords(this.arena, a, this.arena, b));
      order.set(indexes);
    }
    return order;
  }

  /** Sorts each run of records that share a millisecond by nanoseconds, then id. */
  private orderTies(order: Int32Array): void {
    const { f64 } = this.arena;
    for (let start = 0; start < order.length; ) {
      const ms = f64[order[start]! / 8 + F_MS]!;
      let end = start + 1;
      while (end < order.length && f64[order[end]! / 8 + F_MS] === ms) end++;
      if (end - start > 1) {
        const group = Array.from(order.subarray(start, end));
        group.sort((a, b) => compareRecords(this.arena, a, this.arena, b));
        order.set(group, start);
      }
      start = end;
    }
  }

  private writeRun(): void {
    this.dir ??= makeScratchDir(this.parentDir, 'byok-sort-');
    const path = join(this.dir, `run-${this.runs.length}`);
    const fd = openSync(path, 'w');
    try {
      const out = new Uint8Array(4 << 20);
      let used = 0;
      const { bytes, i32 } = this.arena;
      for (const at of this.sortedOffsets()) {
        const length = i32[at / 4 + I_LENGTH]!;
        if (used + length > out.length) {
          writeAll(fd, out, used);
          used = 0;
        }
        if (length > out.length) writeAll(fd, bytes.subarray(at, at + length), length);
        else {
          out.set(bytes.subarray(at, at + length), used);
          used += length;
        }
      }
      writeAll(fd, out, used);
    } finally {
      closeSync(fd);
    }
    this.runs.push(path);
    this.used = 0;
    this.count = 0;
  }

  /** Every row added, in allowance order, as batches of at most `batchRows` rows. */
  *sorted(batchRows = 8192): Generator<SortedBatch> {
    if (this.runs.length === 0) {
      // One run: sorted in memory, never written.
      const order = this.sortedOffsets();
      const builder = new BatchBuilder(batchRows, this.withFacts);
      for (const at of order) {
        const done = builder.add(this.arena, at);
        if (done !== undefined) yield done;
      }
      const last = builder.finish();
      if (last !== undefined) yield last;
      return;
    }
    if (this.count > 0) this.writeRun();
    this.arena = new Arena(8);
    const readers = this.runs.map((path) => new RunReader(path, 256 << 10));
    try {
      // A binary heap of the readers by their current record.
      const heap = readers.filter((r) => r.next(0));
      const less = (p: RunReader, q: RunReader) => compareRecords(p.arena, p.at, q.arena, q.at) < 0;
      const down = (k: number) => {
        for (;;) {
          const l = 2 * k + 1;
          if (l >= heap.length) return;
          const r = l + 1;
          const c = r < heap.length && less(heap[r]!, heap[l]!) ? r : l;
          if (!less(heap[c]!, heap[k]!)) return;
          [heap[c], heap[k]] = [heap[k]!, heap[c]!];
          k = c;
        }
      };
      for (let k = (heap.length >> 1) - 1; k >= 0; k--) down(k);
      const builder = new BatchBuilder(batchRows, this.withFacts);
      while (heap.length > 0) {
        const top = heap[0]!;
        const done = builder.add(top.arena, top.at);
        if (done !== undefined) yield done;
        if (!top.next(top.length)) {
          heap[0] = heap[heap.length - 1]!;
          heap.pop();
        }
        if (heap.length > 0) down(0);
      }
      const last = builder.finish();
      if (last !== undefined) yield last;
    } finally {
      for (const reader of readers) reader.close();
    }
  }

  /** Removes the runs written. */
  close(): void {
    if (this.dir !== undefined) removeScratchDir(this.dir);
    this.dir = undefined;
  }
}

function writeAll(fd: number, bytes: Uint8Array, length: number): void {
  let written = 0;
  while (written < length) written += writeSync(fd, bytes, written, length - written);
}

/** Collects merged records into row batches of the scanner's shape, columns filled as they come. */
class BatchBuilder {
  private batch: RowBatch | undefined;
  private inputs = new Int32Array(0);
  private bytes = new Uint8Array(0);
  private used = 0;
  constructor(
    private readonly rows: number,
    private readonly withFacts: boolean,
  ) {}

  /** Adds the record at `at` (its numbers and bytes are copied: the arena may be refilled); a full batch comes back. */
  add(arena: Arena, at: number): SortedBatch | undefined {
    let batch = this.batch;
    if (batch === undefined) {
      batch = this.batch = createRowBatch(new Uint8Array(0), this.rows, this.withFacts);
      this.inputs = new Int32Array(this.rows);
      this.bytes = new Uint8Array(1 << 20);
      this.used = 0;
    }
    const row = batch.count++;
    const { f64, i32 } = arena;
    const f = at / 8;
    const i = at / 4;
    const rowLen = i32[i + I_ROW_LEN]!;
    if (this.used + rowLen > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + rowLen));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    const offset = this.used;
    this.bytes.set(arena.bytes.subarray(at + HEADER, at + HEADER + rowLen), offset);
    this.used += rowLen;
    batch.epochMs[row] = f64[f + F_MS]!;
    batch.cost[row] = f64[f + F_COST]!;
    batch.charged[row] = f64[f + F_CHARGED]!;
    batch.line[row] = f64[f + F_LINE]!;
    batch.nanos[row] = i32[i + I_NS]!;
    this.inputs[row] = i32[i + I_INPUT]!;
    batch.user[row] = i32[i + I_USER]!;
    batch.org[row] = i32[i + I_ORG]!;
    if (this.withFacts) {
      batch.provider[row] = i32[i + I_PROVIDER]!;
      batch.model[row] = i32[i + I_MODEL]!;
    }
    batch.idHash[row] = i32[i + I_HASH]!;
    batch.rowStart[row] = offset;
    batch.rowEnd[row] = offset + rowLen;
    const idStart = i32[i + I_ID_START]!;
    const idLen = i32[i + I_ID_LEN]!;
    // An id kept after the row (quoted or decoded) is read from the side row, not these bytes.
    batch.idStart[row] = offset + Math.min(idStart, rowLen);
    batch.idEnd[row] = offset + Math.min(idStart + idLen, rowLen);
    const codes = i32[i + I_CODES]!;
    batch.key[row] = codes & 0xff;
    batch.platform[row] = (codes >> 8) & 0xff;
    batch.recorded[row] = (codes >> 16) & 0xff;
    const sideLen = i32[i + I_SIDE_LEN]!;
    if (sideLen >= 0) {
      const extra = at + HEADER + rowLen + (idStart >= rowLen ? idLen : 0);
      const kept = JSON.parse(decoder.decode(arena.bytes.subarray(extra, extra + sideLen))) as Record<string, string | undefined>;
      const side: SideRow = {};
      if (kept.text !== undefined) side.text = kept.text;
      if (kept.id !== undefined) {
        side.id = kept.id;
        side.idBytes = arena.bytes.slice(at + HEADER + idStart, at + HEADER + idStart + idLen);
      }
      if (kept.costBig !== undefined) side.costBig = BigInt(kept.costBig);
      if (kept.chargedBig !== undefined) side.chargedBig = BigInt(kept.chargedBig);
      batch.side.set(row, side);
    }
    return batch.count === this.rows ? this.finish() : undefined;
  }

  finish(): SortedBatch | undefined {
    const batch = this.batch;
    if (batch === undefined || batch.count === 0) return undefined;
    (batch as { bytes: Uint8Array }).bytes = this.bytes.subarray(0, this.used);
    this.batch = undefined;
    return { batch, inputs: this.inputs };
  }
}
