import { readSync } from 'node:fs';
import { scanBuffers } from './bufferPool.js';
import type { RowBatch } from './rowBatch.js';
import type { RowScanner } from './rowScanner.js';

const NEWLINE = 10;
const GROW = 1 << 16;
/** Bytes read at a time while an over-long record is skipped (nothing of them is kept). */
const SKIP_READ = 1 << 20;

/** Where a piece's records began and ended (byte offsets in the file), and the lines they span. */
export interface PieceExtent {
  readonly start: number;
  readonly end: number;
  readonly lines: number;
}

/**
 * A buffer of `size` bytes that owns its memory: a batch's bytes move to another thread,
 * which must not take Node's shared pool of small buffers with them.
 */
function ownBuffer(size: number): Buffer {
  return Buffer.from(scanBuffers.take(size), 0, size);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = ownBuffer(length);
  let filled = 0;
  while (filled < length) {
    const n = readSync(fd, buffer, filled, length - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/**
 * The first line start at or after `offset` and before `limit` (a piece's first record, if no
 * quoted field spans it); `limit` (or the file's size) when the piece holds none. The search
 * stops at the limit: inside one long line, every piece searching to its end made reading
 * the line cost its length times the pieces it spans.
 */
export function lineStartAtOrAfter(fd: number, offset: number, size: number, limit = Number.POSITIVE_INFINITY): number {
  const end = Math.min(size, limit);
  let position = offset - 1;
  const block = Buffer.allocUnsafe(GROW);
  while (position < end - 1) {
    const wanted = Math.min(GROW, end - 1 - position);
    const n = readSync(fd, block, 0, wanted, position);
    if (n === 0) break;
    const nl = block.subarray(0, n).indexOf(NEWLINE);
    if (nl !== -1) return position + nl + 1;
    position += n;
  }
  return end;
}

/**
 * Scans the records that start in `[start, limit)` of a file, reading past `limit` as far
 * as the last of them goes. Each batch goes to `emit` as soon as it is scanned.
 */
export function scanPiece(fd: number, size: number, scanner: RowScanner, start: number, limit: number, emit: (batch: RowBatch) => void): PieceExtent {
  scanner.startPiece();
  let base = start;
  let bytes = readAt(fd, start, Math.max(0, Math.min(limit, size) - start));
  for (;;) {
    // The batch's bytes may move to another thread on `emit`: note their length first.
    const length = bytes.length;
    const atEnd = base + length >= size;
    const { batch, consumed } = scanner.scan(bytes, atEnd, limit - base);
    const next = base + consumed;
    let rest: Buffer | undefined;
    // Read on while the last record that starts before the limit goes on past the bytes read,
    // or while an over-long record is being skipped to its end.
    if ((next < limit || scanner.skipping) && !atEnd) rest = Buffer.from(bytes.subarray(consumed));
    emit(batch);
    // Bad input stops the piece once the rows before it are given.
    scanner.throwIfFailed();
    if (rest === undefined) return { start, end: next, lines: scanner.linesRead };
    // As much again as is held: a record is scanned again from its start each time, so
    // growing by a fixed step cost its length squared (and a buffer per step).
    // No further than where the record is certainly past the limit (the scanner then refuses it).
    const step = scanner.skipping ? SKIP_READ : Math.max(GROW, Math.min(rest.length, scanner.maxLineBytes + 2 - rest.length));
    const more = readAt(fd, base + length, Math.min(step, size - base - length));
    if (rest.length === 0) {
      bytes = more;
    } else {
      const grown = ownBuffer(rest.length + more.length);
      rest.copy(grown, 0);
      more.copy(grown, rest.length);
      bytes = grown;
    }
    base = next;
  }
}
