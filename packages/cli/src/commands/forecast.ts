import { existsSync } from 'node:fs';
import {
  type Accounts,
  type DecisionRecord,
  type Forecast,
  type Instant,
  type Policy,
  compareInstants,
  feeUnitsOf,
  forecastMonth,
  isScope,
  parseTimestamp,
} from '@byok-billing/core';
import { toDecisionRecord } from '@byok-billing/core/internal';
import { StoreError, openStore, parseStoreSpec } from '@byok-billing/stores';
import { type Command, Option } from 'commander';
import { UsageError } from '../exitCodes.js';
import { loadAccountsFile } from '../io/loadAccountsFile.js';
import { loadPolicyFile } from '../io/loadPolicyFile.js';
import { FORECAST_FORMATS, type ForecastFormat, formatForecast } from '../output/forecastFormats.js';
import { writeOutput } from '../output/writeOutput.js';
import type { ProgramIO } from '../programIO.js';
import { type ReplayCliOptions, addReplayOptions, presentationOf, runReplay } from '../replay/runReplay.js';

export interface ForecastCliOptions extends ReplayCliOptions {
  /** The instant the month so far ends at (inclusive), ISO-8601 with a UTC offset. */
  readonly asOf?: string;
  /** Read decisions from a meter store instead of replaying logs. */
  readonly store?: string;
  readonly tablePrefix?: string;
  readonly scope?: string;
  readonly format?: ForecastFormat;
  readonly out?: string;
}

/** An ISO-8601 date-time with a UTC offset (`Z`, `±HH:MM`): the one way --as-of names an instant unambiguously. */
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/**
 * `byok forecast`: the month holding --as-of projected to its end, per scope, from the
 * decisions up to --as-of: a replay of logs (the bill's decisions) or a meter store's. The
 * projection is the core's (`forecastMonth`); this command reads and writes.
 */
export async function forecastCommand(logs: readonly string[], options: ForecastCliOptions, io: ProgramIO): Promise<Forecast> {
  const asOf = parseAsOf(options.asOf);
  if (options.scope !== undefined && !isScope(options.scope)) {
    throw new UsageError(`--scope ${JSON.stringify(options.scope)}: expected org:<id> or user:<id>`);
  }
  const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
  let policy: Policy;
  let accounts: Accounts | undefined;
  let records: DecisionRecord[];
  if (options.store !== undefined) {
    if (logs.length > 0) throw new UsageError(`--store reads decisions from a meter store: give no log (got ${JSON.stringify(logs[0])})`);
    policy = loadPolicyFile(options.policy);
    accounts = await loadAccountsFile(options.accounts, feeUnitsOf(policy));
    const period = versionAt(policy, asOf).calendar.periodOf(asOf);
    records = await storeRecords(options.store, options.tablePrefix, (r) => r.period === period);
  } else {
    if (logs.length === 0) throw new UsageError('no log given: pass request logs (CSV, .csv.gz, or - for standard input), or --store URL');
    if (options.tablePrefix !== undefined) throw new UsageError('--table-prefix is for --store');
    ({ policy, accounts, records } = await logDecisionRecords(logs, options, io, asOf, options.scope));
  }
  versionAt(policy, asOf);
  const forecast = forecastMonth(records, { policy, accounts, asOf, scope: options.scope });
  writeOutput(formatForecast(forecast, format, presentationOf(policy)), options.out, io);
  return forecast;
}

/**
 * The decisions of a replay of `logs` (as byok bill decides them) in the month of `asOf`, up
 * to `asOf` (of `scope` alone when given), with the policy and accounts the replay used. Only that month so far is kept, so a
 * log of many months needs no more memory than its month.
 */
export async function logDecisionRecords(
  logs: readonly string[],
  options: ReplayCliOptions,
  io: ProgramIO,
  asOf: Instant,
  scope?: string,
): Promise<{ policy: Policy; accounts: Accounts | undefined; records: DecisionRecord[] }> {
  let kept: DecisionRecord[] = [];
  let inMonth: ((r: DecisionRecord) => boolean) | undefined;
  const run = await runReplay(logs, { ...options, details: undefined }, io, {
    // Called again when the replay starts over in allowance order: start afresh.
    onPolicy(p) {
      kept = [];
      const period = versionAt(p, asOf).calendar.periodOf(asOf);
      inMonth = (r) => r.period === period;
    },
    onDecision(decision) {
      if (compareInstants(decision.request.instant, asOf) > 0) return;
      const record = toDecisionRecord(decision);
      if (inMonth!(record) && (scope === undefined || record.scope === scope)) kept.push(record);
    },
  });
  return { policy: run.policy, accounts: run.accounts, records: kept };
}

