import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../io/inputError.js';
import { DEFAULT_MAX_LINE_BYTES } from '../../io/readLimits.js';
import { type BatchSource, type PlacedBatch, scanInline } from './batchSource.js';
import { type PieceExtent, scanPiece } from './pieceScan.js';
import { type RowBatch, batchTransferList } from './rowBatch.js';
import { RowScanner } from './rowScanner.js';
import type { PieceOrder, ScanWorkerData, ScanWorkerMessage } from './scanWorker.js';

export interface ParallelScanOptions {
  /** Scanning threads. */
  readonly workers: number;
  /** Bytes per piece of the file a thread scans at a time. */
  readonly pieceBytes: number;
  /** Pieces each thread may scan ahead of the requests decided (bounds memory). */
  readonly ahead?: number;
}

const HEAD_BYTES = 1 << 20;

/**
 * The scanning thread's script. Run from the TypeScript sources (the test suite), the
 * built script is used: a thread cannot load TypeScript.
 */
const WORKER_SCRIPT = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/replay/fast/scanWorker.js', import.meta.url)
  : new URL('./scanWorker.js', import.meta.url);

/** What a piece's scan gave, as its messages arrive. */
interface PieceState {
  readonly batches: RowBatch[];
  start?: number;
  end?: { end: number; lines: number };
  error?: ScanWorkerMessage & { type: 'error' };
}

/**
 * Scans a plain log file on several threads: the file is cut into pieces at line starts,
 * the threads scan pieces in turn, and the batches come back here in file order. A piece
 * is used only if it starts exactly where the previous one's last record ended; when a
 * quoted field holds a newline at a cut, the piece is scanned again here from the right
 * place, so the result is always that of one scan of the whole file.
 */
export function parallelScan(path: string, size: number, parallel: ParallelScanOptions): BatchSource {
  return async function* (input, options): AsyncGenerator<PlacedBatch> {
    const fd = openSync(path, 'r');
    const workers: Worker[] = [];
    let finished = false;
    try {
      // The header, read here: every piece is scanned knowing it.
      const head = Buffer.allocUnsafeSlow(Math.min(HEAD_BYTES, size));
      const headLength = readSync(fd, head, 0, head.length, 0);
      const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
      const headScanner = new RowScanner({ file: input.name, inputTimeZone: options.inputTimeZone, onHeader: options.onHeader, maxLineBytes, withFacts: options.withFacts });
      headScanner.scan(head.subarray(0, headLength), headLength >= size);
      const header = headScanner.header;
      if (header === undefined || headScanner.headerEnd < 0) {
        // No header in the first megabyte (a huge header, or that much blank space before it):
        // nothing to cut at; scan as read, which says what is wrong if anything is.
        yield* scanInline(input, options);
        return;
      }
      options.onBytes?.(headLength);
      const dataStart = headScanner.headerEnd;
      let lineBase = countNewlines(head, dataStart);
      const pieceCount = Math.max(1, Math.ceil((size - dataStart) / parallel.pieceBytes));
      const nominal = (piece: number) => Math.min(size, dataStart + piece * parallel.pieceBytes);
      const limitOf = (piece: number) => (piece === pieceCount - 1 ? Number.POSITIVE_INFINITY : nominal(piece + 1));
      const ahead = parallel.ahead ?? 2;

      const pieces = new Map<number, PieceState>();
      let wake: (() => void) | undefined;
      let failure: Error | undefined;
      const data: ScanWorkerData & { kind: string } = { kind: 'byok-scan', path, file: input.name, size, header, inputTimeZone: options.inputTimeZone, maxLineBytes, withFacts: options.withFacts === true };
      for (let w = 0; w < parallel.workers; w++) {
        const worker = new Worker(WORKER_SCRIPT, {
          workerData: data,
          // A scanning thread holds a few pieces at a time: a small heap keeps the process small.
          resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
        });
        worker.on('message', (message: ScanWorkerMessage) => {
          let state = pieces.get(message.piece);
          if (state === undefined) pieces.set(message.piece, (state = { batches: [] }));
          if (message.type === 'batch') state.batches.push(message.batch);
          else if (message.type === 'end') {
            state.start = message.start;
            state.end = { end: message.end, lines: message.lines };
          } else {
            state.start = message.start;
            state.error = message;
          }
          wake?.();
        });
        worker.on('error', (error) => {
          failure = error;
          wake?.();
        });
        // A thread that stops without a word (killed, out of memory) must not leave the replay waiting.
        worker.on('exit', (code) => {
          if (!finished) failure ??= new Error(`a scanning thread stopped (exit code ${code})`);
          wake?.();
        });
        workers.push(worker);
      }
      let assigned = 0;
      const assign = (upTo: number) => {
        for (; assigned < Math.min(upTo, pieceCount); assigned++) {
          const order: PieceOrder = { piece: assigned, nominalStart: nominal(assigned), limit: limitOf(assigned), exact: assigned === 0 };
          workers[assigned % workers.length]!.postMessage(order);
        }
      };
      assign(workers.length * ahead);
      const next = () => new Promise<void>((resolve) => (wake = resolve));

      let expected = dataStart;
      let localScanner: RowScanner | undefined;
      for (let piece = 0; piece < pieceCount; piece++) {
        const origin = piece % workers.length;
        // A piece is used whole, once it is known to start where the previous one ended.
        let state = pieces.get(piece);
        while (state?.end === undefined && state?.error === undefined) {
          if (failure) throw failure;
          await next();
          state = pieces.get(piece);
        }
        const done = state;
        pieces.delete(piece);
        if (done.start === expected) {
          const worker = workers[origin]!;
          for (const batch of done.batches) {
            options.onBytes?.(batch.bytes.length);
            const recycle = () => {
              const buffers = batchTransferList(batch);
              worker.postMessage({ recycle: buffers }, buffers);
            };
            yield { batch, lineBase, origin, recycle };
          }
          if (done.error !== undefined) throw workerError(done.error, lineBase);
          expected = done.end!.end;
          lineBase += done.end!.lines;
        } else {
          // A quoted field spans the cut: keep the names the thread numbered, scan again from where the last record ended.
          for (const batch of done.batches) {
            batch.count = 0;
            yield { batch, lineBase, origin };
          }
          localScanner ??= new RowScanner({ file: input.name, header, inputTimeZone: options.inputTimeZone, maxLineBytes, withFacts: options.withFacts });
          const rescanned: RowBatch[] = [];
          let extent: PieceExtent;
          try {
            extent = scanPiece(fd, size, localScanner, expected, limitOf(piece), (batch) => rescanned.push(batch));
          } catch (error) {
            // The rows before what stopped the scan are given first, as on every other path.
            for (const batch of rescanned) yield { batch, lineBase, origin: -1 };
            if (error instanceof InputError) throw new InputError({ ...error.location, line: error.location.line === undefined ? undefined : error.location.line + lineBase }, error.reason);
            throw error;
          }
          for (const batch of rescanned) yield { batch, lineBase, origin: -1 };
          expected = extent.end;
          lineBase += extent.lines;
        }
        assign(piece + 1 + workers.length * ahead);
      }
    } finally {
      finished = true;
      for (const worker of workers) void worker.terminate();
      closeSync(fd);
    }
  };
}

function workerError(message: ScanWorkerMessage & { type: 'error' }, lineBase: number): Error {
  if (message.input !== undefined) {
    const { location, reason } = message.input;
    return new InputError({ ...location, line: location.line === undefined ? undefined : location.line + lineBase }, reason);
  }
  return new Error(`scanning thread failed: ${message.message}`);
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
