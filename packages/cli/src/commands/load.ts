import type { Command } from 'commander';
import { runClickhouseLoad } from '../engines/clickhouse/clickhouseEngine.js';
import { type ClickhouseCliOptions, addClickhouseOptions } from '../engines/clickhouse/clickhouseOptions.js';
import type { ProgramIO } from '../programIO.js';
import { type ReplayCliOptions, addReplayOptions } from '../replay/runReplay.js';

export interface LoadClickhouseCliOptions extends ReplayCliOptions, ClickhouseCliOptions {}

/** `byok load clickhouse`: the logs checked as `byok bill` checks them, their accepted rows added to a table. */
export async function loadClickhouseCommand(logs: readonly string[], options: LoadClickhouseCliOptions, io: ProgramIO): Promise<void> {
  const load = await runClickhouseLoad(logs, options, io);
  if (!options.quiet) {
    const n = (k: number) => k.toLocaleString('en-US');
    const { rows, accepted, duplicates, rejected } = load.input;
    const where = load.shards > 1 ? `${load.table} on ${load.shards} shards (by scope)` : load.table;
    io.stderr(`byok: loaded ${n(accepted)} request(s) into ${where}; rows ${n(rows)}: accepted ${n(accepted)}, duplicates ${n(duplicates)}, rejected ${n(rejected)}\n`);
  }
}

export function registerLoad(program: Command, io: ProgramIO): void {
  const load = program
    .command('load')
    .summary('load checked request logs into a database, to bill there')
    .description('Read request logs as byok bill reads them and load their accepted rows into a database table that the SQL engines bill in place.');
  const clickhouse = load
    .command('clickhouse')
    .summary('into a ClickHouse table, sharded by scope over a cluster')
    .description(
      'Read and check request logs exactly as byok bill does (same duplicate and conflict rules, --rejects, exit codes) and ' +
        'insert their accepted rows, each with its scope under --policy, into --table on the --url server: created if absent ' +
        '(MergeTree ORDER BY (scope, timestamp, request_id)), refused if it exists with other columns. With --cluster and one ' +
        '--url per shard, the table is created on every shard and the rows go through a Distributed table <table>_all on ' +
        'the first URL, each to shard cityHash64(scope) % shards: all rows of a scope on one shard, so each shard bills its ' +
        'own scopes (byok bill --engine clickhouse --table). Nothing is inserted unless the whole input was read and checked.',
    )
    .argument('<log...>', 'request log files (.csv, .csv.gz) or - for standard input');
  addClickhouseOptions(addReplayOptions(clickhouse), '')
    .addHelpText(
      'after',
      `
Examples:
  $ byok load clickhouse --url http://127.0.0.1:8123 --table requests logs/*.csv.gz
  $ byok load clickhouse --cluster two_shards --url http://shard1:8123 --url http://shard2:8123 \\
      --table requests --rejects refused.csv november.csv
  $ byok bill --engine clickhouse --cluster two_shards --url http://shard1:8123 --url http://shard2:8123 --table requests

The counts (rows = accepted + duplicates + rejected) go to standard error. Exit codes as byok bill's:
2 for a bad row (without --rejects), bad usage, a table of other columns, or an unreachable server.`,
    )
    .action(async (logs: string[], options: LoadClickhouseCliOptions) => {
      await loadClickhouseCommand(logs, options, io);
    });
}
