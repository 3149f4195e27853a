/**
 * A scanning thread of the parallel replay: scans the pieces of one log file it is given,
 * in the order given, and posts each batch (its buffers moved, not copied) and each
 * piece's extent to the main thread, which orders and decides the requests.
 */
import { closeSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../../io/inputError.js';
import type { LogHeader } from '../../io/logColumns.js';
import { lineStartAtOrAfter, scanPiece } from './pieceScan.js';
import { type RowBatch, batchTransferList } from './rowBatch.js';
import { scanBuffers } from './bufferPool.js';
import { RowScanner } from './rowScanner.js';

export interface ScanWorkerData {
  readonly path: string;
  readonly file: string;
  readonly size: number;
  readonly header: LogHeader;
  readonly inputTimeZone: string | undefined;
  readonly maxLineBytes: number;
  /** Read `provider` and `model` into the batches (RowScannerOptions.withFacts). */
  readonly withFacts: boolean;
}

/** Scan this piece: records starting in [nominalStart, limit), the first at a line start. */
export interface PieceOrder {
  readonly piece: number;
  readonly nominalStart: number;
  readonly limit: number;
  /** Whether `nominalStart` is known to be a record start (the first piece). */
  readonly exact: boolean;
}

export type ScanWorkerMessage =
  | { readonly type: 'batch'; readonly piece: number; readonly batch: RowBatch }
  | { readonly type: 'end'; readonly piece: number; readonly start: number; readonly end: number; readonly lines: number }
  | { readonly type: 'error'; readonly piece: number; readonly start: number; readonly input?: { location: InputError['location']; reason: string }; readonly message?: string };

const NO_BYTES = new Uint8Array(0);

if (parentPort !== null && workerData?.kind === 'byok-scan') {
  const port = parentPort;
  const data = workerData as ScanWorkerData & { kind: string };
  const scanner = new RowScanner({ file: data.file, header: data.header, inputTimeZone: data.inputTimeZone, maxLineBytes: data.maxLineBytes, withFacts: data.withFacts });
  port.on('message', (order: PieceOrder | { recycle: ArrayBuffer[] }) => {
    if ('recycle' in order) {
      for (const buffer of order.recycle) scanBuffers.give(buffer);
      return;
    }
    // The file is opened per piece: a thread may be stopped at any time, and must not keep it open.
    const fd = openSync(data.path, 'r');
    const start = order.exact ? order.nominalStart : lineStartAtOrAfter(fd, order.nominalStart, data.size, order.limit);
    try {
      const extent = scanPiece(fd, data.size, scanner, start, order.limit, (batch) => {
        if (batch.count === 0 && batch.bytes.byteLength > 0) {
          // No rows (the lines of an over-long record being skipped): its bytes are not needed
          // there, and a piece's batches wait on the main thread until the piece is used, so
          // sending them would hold the whole record in memory. Only its line count goes.
          scanBuffers.give(batch.bytes.buffer as ArrayBuffer);
          (batch as { bytes: Uint8Array }).bytes = NO_BYTES;
        }
        port.postMessage({ type: 'batch', piece: order.piece, batch } satisfies ScanWorkerMessage, batchTransferList(batch));
      });
      port.postMessage({ type: 'end', piece: order.piece, ...extent } satisfies ScanWorkerMessage);
    } catch (error) {
      const message: ScanWorkerMessage =
        error instanceof InputError
          ? { type: 'error', piece: order.piece, start, input: { location: error.location, reason: error.reason } }
          : { type: 'error', piece: order.piece, start, message: (error as Error)?.stack ?? String(error) };
      port.postMessage(message);
    } finally {
      closeSync(fd);
    }
  });
}
