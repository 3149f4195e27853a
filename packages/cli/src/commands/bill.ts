import type { Bill } from '@byok-billing/core';
import { type Command, Option } from 'commander';
import { BILL_ENGINES, type BillEngine, refuseDuckdbOptions, runDuckdbEngine } from '../engines/duckdb/duckdbEngine.js';
import { type DuckdbCliOptions, addDuckdbOptions } from '../engines/duckdb/duckdbSettings.js';
import { BILL_FORMATS, type BillFormat, billChunks } from '../output/billFormats.js';
import { writeOutputChunks } from '../output/writeOutput.js';
import type { ProgramIO } from '../programIO.js';
import { type ReplayCliOptions, addReplayOptions, presentationOf, runReplay } from '../replay/runReplay.js';

export interface BillCliOptions extends ReplayCliOptions, DuckdbCliOptions {
  readonly format?: BillFormat;
  readonly out?: string;
  readonly engine?: BillEngine;
}

/** `byok bill`: the bills the policy gives for request logs. */
export async function billCommand(logs: readonly string[], options: BillCliOptions, io: ProgramIO): Promise<Bill> {
  const run = options.engine === 'duckdb' ? await runDuckdbEngine(logs, options, io) : await runReplay(logs, refuseDuckdbOptions(options), io);
  const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
  const notes = run.routeMismatches > 0 ? [`route mismatches: ${run.routeMismatches.toLocaleString('en-US')} (recorded route differs from the failover mode's route)`] : [];
  writeOutputChunks(billChunks(run.bill, format, presentationOf(run.policy), notes), options.out, io);
  return run.bill;
}

export function registerBill(program: Command, io: ProgramIO): void {
  const command = program
    .command('bill')
    .summary('replay request logs into bills')
    .description(
      'Replay request logs (CSV, .csv.gz, or - for standard input; several files are read as one log) and print ' +
        'one bill line per scope and UTC month: BYOK requests, free and billable, the 5% fee past the allowance, ' +
        'platform charges, failed requests, and the total. Money is exact in json/csv/ndjson.',
    )
    .argument('<log...>', 'request log files (.csv, .csv.gz) or - for standard input');
  addDuckdbOptions(addReplayOptions(command))
    .addOption(new Option('--engine <engine>', 'js: streams the log in time order; duckdb: SQL over the whole input, any order, CSV or Parquet (docs/engines.md)').choices(BILL_ENGINES).default('js'))
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices(BILL_FORMATS))
    .option('--out <file>', 'write the bill to this file instead of standard output')
    .option('--details <file>', 'write one decision record per request here (.csv, or .ndjson for JSON lines)')
    .addHelpText(
      'after',
      `
Examples:
  $ byok bill requests.csv                          # table on a terminal, JSON when piped
  $ byok bill --format csv --out bill.csv logs/*.csv.gz
  $ byok bill --policy what-if.json --accounts accounts.csv requests.csv
  $ byok bill --input-timezone America/New_York local-times.csv
  $ byok bill --details decisions.csv --rejects rejects.csv requests.csv
  $ byok bill --reorder-window 1h merged-from-nodes.csv   # rows up to 1 hour out of order
  $ zcat big.csv.gz | byok bill --sort -                   # any order; memory grows with the log
  $ byok bill --engine duckdb 'logs/*.parquet'             # DuckDB: any order, larger than memory

Without --rejects the first bad row stops the run (exit code 2) with its file, line and column.
Rows with the same request_id and content count once (duplicates); the same id with other
content is refused. The summary accounts for every row: accepted + duplicates + rejected = rows.`,
    )
    .action(async (logs: string[], options: BillCliOptions) => {
      await billCommand(logs, options, io);
    });
}
