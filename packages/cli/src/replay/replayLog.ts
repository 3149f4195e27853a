import { type Accounts, type Bill, ByokError, ConflictingDuplicateError, type Decision, LateArrivalError, type Policy, createLedger } from '@byok-billing/core';
import { type Arrival, createReorderBuffer } from '@byok-billing/core/internal';
import { type CsvRecord, csvRecordBatches } from '../io/csvRecords.js';
import { InputError, type InputLocation } from '../io/inputError.js';
import { type LogHeader, readLogHeader } from '../io/logColumns.js';
import type { InputSource } from '../io/openInput.js';
import { RowProblem, rowToRequest } from '../io/rowToRequest.js';
import { ARRIVALS_IN_FLIGHT, type ArrivalHandler, createArrivals } from './arrivals.js';
import type { Rejection, RowSource } from './rowSource.js';

export type { Rejection, RowSource } from './rowSource.js';

export interface ReplayOptions {
  readonly inputs: readonly InputSource[];
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
  readonly inputTimeZone?: string | undefined;
  /** Reorder window in ms; `Infinity` sorts the whole input. */
  readonly windowMs: number;
  /** Receives each decision in allowance order. */
  readonly onDecision?: ((decision: Decision, source: RowSource) => void) | undefined;
  /** Receives each duplicate row and the row it repeats. */
  readonly onDuplicate?: ((source: RowSource, original: RowSource) => void) | undefined;
  /** Receives each refused row; without it the first refused row stops the run (InputError). */
  readonly onReject?: ((rejection: Rejection) => void) | undefined;
  /** Told once per file of columns it ignores. */
  readonly onWarning?: ((message: string) => void) | undefined;
  /** Bytes of stored input read so far (for progress). */
  readonly onBytes?: ((n: number) => void) | undefined;
  readonly onRow?: (() => void) | undefined;
  /**
   * Arrival mode (the online meter): each parsed row goes here in file order instead of
   * through the reorder window and the ledger, so the bill has no lines; its input
   * summary still accounts for every row. The window and `onDecision` are not used.
   */
  readonly onArrival?: ArrivalHandler | undefined;
}

export interface ReplayResult {
  readonly bill: Bill;
  readonly routeMismatches: number;
}

const describeSource = (source: RowSource) => `${source.file}, line ${source.line}`;

/**
 * Replays request logs through the ledger: CSV records → requests → the reorder window
 * (duplicates, late rows) → decisions → the bill. Every row is accounted for as
 * accepted, duplicate or rejected. Memory is bounded by the window and the scope-months.
 */
export async function replayLog(options: ReplayOptions): Promise<ReplayResult> {
  const ledger = createLedger({ policy: options.policy, accounts: options.accounts });
  let rejected = 0;
  let duplicates = 0;
  let routeMismatches = 0;

  const reject = (rejection: Rejection): void => {
    if (!options.onReject) throw new InputError(rejection, rejection.reason);
    rejected++;
    options.onReject(rejection);
  };

  const arrivals = options.onArrival ? createArrivals(options.onArrival, reject) : undefined;

  const buffer = createReorderBuffer<RowSource>({
    windowMs: options.windowMs,
    describe: describeSource,
    release(arrival: Arrival<RowSource>) {
      let decision: Decision;
      try {
        decision = ledger.add(arrival.request);
      } catch (error) {
        if (!(error instanceof ByokError)) throw error;
        const { file, line, text } = arrival.source;
        reject({ file, line, text, columnName: error.field, reason: error.message });
        return;
      }
      if (decision.routeMismatch) routeMismatches++;
      options.onDecision?.(decision, arrival.source);
    },
  });

  for (const input of options.inputs) {
    let header: LogHeader | undefined;
    const stream = input.open(options.onBytes);
    try {
      for await (const batch of csvRecordBatches(stream, input.name)) {
        for (const record of batch) {
          if (header === undefined) {
            header = readLogHeader(record.fields, input.name);
            if (header.unknown.length > 0) {
              options.onWarning?.(`${input.name}: ignoring unknown column${header.unknown.length > 1 ? 's' : ''} ${header.unknown.map((c) => JSON.stringify(c)).join(', ')}`);
            }
            continue;
          }
          options.onRow?.();
          takeRow(record, header, input.name);
        }
        await arrivals?.settle(ARRIVALS_IN_FLIGHT);
      }
    } catch (error) {
      stream.destroy();
      throw asInputError(error, input.name);
    }
  }
  buffer.flush();
  if (arrivals !== undefined) {
    await arrivals.settle(0);
    const { accepted } = arrivals;
    const input = { rows: accepted + arrivals.duplicates + rejected, accepted, rejected, duplicates: arrivals.duplicates };
    return { bill: { ...ledger.finish(), input }, routeMismatches: 0 };
  }
  return { bill: ledger.finish({ rejected, duplicates }), routeMismatches };

  function takeRow(record: CsvRecord, header: LogHeader, file: string): void {
    const timestampColumn = header.index.timestamp;
    const source: RowSource = { file, line: record.line, text: record.text, timestamp: record.fields[timestampColumn] ?? '' };
    let request;
    try {
      request = rowToRequest(record.fields, header, { inputTimeZone: options.inputTimeZone });
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      reject({ file, line: record.line, column: error.column, columnName: error.columnName, text: record.text, reason: error.reason });
      return;
    }
    if (arrivals !== undefined) {
      arrivals.take(request, source);
      return;
    }
    try {
      const outcome = buffer.push({ request, source });
      if (outcome.kind === 'duplicate') {
        duplicates++;
        options.onDuplicate?.(source, outcome.of.source);
      }
    } catch (error) {
      if (error instanceof ConflictingDuplicateError) {
        const column = header.index.request_id + 1;
        reject({ file, line: record.line, column, columnName: 'request_id', text: record.text, reason: error.message });
      } else if (error instanceof LateArrivalError) {
        const column = header.index.timestamp + 1;
        reject({ file, line: record.line, column, columnName: 'timestamp', text: record.text, reason: error.message });
      } else {
        throw error;
      }
    }
  }
}

/** Read errors (a truncated gzip, a vanished file) become located input errors. */
export function asInputError(error: unknown, file: string): unknown {
  if (error instanceof InputError || error instanceof ByokError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new InputError({ file }, `is not a readable gzip file (${(error as Error).message}); is it truncated or corrupt?`);
  }
  if (typeof code === 'string' && code.startsWith('E')) {
    return new InputError({ file }, `cannot be read (${code})`);
  }
  return error;
}
