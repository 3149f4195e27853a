import type { DuckDBConnection } from '@duckdb/node-api';
import { NoPolicyVersionError, type Policy } from '@byok-billing/core';
import { compareUtf8 } from '@byok-billing/core/internal';
import { InputError } from '../../io/inputError.js';
import { LOG_COLUMNS } from '../../io/logColumns.js';
import type { Rejection } from '../../replay/rowSource.js';
import { DuckdbEngineBug } from './duckdbEngineErrors.js';
import type { LoadedFile, LoadedLogs } from './loadLogs.js';
import {
  type ProblemKind,
  beforePolicyRowsSql,
  createProblemRowsSql,
  filesToReviewSql,
  problemRowsOfFileSql,
  rereadRowsOfFileSql,
} from './problemRowsSql.js';
import { reviewCsvFile } from './reviewCsvFile.js';
import { reviewParquetFile } from './reviewParquetFile.js';
import type { ReviewSink, RowPlace, RowsToReview } from './rowsToReview.js';

export interface ReviewOptions {
  readonly policy: Policy;
  /** Told each file's warning (unknown columns) when the review reaches the file, as the default engine tells it when it reads it. */
  readonly warn: (message: string) => void;
  readonly inputTimeZone: string | undefined;
  /** `--max-line-bytes`, parsed: CSV records are read again as the default engine reads them. */
  readonly maxLineBytes: number;
  /** `--rejects`: every refused row goes here. Without it the first one stops the run. */
  readonly onReject: ((rejection: Rejection) => void) | undefined;
}

/**
 * Refuses the rows SQL found wanting, in the default engine's order and words: first
 * every row refused while reading (unreadable rows, conflicting duplicates) in input
 * order, file by file, then, as the ledger meets them in allowance order, requests
 * before the policy's first version. An input error that stopped the loading (a file
 * without the required columns, say) is raised after the rows before it.
 */
/** Stands for the place of a conflict's earliest row until that row is read (see reviewRows). */
const FIRST_PLACEHOLDER = /\u0000first-row:(\d+)\u0000/;

export async function reviewRows(connection: DuckDBConnection, loaded: LoadedLogs, options: ReviewOptions): Promise<void> {
  const emit = (rejection: Rejection): void => {
    if (options.onReject === undefined) throw new InputError(rejection, rejection.reason);
    options.onReject(rejection);
  };
  // A conflicting row names the earliest row of its id, which may stand later in the input: its
  // refusal (and every one after it, to keep input order) waits until that row is located.
  const waiting: Rejection[] = [];
  const resolved = (rejection: Rejection): Rejection | undefined => {
    const match = FIRST_PLACEHOLDER.exec(rejection.reason);
    if (match === null) return rejection;
    const first = places.get(Number(match[1]));
    return first === undefined ? undefined : { ...rejection, reason: rejection.reason.replace(FIRST_PLACEHOLDER, `${first.file}, line ${first.line}`) };
  };
  const flush = (): void => {
    while (waiting.length > 0) {
      const ready = resolved(waiting[0]!);
      if (ready === undefined) return;
      waiting.shift();
      emit(ready);
    }
  };
  const reject = (rejection: Rejection): void => {
    waiting.push(rejection);
    flush();
  };
  await connection.run(createProblemRowsSql());
  const places = new Map<number, RowPlace>();
  // Files with problem rows, or with rows DuckDB's reader may have split otherwise.
  const toReview = new Set((await connection.runAndReadAll(filesToReviewSql)).getRowObjectsJson().map((row) => Number(row.file_index)));
  for (const file of loaded.files) {
    if (file.warning !== undefined) options.warn(file.warning);
    if (file.header === undefined) continue;
    if (!toReview.has(file.input.index) && file.fieldCountRejects === 0) continue;
    const rows = await rowsToReview(connection, file, places, options);
    const sink: ReviewSink = {
      reject,
      located: (ordinal, place) => places.set(file.firstRowKey + ordinal, place),
    };
    if (file.input.format === 'csv') await reviewCsvFile(file.input.source, file.header, rows, sink);
    else await reviewParquetFile(connection, { ...file.input, firstRowKey: file.firstRowKey }, file.parquetColumns!, file.header, rows, sink);
  }
  flush();
  if (waiting.length > 0) throw new DuckdbEngineBug(`the first row of a conflicting request_id (${waiting[0]!.reason}) was not located`);
  if (loaded.fatal !== undefined) throw loaded.fatal;
  for (const rejection of await beforePolicyRejections(connection, options.policy, places)) reject(rejection);
}

