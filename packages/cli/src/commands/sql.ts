import {
  InvalidAccountsError,
  OPTIONAL_REQUEST_COLUMNS,
  type OptionalRequestColumn,
  SQL_DIALECTS,
  type SqlDialect,
  type SqlMoneyOutput,
  compileBillSql,
  feeUnitsOf,
} from '@byok-billing/core';
import { type Command, Option } from 'commander';
import { UsageError } from '../exitCodes.js';
import { InputError } from '../io/inputError.js';
import { loadAccountsFile } from '../io/loadAccountsFile.js';
import { loadPolicyFile } from '../io/loadPolicyFile.js';
import { writeOutput } from '../output/writeOutput.js';
import type { ProgramIO } from '../programIO.js';

export interface SqlCliOptions {
  readonly policy?: string;
  readonly accounts?: string;
  readonly dialect: SqlDialect;
  readonly out?: string;
  readonly money?: SqlMoneyOutput;
  readonly relation?: string;
  /** Optional log columns the relation lacks (comma-separated on the command line). */
  readonly absent?: string;
  /** A column with each instant's nanoseconds past its microsecond (0–999): order and duplicates exact to the nanosecond. */
  readonly nanosecondColumn?: string;
  readonly quiet?: boolean;
}

function parseAbsentColumns(text: string | undefined): OptionalRequestColumn[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((name) => {
    const column = name.trim();
    if (!(OPTIONAL_REQUEST_COLUMNS as readonly string[]).includes(column)) {
      throw new UsageError(`--absent: ${JSON.stringify(column)} is not an optional column (${OPTIONAL_REQUEST_COLUMNS.join(', ')})`);
    }
    return column as OptionalRequestColumn;
  });
}

/** `byok sql`: the policy (and accounts) compiled to a SQL query over a `requests` relation. */
export async function sqlCommand(options: SqlCliOptions, io: ProgramIO): Promise<string> {
  const policy = loadPolicyFile(options.policy);
  const accounts = await loadAccountsFile(options.accounts, feeUnitsOf(policy));
  if (options.relation !== undefined && options.relation === '') throw new UsageError('--relation: give a table or view name');
  if (options.nanosecondColumn !== undefined && options.nanosecondColumn === '') throw new UsageError('--nanosecond-column: give a column name');
  if (options.nanosecondColumn !== undefined && options.dialect === 'clickhouse') {
    throw new UsageError('--nanosecond-column: the clickhouse dialect reads timestamp as Int64 epoch nanoseconds, exact already; leave the option out');
  }
  let script: string;
  try {
    script = compileBillSql(policy, accounts, {
      dialect: options.dialect,
      money: options.money,
      relation: options.relation,
      absentColumns: parseAbsentColumns(options.absent),
      nanosecondColumn: options.nanosecondColumn,
    });
  } catch (error) {
    // A scope the dialect cannot write portably (ansi): name the file it came from.
    if (error instanceof InvalidAccountsError && options.accounts !== undefined) throw new InputError({ file: options.accounts, columnName: 'scope' }, error.message);
    throw error;
  }
  writeOutput(script, options.out, io);
  return script;
}

export function registerSql(program: Command, io: ProgramIO): void {
  program
    .command('sql')
    .summary('compile the policy to a SQL query that bills a requests table')
    .description(
      'Print one SQL query that turns a relation named requests (the request log\'s columns: request_id, timestamp ' +
        'TIMESTAMPTZ, user_id, org_id, cost_usd DECIMAL(38,12), key_result, platform_result, route) into the bill lines ' +
        '`byok bill` gives, field for field: the routing and charge rules are compiled from the policy\'s rule documents, ' +
        'the accounts file becomes a VALUES list. Money is exact DECIMAL; the relation contract is in docs/sql.md. ' +
        'ClickHouse (--dialect clickhouse, from 18.16 on): timestamp is Int64 epoch nanoseconds, and the query needs no ' +
        'window functions or CTEs; run each shard\'s query over its own rows when the table is sharded by scope.',
    )
    .option('--policy <file>', 'policy document (JSON); default: the built-in BYOK policy')
    .option('--accounts <file>', 'per-scope settings CSV: scope,failover_mode,free_requests')
    .addOption(new Option('--dialect <dialect>', 'SQL dialect').choices(SQL_DIALECTS).makeOptionMandatory())
    .addOption(new Option('--money <form>', 'money columns as canonical text (as byok bill prints them) or exact DECIMAL').choices(['text', 'decimal']).default('text'))
    .option('--relation <name>', 'the table or view to read (default: requests)')
    .option('--absent <columns>', `optional columns the relation lacks, read as NULL (comma-separated: ${OPTIONAL_REQUEST_COLUMNS.join(', ')})`)
    .option('--nanosecond-column <name>', "an integer column with each instant's nanoseconds past its microsecond (0-999), timestamp holding the instant cut to the microsecond: the allowance order and duplicates are then exact to the nanosecond, as byok bill's")
    .option('--out <file>', 'write the query to this file instead of standard output')
    .option('-q, --quiet', 'no warnings on standard error')
    .addHelpText(
      'after',
      `
Examples:
  $ byok sql --dialect duckdb --absent route --out bill.sql
  $ cat requests.sql bill.sql | duckdb -csv      # requests.sql: CREATE VIEW requests AS ... (docs/sql.md)
  $ byok sql --dialect postgres --policy what-if.json --accounts accounts.csv --out bill.sql
  $ byok sql --dialect ansi --absent route,platform_result --relation gateway_requests

The query reads only the relation and writes nothing. Money columns are exact; compare them
with byok bill's as text (--money text, the default) or after trimming trailing zeros.`,
    )
    .action(async (options: SqlCliOptions) => {
      await sqlCommand(options, io);
    });
}
