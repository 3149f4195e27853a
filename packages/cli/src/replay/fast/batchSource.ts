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
}

/** Gives an input's rows as batches, in file order. */
export type BatchSource = (input: InputSource, options: BatchSourceOptions) => AsyncIterable<PlacedBatch>;

/** Scans an input on this thread as its bytes are read (any input: files, .gz, standard input). */
export const scanInline: BatchSource = async function* scanInline(input, options) {
  const scanner = new RowScanner({ file: input.name, inputTimeZone: options.inputTimeZone, onHeader: options.onHeader });
  const stream = input.open(options.onBytes);
  let carry: Buffer | undefined;
  try {
    for await (const chunk of stream) {
      const bytes = carry === undefined ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
      const { batch, consumed } = scanner.scan(bytes, false);
      carry = consumed < bytes.length ? Buffer.from(bytes.subarray(consumed)) : undefined;
      if (batch.count > 0) yield { batch, lineBase: 0, origin: 0 };
    }
    const { batch } = scanner.scan(carry ?? Buffer.alloc(0), true);
    if (batch.count > 0) yield { batch, lineBase: 0, origin: 0 };
  } finally {
    stream.destroy();
  }
};
