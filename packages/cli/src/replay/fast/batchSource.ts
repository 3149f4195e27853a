import type { LogHeader } from '../../io/logColumns.js';
import type { InputSource } from '../../io/openInput.js';
import type { RowBatch } from './rowBatch.js';
import { RowScanner } from './rowScanner.js';

/** A batch and the number of the line before its first (its lines are counted from there). */
export interface PlacedBatch {
  readonly batch: RowBatch;
  readonly lineBase: number;
  /** Which scanner numbered the batch's names (each numbers its own). */
  readonly origin: number;
  /** Called once no row of the batch is needed any more: its buffers may be reused. */
  readonly recycle?: (() => void) | undefined;
}

export interface BatchSourceOptions {
  readonly inputTimeZone?: string | undefined;
  readonly onBytes?: ((n: number) => void) | undefined;
  readonly onHeader: (header: LogHeader) => void;
  /** The longest record (default: DEFAULT_MAX_LINE_BYTES, io/readLimits.ts). */
  readonly maxLineBytes?: number | undefined;
  /** Read `provider` and `model` into the batches (RowScannerOptions.withFacts). */
  readonly withFacts?: boolean | undefined;
}

/** Gives an input's rows as batches, in file order. */
export type BatchSource = (input: InputSource, options: BatchSourceOptions) => AsyncIterable<PlacedBatch>;

/** Scans an input on this thread as its bytes are read (any input: files, .gz, standard input). */
export const scanInline: BatchSource = async function* scanInline(input, options) {
  const scanner = new RowScanner({ file: input.name, inputTimeZone: options.inputTimeZone, onHeader: options.onHeader, maxLineBytes: options.maxLineBytes, withFacts: options.withFacts });
  const stream = input.open(options.onBytes);
  const unread = new UnreadBytes(scanner.maxLineBytes);
  try {
    for await (const chunk of stream) {
      if (!unread.add(chunk as Buffer)) continue;
      const bytes = unread.bytes();
      const { batch, consumed } = scanner.scan(bytes, false);
      unread.keep(bytes, consumed);
      if (batch.count > 0) yield { batch, lineBase: 0, origin: 0 };
    }
    const { batch } = scanner.scan(unread.bytes(), true);
    if (batch.count > 0) yield { batch, lineBase: 0, origin: 0 };
    scanner.throwIfFailed();
  } finally {
    stream.destroy();
  }
};

/**
 * The bytes read and not yet consumed by the scanner. When a scan consumes nothing (a record
 * longer than what has arrived), the next one waits until the bytes have doubled: each
 * scan goes over them again, so scanning at every chunk made a long line cost its length
 * squared (a 1 GB line ran for more than 11 minutes); doubling makes it linear. The scanner
 * refuses a record once it is past the limit, so what is held here stays bounded.
 */
class UnreadBytes {
  private pieces: Buffer[] = [];
  private size = 0;
  /** Scan again once this many bytes are held. */
  private scanAt = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Adds a chunk; whether a scan is worth it now. */
  add(chunk: Buffer): boolean {
    this.pieces.push(chunk);
    this.size += chunk.length;
    return this.size >= this.scanAt;
  }

  /** The bytes held, as one buffer (the batch a scan makes keeps pointing into it). */
  bytes(): Buffer {
    if (this.pieces.length !== 1) this.pieces = [Buffer.concat(this.pieces, this.size)];
    return this.pieces[0]!;
  }

  /** What a scan of `bytes` left unconsumed, copied: the batch owns the scanned buffer. */
  keep(bytes: Buffer, consumed: number): void {
    if (consumed === 0) {
      // At the latest when the record held is certainly past the limit (a BOM may precede it):
      // the scanner then refuses it, so no more than that is ever held.
      this.scanAt = Math.min(2 * this.size, this.maxLineBytes + 5);
      if (this.scanAt <= this.size) this.scanAt = 2 * this.size;
      return;
    }
    this.pieces = consumed < bytes.length ? [Buffer.from(bytes.subarray(consumed))] : [];
    this.size = bytes.length - consumed;
    this.scanAt = 0;
  }
}
