import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ScopeMonthUsage, feeUnitsOf, isScope, storeUsage } from '@byok-billing/core';
import { StoreError, checkExistingStore, openStore, parseStoreSpec } from '@byok-billing/stores';
import { type Command, Option } from 'commander';
import { UsageError } from '../exitCodes.js';
import { loadAccountsFile } from '../io/loadAccountsFile.js';
import { loadPolicyFile } from '../io/loadPolicyFile.js';
import { USAGE_FORMATS, type UsageFormat, usageAsCsv, usageAsJson, usageAsTable } from '../output/usageFormats.js';
import { writeOutput } from '../output/writeOutput.js';
import type { ProgramIO } from '../programIO.js';
import { presentationOf } from '../replay/runReplay.js';

export interface UsageCliOptions {
  /** `sqlite:PATH` or `postgres:URL`, as `byok meter --store` takes it. */
  readonly store: string;
  readonly tablePrefix?: string;
  readonly scope?: string;
  readonly period?: string;
  readonly policy?: string;
  readonly accounts?: string;
  readonly format?: UsageFormat;
  readonly out?: string;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * `byok usage`: each scope-month's usage now, from the decisions a meter store holds (as
 * `byok meter` stored them): the requests counted, the allowance and what is left of it
 * (the policy and accounts place the scope-month as the meter places its next request),
 * the fees so far (the stored fees, exactly), the BYOK list cost and the request that
 * crossed the allowance. Reads the store only: a store that does not exist is an error,
 * never created.
 */
export async function usageCommand(options: UsageCliOptions, io: ProgramIO): Promise<ScopeMonthUsage[]> {
  if (options.scope !== undefined && !isScope(options.scope)) {
    throw new UsageError(`--scope ${JSON.stringify(options.scope)}: expected org:<org_id> or user:<user_id>`);
  }
  if (options.period !== undefined && !PERIOD.test(options.period)) {
    throw new UsageError(`--period ${JSON.stringify(options.period)}: expected a month as YYYY-MM, e.g. 2025-11`);
  }
  const spec = asUsage(() => parseStoreSpec(options.store));
  // The report is written by renaming a new file over --out: over the store, that would replace it.
  if (spec.kind === 'sqlite' && options.out !== undefined && sameFile(spec.path, options.out)) {
    throw new UsageError(`--out ${options.out} is the store (--store ${options.store}); refusing to overwrite it`);
  }
  const policy = loadPolicyFile(options.policy);
  const accounts = await loadAccountsFile(options.accounts, feeUnitsOf(policy));
  await checkExistingStore(spec, options.tablePrefix).catch((error: unknown) => {
    throw asUsageError(error);
  });
  const store = asUsage(() => openStore(spec, { tablePrefix: options.tablePrefix }));
  let usage: ScopeMonthUsage[];
  try {
    usage = await storeUsage(store, policy, accounts, { scope: options.scope, period: options.period });
  } catch (error) {
    await store.close().catch(() => undefined);
    throw asUsageError(error);
  }
  await store.close().catch((error: unknown) => {
    throw asUsageError(error);
  });
  const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
  const text = format === 'json' ? usageAsJson(usage) : format === 'csv' ? usageAsCsv(usage) : usageAsTable(usage, presentationOf(policy));
  writeOutput(text, options.out, io);
  return usage;
}

function sameFile(a: string, b: string): boolean {
  const real = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));
  return real(a) === real(b);
}

function asUsageError(error: unknown): unknown {
  return error instanceof StoreError ? new UsageError(`--store: ${error.message}`) : error;
}

function asUsage<T>(open: () => T): T {
  try {
    return open();
  } catch (error) {
    throw asUsageError(error);
  }
}

export function registerUsage(program: Command, io: ProgramIO): void {
  program
    .command('usage')
    .summary('usage now per scope-month of a meter store: counted, allowance left, fees so far, the crossing request')
    .description(
      'Report, for each scope-month a meter store holds (filled by byok meter), the requests counted toward the ' +
        'allowance, the allowance and what is left of it, the fees so far (the sum of the stored decisions\' fees, ' +
        'exactly, caps applied), the list cost of the BYOK requests, and the crossing request: the first billable ' +
        'request in arrival order, once the allowance is used up. The store is only read, and summed by its own ' +
        'engine (SQL on SQLite and PostgreSQL).',
    )
    .requiredOption('--store <store>', 'the meter store: sqlite:PATH or postgres:URL (as byok meter --store)')
    .option('--table-prefix <prefix>', 'prefix of the store\'s table names, as given to byok meter')
    .option('--scope <scope>', 'only this scope: org:<org_id> or user:<user_id>')
    .option('--period <month>', 'only this month: YYYY-MM')
    .option('--policy <file>', 'policy document (JSON) the allowance is read from; default: the built-in BYOK policy')
    .option('--accounts <file>', 'per-scope settings CSV (free_requests, fee_rate, fee_cap_usd ...), as given to byok meter')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices(USAGE_FORMATS))
    .option('--out <file>', 'write the report to this file instead of standard output')
    .addHelpText(
      'after',
      `
Examples:
  $ byok meter --store sqlite:meter.db requests.csv -q --out /dev/null
  $ byok usage --store sqlite:meter.db                          # every scope-month
  $ byok usage --store sqlite:meter.db --scope org:acme --period 2025-11 --format json
  $ byok usage --store sqlite:meter.db --accounts accounts.csv --format csv --out usage.csv
  $ byok usage --store postgres:postgres://byok:secret@db:5432/billing --table-prefix byok_ --period 2025-11

The allowance is what the policy and accounts give the scope-month's next request (placed
at the instant of its latest stored decision): a number of requests, or dollars of list cost
for a pricing-language policy counting list-usd (allowance_unit says which). Give the same
--policy and --accounts as to byok meter. "left" is the allowance minus what is counted,
never below 0. Fees so far are what the meter stored (a cap already applied); the crossing
request is the first stored billable decision of the scope-month, if any.`,
    )
    .action(async (options: UsageCliOptions) => {
      await usageCommand(options, io);
    });
}
