import { readSync } from 'node:fs';
import { scanBuffers } from './bufferPool.js';
import type { RowBatch } from './rowBatch.js';
import type { RowScanner } from './rowScanner.js';

const NEWLINE = 10;
const GROW = 1 << 16;

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

/** The first line start at or after `offset` (a piece's first record, if no quoted field spans it). */
export function lineStartAtOrAfter(fd: number, offset: number, size: number): number {
  let position = offset - 1;
  while (position < size) {
    const block = readAt(fd, position, Math.min(GROW, size - position));
    const nl = block.indexOf(NEWLINE);
    if (nl !== -1) return position + nl + 1;
    position += block.length;
  }
  return size;
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
    if (next < limit && !atEnd) rest = Buffer.from(bytes.subarray(consumed));
    emit(batch);
    if (rest === undefined) return { start, end: next, lines: scanner.linesRead };
    // The last record that starts before the limit goes on past the bytes read: read on.
    const more = readAt(fd, base + length, Math.min(GROW, size - base - length));
    const grown = ownBuffer(rest.length + more.length);
    rest.copy(grown, 0);
    more.copy(grown, rest.length);
    bytes = grown;
    base = next;
  }
}