function parseAsOf(text: string | undefined) {
  if (text === undefined) throw new UsageError('--as-of is required: the instant the month so far ends at, e.g. --as-of 2025-10-10T00:00:00Z');
  if (!WITH_OFFSET.test(text)) {
    throw new UsageError(`--as-of ${JSON.stringify(text)}: expected an ISO-8601 instant with a UTC offset, e.g. 2025-10-10T00:00:00Z or 2025-10-10T09:30:00+02:00`);
  }
  try {
    return parseTimestamp(text);
  } catch (error) {
    throw new UsageError(`--as-of: ${(error as Error).message}`);
  }
}

function versionAt(policy: Policy, asOf: Instant) {
  try {
    return policy.versionAt(asOf);
  } catch (error) {
    throw new UsageError(`--as-of: ${(error as Error).message}`);
  }
}

/** The store's decisions that `keep` keeps (the month of --as-of: a store of many months is not held whole). */
async function storeRecords(spec: string, tablePrefix: string | undefined, keep: (r: DecisionRecord) => boolean): Promise<DecisionRecord[]> {
  let store;
  try {
    const parsed = parseStoreSpec(spec);
    if (parsed.kind === 'memory') throw new UsageError('--store memory holds nothing between runs: give sqlite:PATH or postgres:URL');
    if (parsed.kind === 'sqlite' && !existsSync(parsed.path)) throw new UsageError(`--store ${JSON.stringify(spec)}: no such file (byok meter makes it)`);
    store = openStore(parsed, { tablePrefix });
  } catch (error) {
    throw error instanceof StoreError ? new UsageError(`--store: ${error.message}`) : error;
  }
  try {
    const records: DecisionRecord[] = [];
    for await (const record of store.records()) if (keep(record)) records.push(record);
    return records;
  } catch (error) {
    throw error instanceof StoreError ? new UsageError(`--store: ${error.message}`) : error;
  } finally {
    await store.close();
  }
}

export function registerForecast(program: Command, io: ProgramIO): void {
  const command = program
    .command('forecast')
    .summary('project the month so far to its end: requests, fee, and when the allowance runs out')
    .description(
      'Project, per scope, the month that holds --as-of (in the policy\'s reset zone) from its requests up to --as-of ' +
        '(inclusive): the BYOK requests so far, the projected month-end BYOK requests and fee, and the day the allowance ' +
        'runs out ("already", with the request that crossed it, or "not this month"). Reads request logs (replayed as ' +
        'byok bill does) or, with --store, the decisions a meter store holds. The method (a weekday-and-hour profile of ' +
        'the month so far) is stated in every format.',
    )
    .argument('[log...]', 'request log files (.csv, .csv.gz) or - for standard input; none with --store');
  addReplayOptions(command)
    .option('--as-of <instant>', 'the end of the month so far: an ISO-8601 instant with a UTC offset (required)')
    .option('--store <store>', 'read decisions from a meter store instead of logs: sqlite:PATH or postgres:URL')
    .option('--table-prefix <prefix>', 'prefix of the store\'s table names, as given to byok meter')
    .option('--scope <scope>', 'only this scope (org:<id> or user:<id>)')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices(FORECAST_FORMATS))
    .option('--out <file>', 'write the forecast to this file instead of standard output')
    .addHelpText(
      'after',
      `
Examples:
  $ byok forecast requests.csv --as-of 2025-10-10T00:00:00Z
  $ byok forecast logs/*.csv.gz --as-of 2025-10-20T12:00:00+02:00 --scope org:acme --format json
  $ byok forecast --store sqlite:meter.db --as-of 2025-10-15T00:00:00Z --format csv --out forecast.csv
  $ byok forecast --store postgres:postgres://byok@db/billing --table-prefix byok_ --as-of 2025-10-15T00:00:00Z

Method: each remaining hour of the month is expected to bring the scope's average count of
counted BYOK requests in the complete hours so far with the same weekday and hour of day (in
the reset zone); a weekday-hour not seen yet uses the overall hourly average of the complete
hours. The fee adds to the fees so far the projected requests priced at the month-so-far
average list cost, through the scope's fee terms (tiers, contract terms, cap). Projections are
exact fractions (the *Exact fields), rounded only for display.`,
    )
    .action(async (logs: string[], options: ForecastCliOptions) => {
      await forecastCommand(logs, options, io);
    });
}
