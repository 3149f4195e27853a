import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type Accounts, type Bill, type InputSummary, type Policy, feeUnitsOf, parseMoney } from '@byok-billing/core';
import { loadAccountsFile } from '../../io/loadAccountsFile.js';
import { loadPolicyFile } from '../../io/loadPolicyFile.js';
import { parseMaxLineBytes } from '../../io/readLimits.js';
import { fileSink } from '../../io/outputSink.js';
import { rejectsWriter } from '../../output/rejectsWriter.js';
import type { ProgramIO } from '../../programIO.js';
import type { ReplayCliOptions } from '../../replay/runReplay.js';
import { createAcceptedRowsSql, createRepeatedRowsSql, createRequestsViewSql } from './arrivalsSql.js';
import { checkEngineOptions } from './checkEngineOptions.js';
import { duckdbFailure } from './duckdbEngineErrors.js';
import { type DuckdbCliOptions, duckdbSettings } from './duckdbSettings.js';
import { openDuckdbWorkspace } from './duckdbWorkspace.js';
import { refuseTooLargeAmounts } from './exactLimits.js';
import { inputCountsSql } from './inputSummarySql.js';
import { refuseInexactSums } from './lineSumLimits.js';
import { loadLogs } from './loadLogs.js';
import { type LogInput, resolveLogInputs } from './logInputs.js';
import { CsvNeedsRewriting, normalizeCsv } from './normalizeCsv.js';
import { reviewRows } from './reviewRows.js';
import { countRouteMismatches } from './routeMismatches.js';
import { billFromSql } from './sqlBill.js';

export interface DuckdbBillOptions extends ReplayCliOptions, DuckdbCliOptions {}

/** What `byok bill` prints from: the bill, its route mismatches, and the policy (for presentation). */
export interface DuckdbBillRun {
  readonly bill: Bill;
  readonly routeMismatches: number;
  readonly policy: Policy;
  readonly warnings: readonly string[];
}

/**
 * `byok bill --engine duckdb`: the same bill as the default engine, computed by DuckDB
 * over the whole input at once.
 *
 * 1. Every log (CSV, gzipped CSV, Parquet; globs expanded) is read into one table, in
 *    input order, each row checked and parsed in SQL exactly as rowToRequest does
 *    (loadLogs, checkedRowsSql).
 * 2. What DuckDB cannot bill exactly is refused: amounts past DECIMAL(38,12)
 *    (exactLimits) and, once the requests are known, bill lines whose sums DECIMAL(38)
 *    cannot hold (lineSumLimits).
 * 3. Duplicates and conflicting duplicates (POLICY.md D6) are found over the whole
 *    input, as the default engine does with --sort (arrivalsSql).
 * 4. Rows refused are read again by byok's own reader for the default engine's file,
 *    line, column and reason, written to --rejects or raised (reviewRows).
 * 5. The policy compiled to SQL (compileBillQuery) gives the bill lines (billFromSql).
 *
 * The default engine's reorder window does not apply: the input is sorted globally,
 * so rows may come in any order and --reorder-window and --sort change nothing.
 * --details is refused: the SQL bill has no per-request decisions.
 */
