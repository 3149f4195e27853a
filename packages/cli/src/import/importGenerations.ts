import { type ImportScope, type ImportedRequest, generationToRequest } from './generationToRequest.js';
import { type RawRecord, type RecordInputFormat, readGenerationRecords } from './readGenerationRecords.js';
import { ImportedLog } from './importedLog.js';
import { RecordError, type RecordLocation, RecordProblem, formatRecordLocation } from './recordProblem.js';
import type { WrittenLogRow } from './requestLogRow.js';

/** A record the import refused: where, which field, why, and its source text. */
export interface ImportRejection {
  readonly location: RecordLocation;
  readonly field?: string | undefined;
  readonly reason: string;
  readonly text: string;
}

export interface ImportOptions extends ImportScope {
  readonly format: RecordInputFormat;
  /** The longest record read (a JSON Lines line, or one record of a document); default: io/readLimits. */
  readonly maxRecordBytes?: number | undefined;
  /** With a listener, refused records go to it and the import goes on; without, the first stops it. */
  readonly onReject?: ((rejection: ImportRejection) => void) | undefined;
}

/** Every record is accounted for: imported + duplicates + rejected = records. */
export interface ImportSummary {
  readonly records: number;
  readonly imported: number;
  readonly byok: number;
  readonly platform: number;
  /** Cancelled records, written with route `failed`. */
  readonly failed: number;
  readonly duplicates: number;
  readonly rejected: number;
}

export interface ImportResult {
  /**
   * The accepted requests as log rows, in the order the ledger consumes them (POLICY.md
   * D1): by instant, ties by request_id. Rows are decoded as they are iterated.
   */
  readonly requests: Iterable<WrittenLogRow>;
  readonly summary: ImportSummary;
}

/**
 * Reads generation records into requests. Duplicated ids (an export page fetched twice)
 * keep the first record when the content is the same — compared as the log would bill
 * it: the instant, not how it is written, and amounts by value — and are refused when it
 * is not, since either could be the true charge (POLICY.md D6).
 *
 * The requests come back sorted: exports list newest first, and a month in reverse order
 * is far outside any reorder window `byok bill` would allow.
 */
export async function importGenerations(stream: AsyncIterable<Uint8Array>, file: string, options: ImportOptions): Promise<ImportResult> {
  const log = new ImportedLog();
  let records = 0;
  let duplicates = 0;
  let rejected = 0;
  const counts = { byok: 0, platform: 0, failed: 0 };

  const reject = (rejection: ImportRejection): void => {
    if (options.onReject === undefined) throw new RecordError(rejection.location, rejection.reason, rejection.field);
    rejected++;
    options.onReject(rejection);
  };

  const importRecord = (raw: RawRecord): void => {
    records++;
    if (!raw.parsed.ok) {
      reject({ location: raw.location, field: raw.parsed.field, reason: raw.parsed.reason, text: raw.text });
      return;
    }
    let request: ImportedRequest;
    try {
      request = generationToRequest(raw.parsed.value, options);
    } catch (error) {
      if (!(error instanceof RecordProblem)) throw error;
      reject({ location: raw.location, field: error.field, reason: error.reason, text: raw.text });
      return;
    }
    const first = log.find(request.requestId);
    if (first !== undefined) {
      if (log.sameContent(first, request)) {
        duplicates++;
      } else {
        reject({
          location: raw.location,
          field: 'id',
          reason: `id ${JSON.stringify(request.requestId)} was already seen at ${formatRecordLocation(log.locationOf(first))} with different content`,
          text: raw.text,
        });
      }
      return;
    }
    log.add(request, raw.location);
    counts[request.route]++;
  };

  for await (const batch of readGenerationRecords(stream, file, options.format, options.maxRecordBytes)) {
    for (const raw of batch) importRecord(raw);
  }
  return { requests: { [Symbol.iterator]: () => log.rowsInLedgerOrder() }, summary: { records, imported: log.size, ...counts, duplicates, rejected } };
}
