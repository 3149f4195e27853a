import { existsSync } from 'node:fs';
import {
  type DecisionRecord,
  type Forecast,
  type ForecastBuilder,
  type Instant,
  type Policy,
  compareInstants,
  feeUnitsOf,
  createForecast,
  isScope,
  parseTimestamp,
} from '@byok-billing/core';
import { type CompactOutcome, ROUTE_CODE } from '@byok-billing/core/internal';
import { StoreError, openStore, parseStoreSpec } from '@byok-billing/stores';
import { type Command, Option } from 'commander';
import { UsageError } from '../exitCodes.js';
import { loadAccountsFile } from '../io/loadAccountsFile.js';
import { loadPolicyFile } from '../io/loadPolicyFile.js';
import { FORECAST_FORMATS, type ForecastFormat, formatForecast } from '../output/forecastFormats.js';
import { writeOutput } from '../output/writeOutput.js';
import type { ProgramIO } from '../programIO.js';
import { type ReplayCliOptions, addReplayOptions, presentationOf, runReplay } from '../replay/runReplay.js';
import { rowId } from '../replay/fast/rowBatch.js';
import { compactLineMatcher, costOf, feeOf } from './explainDecision.js';

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
  let forecast: Forecast;
  if (options.store !== undefined) {
    if (logs.length > 0) throw new UsageError(`--store reads decisions from a meter store: give no log (got ${JSON.stringify(logs[0])})`);
    policy = loadPolicyFile(options.policy);
    const accounts = await loadAccountsFile(options.accounts, feeUnitsOf(policy));
    versionAt(policy, asOf);
    const builder = createForecast({ policy, accounts, asOf, scope: options.scope });
    await readStore(options.store, options.tablePrefix, (record) => builder.add(record));
    forecast = builder.finish();
  } else {
    if (logs.length === 0) throw new UsageError('no log given: pass request logs (CSV, .csv.gz, or - for standard input), or --store URL');
    if (options.tablePrefix !== undefined) throw new UsageError('--table-prefix is for --store');
    ({ policy, forecast } = await forecastLogs(logs, options, io, asOf, options.scope));
  }
  writeOutput(formatForecast(forecast, format, presentationOf(policy)), options.out, io);
  return forecast;
}

/**
 * The forecast of a replay of `logs` on the fast replay (decided as byok bill decides them,
 * streaming, in bounded memory), fed each decision of the month so far as it is made: nothing
 * of the log is held but a count per hour and a few sums per scope.
 */
async function forecastLogs(logs: readonly string[], options: ReplayCliOptions, io: ProgramIO, asOf: Instant, scope: string | undefined): Promise<{ policy: Policy; forecast: Forecast }> {
  let builder: ForecastBuilder | undefined;
  let inMonth: ((outcome: CompactOutcome) => boolean) | undefined;
  const run = await runReplay(logs, { ...options, details: undefined }, io, {
    // Called again when the replay starts over in allowance order: start afresh.
    onPolicy(policy, accounts) {
      versionAt(policy, asOf);
      builder = createForecast({ policy, accounts, asOf, scope });
      inMonth = compactLineMatcher(scope, builder.period);
    },
    onDecided(d) {
      // The cheap tests first: most requests of a long log are of other months or scopes.
      const { outcome, batch, row } = d;
      if (!inMonth!(outcome)) return;
      const instant = { epochMs: batch.epochMs[row]!, nanos: batch.nanos[row]! };
      if (compareInstants(instant, asOf) > 0) return;
      const cost = costOf(d);
      builder!.addDecision({
        requestId: rowId(batch, row),
        scope: outcome.lines.scope(outcome.line),
        period: outcome.lines.period(outcome.line),
        instant,
        counted: outcome.ordinal > 0,
        status: outcome.route === ROUTE_CODE.byok ? (outcome.within ? 'free' : 'billable') : null,
        costUsd: cost,
        feeUsd: feeOf(d, cost),
      });
    },
  });
  return { policy: run.policy, forecast: builder!.finish() };
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

/** Feeds every decision of a meter store to `each`, in store order, holding none of them. */
async function readStore(spec: string, tablePrefix: string | undefined, each: (record: DecisionRecord) => void): Promise<void> {
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
    for await (const record of store.records()) each(record);
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