async function rowsToReview(
  connection: DuckDBConnection,
  file: LoadedFile,
  places: ReadonlyMap<number, RowPlace>,
  { inputTimeZone, maxLineBytes }: Pick<ReviewOptions, 'inputTimeZone' | 'maxLineBytes'>,
): Promise<RowsToReview> {
  const refused = new Set<number>();
  const conflicts = new Map<number, () => string>();
  const located = new Set<number>();
  const compare = new Map<number, string[]>();
  let last = -1;
  for (const row of (await connection.runAndReadAll(problemRowsOfFileSql(file.input.index))).getRowObjectsJson()) {
    const ordinal = Number(row.row_key) - file.firstRowKey;
    last = Math.max(last, ordinal);
    switch (row.kind as ProblemKind) {
      case 'refused':
        refused.add(ordinal);
        break;
      case 'conflict': {
        const firstKey = Number(row.first_key);
        conflicts.set(ordinal, () => {
          const first = places.get(firstKey);
          return first === undefined ? `\u0000first-row:${firstKey}\u0000` : `${first.file}, line ${first.line}`;
        });
        break;
      }
      case 'first_of_conflict':
      case 'before_policy':
        located.add(ordinal);
        break;
      default:
        throw new DuckdbEngineBug(`unknown problem kind ${String(row.kind)}`);
    }
  }
  if (file.input.format === 'csv') {
    for (const row of (await connection.runAndReadAll(rereadRowsOfFileSql(file.input.index))).getRowObjectsJson()) {
      const ordinal = Number(row.row_key) - file.firstRowKey;
      last = Math.max(last, ordinal);
      compare.set(ordinal, LOG_COLUMNS.map((c) => String(row[c])));
    }
  }
  return {
    inputTimeZone,
    maxLineBytes,
    refused,
    conflicts,
    located,
    compare,
    checkAll: refused.size > 0 || compare.size > 0 || file.fieldCountRejects > 0,
    lastOrdinalWanted: last,
    rowCount: file.rowCount,
    fieldCountRejects: file.fieldCountRejects,
    fileIndex: file.input.index,
    rewritten: file.rewritten,
  };
}

/** The ledger's refusals of requests before the policy's first version, in allowance order (POLICY.md D1). */
async function beforePolicyRejections(connection: DuckDBConnection, policy: Policy, places: ReadonlyMap<number, RowPlace>): Promise<Rejection[]> {
  const rows = (await connection.runAndReadAll(beforePolicyRowsSql)).getRowObjectsJson().map((row) => ({
    rowKey: Number(row.row_key),
    instant: { epochMs: Number(row.epoch_ms), nanos: Number(row.nanos) },
    requestId: String(row.request_id),
  }));
  rows.sort((a, b) => a.instant.epochMs - b.instant.epochMs || a.instant.nanos - b.instant.nanos || compareUtf8(a.requestId, b.requestId));
  return rows.map((row) => {
    const place = places.get(row.rowKey);
    if (place === undefined) throw new DuckdbEngineBug(`a request before the policy's first version (row ${row.rowKey}) was not located`);
    try {
      policy.versionAt(row.instant);
    } catch (error) {
      if (error instanceof NoPolicyVersionError) return { ...place, columnName: error.field, reason: error.message };
      throw error;
    }
    throw new DuckdbEngineBug(`SQL put ${row.requestId} before the policy's first version and the policy has a version for it`);
  });
}