export async function billWithDuckdb(logs: readonly string[], options: DuckdbBillOptions, io: ProgramIO): Promise<DuckdbBillRun> {
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    if (!options.quiet) io.stderr(`byok: warning: ${message}\n`);
  };
  checkEngineOptions(options, warn);
  const maxLineBytes = parseMaxLineBytes(options.maxLineBytes);
  const settings = duckdbSettings(options);
  const policy = loadPolicyFile(options.policy === undefined ? undefined : resolveIn(options.baseDir, options.policy));
  const accounts = await loadAccountsFile(options.accounts === undefined ? undefined : resolveIn(options.baseDir, options.accounts), feeUnitsOf(policy));
  const workspace = await openDuckdbWorkspace(settings);
  try {
    const inputs = await resolveLogInputs(logs, workspace.connection, workspace.directory, io.stdin ?? process.stdin, options.baseDir);
    const rewritten = new Map<number, string>();
    for (;;) {
      // Warnings wait for the attempt to end: one that starts over must not repeat them.
      const attemptWarnings: string[] = [];
      try {
        const run = await billOnce(workspace.connection, inputs, {
          policy,
          accounts,
          inputTimezone: options.inputTimezone,
          rejects: options.rejects,
          maxLineBytes,
          rewritten,
          warn: (m) => attemptWarnings.push(m),
        });
        attemptWarnings.forEach(warn);
        return { ...run, policy, warnings };
      } catch (error) {
        if (error instanceof CsvNeedsRewriting && !rewritten.has(error.fileIndex)) {
          rewritten.set(error.fileIndex, await normalizeCsv(inputs[error.fileIndex]!, workspace.directory, maxLineBytes));
          await workspace.fresh();
          continue;
        }
        attemptWarnings.forEach(warn);
        throw duckdbFailure(error);
      }
    }
  } finally {
    workspace.close();
  }
}

interface Attempt {
  readonly policy: Policy;
  readonly accounts: Accounts | undefined;
  readonly inputTimezone: string | undefined;
  readonly rejects: string | undefined;
  /** `--max-line-bytes`, parsed: every read of a CSV file refuses what the default engine's does. */
  readonly maxLineBytes: number;
  readonly rewritten: ReadonlyMap<number, string>;
  readonly warn: (message: string) => void;
}

/** One run over the inputs; throws CsvNeedsRewriting when a CSV file must be read through byok's rewriting. */
async function billOnce(connection: DuckDBConnection, inputs: readonly LogInput[], options: Attempt): Promise<{ bill: Bill; routeMismatches: number }> {
  const { policy, accounts, warn, maxLineBytes } = options;
  const rejects = options.rejects === undefined ? undefined : rejectsWriter(fileSink(options.rejects));
  try {
    const loaded = await loadLogs(connection, inputs, { inputTimeZone: options.inputTimezone, rewritten: options.rewritten, maxLineBytes });
    await refuseTooLargeAmounts(connection);
    await connection.run(createRepeatedRowsSql());
    await connection.run(createAcceptedRowsSql(policy.versions[0]!.effectiveFromMs));
    await connection.run(createRequestsViewSql());
    await reviewRows(connection, loaded, { policy, warn, inputTimeZone: options.inputTimezone, maxLineBytes, onReject: rejects?.reject });
    const counts = (await connection.runAndReadAll(inputCountsSql)).getRowObjectsJson()[0]!;
    const fieldCountRejects = loaded.files.reduce((sum, f) => sum + f.fieldCountRejects, 0);
    const rejected = Number(counts.refused) + Number(counts.conflicts) + Number(counts.before_policy) + fieldCountRejects;
    const input: InputSummary = {
      rows: Number(counts.rows_read) + fieldCountRejects,
      accepted: Number(counts.accepted),
      rejected,
      duplicates: Number(counts.duplicates),
    };
    await refuseInexactSums(connection, policy, accounts, {
      count: BigInt(String(counts.accepted)),
      maxCost: counts.max_cost === null ? undefined : parseMoney(String(counts.max_cost)),
    });
    const routeMismatches = await countRouteMismatches(connection, policy, accounts);
    const bill = await billFromSql(connection, policy, accounts, input, routeMismatches);
    if (routeMismatches > 0) {
      warn(`${routeMismatches.toLocaleString('en-US')} request(s) have a recorded route that differs from the route their failover mode gives (listed in --details as route_mismatch=true)`);
    }
    if (rejected > 0) warn(`${rejected.toLocaleString('en-US')} row(s) rejected; see ${options.rejects}`);
    return { bill, routeMismatches };
  } finally {
    rejects?.close();
  }
}

function resolveIn(baseDir: string | undefined, path: string): string {
  return baseDir === undefined ? path : resolve(baseDir, path);
}
