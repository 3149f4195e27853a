import { type Accounts, type Bill, ByokError, ConflictingDuplicateError, type Decision, LateArrivalError, type Policy, type UsageRequest, createLedger, sameContent } from '@byok-billing/core';
import { type Arrival, conflictingDuplicateReason, createReorderBuffer } from '@byok-billing/core/internal';
import { type CsvRecord, csvRecordBatches } from '../io/csvRecords.js';
import { InputError, type InputLocation } from '../io/inputError.js';
import { type LogHeader, readLogHeader } from '../io/logColumns.js';
import type { InputSource } from '../io/openInput.js';
import { faultProblem } from '../io/recordFault.js';
import { RowProblem, rowToRequest } from '../io/rowToRequest.js';
import { ARRIVALS_IN_FLIGHT, type ArrivalHandler, createArrivals } from './arrivals.js';
import type { DuplicateRow, Rejection, RowSource } from './rowSource.js';
import { ConflictReplan, type Exclusions, ExclusionsBuilder, LateRowReplan } from './replans.js';
import { readFailure } from '../io/readFailure.js';

export type { Rejection, RowSource } from './rowSource.js';

export interface ReplayOptions {
  readonly inputs: readonly InputSource[];
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
  readonly inputTimeZone?: string | undefined;
  /** Reorder window in ms; `Infinity` sorts the whole input. */
  readonly windowMs: number;
  /** A row later than the window is rejected (default), or stops the replay with `LateRowReplan` (see fastReplay). */
  readonly late?: 'reject' | 'replan' | undefined;
  /** Rows to refuse, by input index and line (see fastReplay). */
  readonly exclude?: Exclusions | undefined;
  /** Receives each decision in allowance order. */
  readonly onDecision?: ((decision: Decision, source: RowSource) => void) | undefined;
  /** Receives each duplicate row and the row it repeats, right after that row's decision. */
  readonly onDuplicate?: ((duplicate: DuplicateRow) => void) | undefined;
  /** Receives every refused row (`decided`: refused by the ledger); see fastReplay's `onReject`. */
  readonly onReject: (rejection: Rejection, decided?: boolean) => void;
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
  /** The longest record read (default: DEFAULT_MAX_LINE_BYTES, io/readLimits.ts). */
  readonly maxLineBytes?: number | undefined;
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

  const reject = (rejection: Rejection, decided = false): void => {
    rejected++;
    options.onReject(rejection, decided);
  };

  const arrivals = options.onArrival ? createArrivals(options.onArrival, reject) : undefined;
  // The first row taken of each request id, and its input (see takeRow).
  const seen = new Map<string, { readonly request: UsageRequest; readonly source: RowSource; readonly input: number }>();
  // Duplicates counted against each held id (rare), and rows to refuse in their place by a pass that starts again.
  const duplicatesOf = new Map<string, { input: number; line: number }[]>();
  const displaced = new ExclusionsBuilder();

  const buffer = createReorderBuffer<RowSource>({
    windowMs: options.windowMs,
    describe: describeSource,
    release(arrival: Arrival<RowSource>) {
      const copies = duplicatesOf.size > 0 ? duplicatesOf.get(arrival.request.requestId) : undefined;
      if (copies !== undefined) duplicatesOf.delete(arrival.request.requestId);
      let decision: Decision | undefined;
      try {
        decision = ledger.add(arrival.request);
      } catch (error) {
        if (!(error instanceof ByokError)) throw error;
        const { file, line, text } = arrival.source;
        reject({ file, line, text, columnName: error.field, reason: error.message }, true);
      }
      if (decision !== undefined) {
        if (decision.routeMismatch) routeMismatches++;
        options.onDecision?.(decision, arrival.source);
      }
      if (copies !== undefined && options.onDuplicate !== undefined) {
        const { request, source } = arrival;
        const original = { file: source.file, line: source.line, requestId: request.requestId, instant: request.instant };
        for (const copy of copies) options.onDuplicate({ file: options.inputs[copy.input]!.name, line: copy.line, original });
      }
    },
  });

