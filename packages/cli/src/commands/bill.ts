import type { Bill } from '@byok-billing/core';
import { type Command, Option } from 'commander';
import { BILL_ENGINES, type BillEngine } from '../engines/billEngines.js';
import { runClickhouseEngine } from '../engines/clickhouse/clickhouseEngine.js';
import { type ClickhouseCliOptions, addClickhouseOptions, refuseClickhouseOptions } from '../engines/clickhouse/clickhouseOptions.js';
import { refuseDuckdbOptions, runDuckdbEngine } from '../engines/duckdb/duckdbEngine.js';
import { type DuckdbCliOptions, addDuckdbOptions } from '../engines/duckdb/duckdbSettings.js';
import { BILL_FORMATS, type BillFormat, billChunks } from '../output/billFormats.js';
import { writeOutputChunks } from '../output/writeOutput.js';
import type { ProgramIO } from '../programIO.js';
import { type ReplayCliOptions, addReplayOptions, presentationOf, runReplay } from '../replay/runReplay.js';

export interface BillCliOptions extends ReplayCliOptions, DuckdbCliOptions, ClickhouseCliOptions {
  readonly format?: BillFormat;
  readonly out?: string;
  readonly engine?: BillEngine;
}

/** `byok bill`: the bills the policy gives for request logs. */
export async function billCommand(logs: readonly string[], options: BillCliOptions, io: ProgramIO): Promise<Bill> {
  const run = await billRun(logs, options, io);
  const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
  const notes = run.routeMismatches > 0 ? [`route mismatches: ${run.routeMismatches.toLocaleString('en-US')} (recorded route differs from the failover mode's route)`] : [];
  writeOutputChunks(billChunks(run.bill, format, presentationOf(run.policy), notes), options.out, io);
  return run.bill;
}

/** The run of the engine asked for; each refuses the options of the others. */
async function billRun(logs: readonly string[], options: BillCliOptions, io: ProgramIO) {
  const engine = options.engine ?? 'js';
  switch (engine) {
    case 'js':
      return runReplay(logs, refuseClickhouseOptions(refuseDuckdbOptions(options), 'js'), io);
    case 'duckdb':
      return runDuckdbEngine(logs, refuseClickhouseOptions(options, 'duckdb'), io);
    case 'clickhouse':
      return runClickhouseEngine(logs, refuseDuckdbOptions(options), io);
    default: {
      const unknown: never = engine;
      throw new Error(`unknown engine ${String(unknown)}`);
    }
  }
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
    .argument('[log...]', 'request log files (.csv, .csv.gz) or - for standard input (none with --engine clickhouse --table)');
  addClickhouseOptions(addDuckdbOptions(addReplayOptions(command)), 'with --engine clickhouse: ')
    .addOption(
      new Option(
        '--engine <engine>',
        'js: streams the log in time order; duckdb: SQL over the whole input, any order, CSV or Parquet (docs/engines.md); ' +
          'clickhouse: loads the checked rows into ClickHouse (--url, sharded by scope over --cluster) and bills them there, or bills --table in place',
      )
        .choices(BILL_ENGINES)
        .default('js'),
    )
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
  $ byok bill --engine clickhouse --url http://127.0.0.1:8123 requests.csv
  $ byok bill --engine clickhouse --cluster two --url http://shard1:8123 --url http://shard2:8123 requests.csv
  $ byok bill --engine clickhouse --url http://127.0.0.1:8123 --table requests   # a loaded table, in place

Without --rejects the first bad row stops the run (exit code 2) with its file, line and column.
Rows with the same request_id and content count once (duplicates); the same id with other
content is refused. The summary accounts for every row: accepted + duplicates + rejected = rows.

--engine clickhouse reads and checks the logs as the default engine does, loads the accepted rows
into a table of a fresh name (dropped afterwards), and runs the policy compiled for ClickHouse on
each --url over its own rows; a scope and period found on two shards is refused (exit 2), never
added up. --table NAME bills a table loaded by byok load clickhouse (or its Distributed table, on
one --url) in place. An unreachable server, or the query's own refusal, is exit code 2.`,
    )
    .action(async (logs: string[], options: BillCliOptions) => {
      await billCommand(logs, options, io);
    });
}