  for (let inputIndex = 0; inputIndex < options.inputs.length; inputIndex++) {
    const input = options.inputs[inputIndex]!;
    let header: LogHeader | undefined;
    const stream = input.open(options.onBytes);
    try {
      for await (const batch of csvRecordBatches(stream, input.name, options.maxLineBytes)) {
        for (const record of batch) {
          if (header === undefined) {
            header = readLogHeader(record.fields, input.name);
            if (header.unknown.length > 0) {
              options.onWarning?.(`${input.name}: ignoring unknown column${header.unknown.length > 1 ? 's' : ''} ${header.unknown.map((c) => JSON.stringify(c)).join(', ')}`);
            }
            continue;
          }
          options.onRow?.();
          takeRow(record, header, input.name, inputIndex);
        }
        await arrivals?.settle(ARRIVALS_IN_FLIGHT);
      }
    } catch (error) {
      stream.destroy();
      throw readFailure(error, input.name);
    }
  }
  buffer.flush();
  if (displaced.size > 0) throw new ConflictReplan(displaced.build());
  if (arrivals !== undefined) {
    await arrivals.settle(0);
    const { accepted } = arrivals;
    const input = { rows: accepted + arrivals.duplicates + rejected, accepted, rejected, duplicates: arrivals.duplicates };
    return { bill: { ...ledger.finish(), input }, routeMismatches: 0 };
  }
  return { bill: ledger.finish({ rejected, duplicates }), routeMismatches };

  function takeRow(record: CsvRecord, header: LogHeader, file: string, inputIndex: number): void {
    const timestampColumn = header.index.timestamp;
    const source: RowSource = { file, line: record.line, text: record.text, timestamp: record.fields[timestampColumn] ?? '' };
    const excluded = options.exclude?.get(inputIndex)?.get(record.line);
    let request;
    try {
      // Too long, or not UTF-8: refused as read, before its fields mean anything.
      if (record.fault !== undefined) throw faultProblem(record.fault, header);
      request = rowToRequest(record.fields, header, { inputTimeZone: options.inputTimeZone });
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      reject({ file, line: record.line, column: error.column, columnName: error.columnName, text: record.text, reason: error.reason });
      return;
    }
    if (excluded !== undefined) {
      reject({ file, line: record.line, column: header.index.request_id + 1, columnName: 'request_id', text: record.text, reason: excluded });
      return;
    }
    if (arrivals !== undefined) {
      arrivals.take(request, source);
      return;
    }
    // An id seen before with other content is refused wherever its first row stands (POLICY.md
    // D6), not only within the window; a repeat with the same content has the same instant and
    // is left to the window (a duplicate, or a late row). Memory grows with the rows: this is
    // the record replay the tests hold the fast replay to, and the library's listener path.
    const first = seen.get(request.requestId);
    if (first !== undefined && !buffer.holds(request.requestId) && !sameContent(first.request, request) && !buffer.isLate(request.instant.epochMs)) {
      // Not late, so later than the first row (which left the window): this row is refused.
      reject({ file, line: record.line, column: header.index.request_id + 1, columnName: 'request_id', text: record.text, reason: conflictingDuplicateReason(request.requestId, describeSource(first.source)) });
      return;
    }
    try {
      const outcome = buffer.push({ request, source });
      if (outcome.kind === 'displaces') {
        // An earlier row of a held id: the held row and its duplicates are refused in their places.
        const reason = conflictingDuplicateReason(request.requestId, describeSource(source));
        const heldRow = seen.get(request.requestId)!;
        displaced.add(heldRow.input, heldRow.source.line, reason);
        for (const copy of duplicatesOf.get(request.requestId) ?? []) displaced.add(copy.input, copy.line, reason);
        return;
      }
      if (first === undefined) seen.set(request.requestId, { request, source, input: inputIndex });
      if (outcome.kind === 'duplicate') {
        let copies = duplicatesOf.get(request.requestId);
        if (copies === undefined) duplicatesOf.set(request.requestId, (copies = []));
        copies.push({ input: inputIndex, line: record.line });
        duplicates++;
      }
    } catch (error) {
      if (error instanceof ConflictingDuplicateError) {
        // A late row may be the earlier of the two: only the sorted plan can tell which is the request.
        if (options.late === 'replan' && buffer.isLate(request.instant.epochMs)) throw new LateRowReplan(`${file}, line ${record.line}`, describeSource(buffer.latest!.source));
        const column = header.index.request_id + 1;
        reject({ file, line: record.line, column, columnName: 'request_id', text: record.text, reason: error.message });
      } else if (error instanceof LateArrivalError) {
        if (options.late === 'replan') throw new LateRowReplan(`${file}, line ${record.line}`, describeSource(error.latest as RowSource));
        const column = header.index.timestamp + 1;
        reject({ file, line: record.line, column, columnName: 'timestamp', text: record.text, reason: error.message });
      } else {
        throw error;
      }
    }
  }
}

