import { type AccountSettings, type Accounts, freeBoundOf } from '../accounts/accounts.js';
import { InvalidAccountsError } from '../errors.js';
import { Money } from '../money/money.js';
import type { FeeUnit } from '../policy/feeTerms.js';
import type { SqlDialect } from './sqlDialect.js';
import { sqlCommentText, sqlString, unwritableSqlString } from './sqlLiteral.js';
import { LIST_USD_TYPE, capLiteral } from './tieredFeeSql.js';

/**
 * The contract terms of the pricing language, for a query that bills tiers: the accounts
 * relation then also has `free_usd` (free_requests in dollars, for list-usd tiers),
 * `fee_rate` and `fee_cap_usd`.
 */
export interface AccountTermsSql {
  /** The units the policy's versions count: an account's free_requests must be readable in each. */
  readonly units: readonly FeeUnit[];
  readonly rateType: string;
  readonly feeScale: number;
}

const TERM_COLUMNS = 'scope, failover_mode, free_requests, free_usd, fee_rate, fee_cap_usd';

/**
 * The accounts file as a relation `(scope, failover_mode, free_requests)`, written into
 * the query as literals: a VALUES list on DuckDB and PostgreSQL, `SELECT … UNION ALL`
 * for ansi (BigQuery and ClickHouse have no VALUES relation). An absent setting is NULL,
 * the policy default. Every value goes through `sqlString`: a scope is data and can
 * never end its literal.
 *
 * A scope PostgreSQL text cannot hold (with U+0000) matches no request there, so it is
 * left out (with a note); a scope the ansi dialect cannot write portably is refused.
 */
export function accountsSql(accounts: Accounts | undefined, dialect: SqlDialect, indent: string, terms?: AccountTermsSql): string {
  const columns = terms === undefined ? 'scope, failover_mode, free_requests' : TERM_COLUMNS;
  const extra = (settings: AccountSettings | undefined) => (terms === undefined ? [] : termValues(settings, dialect, terms));
  const rows: string[] = [];
  const notes: string[] = [];
  for (const [scope, settings] of accounts ?? []) {
    const problem = unwritableSqlString(scope, dialect);
    if (problem !== undefined) {
      if (dialect === 'postgres') {
        notes.push(`${indent}-- left out: ${sqlCommentText(JSON.stringify(scope))} (no PostgreSQL request can have this scope)`);
        continue;
      }
      throw new InvalidAccountsError(`scope ${JSON.stringify(scope)} ${problem}`, 'scope');
    }
    const mode = settings.failoverMode === undefined ? null : sqlString(settings.failoverMode, dialect);
    const free = settings.freeRequests === undefined ? null : String(settings.freeRequests);
    rows.push(row(sqlString(scope, dialect), mode, free, dialect, rows.length === 0, extra(settings)));
  }
  const prefix = notes.length > 0 ? `${notes.join('\n')}\n` : '';
  if (rows.length === 0) {
    // No accounts: a typed relation with no rows keeps the query's shape (and its join).
    const first = row("''", null, null, dialect, true, extra(undefined));
    const empty = dialect === 'ansi' ? `${first} WHERE 1 = 0` : `SELECT * FROM (VALUES ${first}) AS a (${columns}) WHERE 1 = 0`;
    return `${prefix}${indent}${empty}`;
  }
  if (dialect === 'ansi') return `${prefix}${rows.map((r) => `${indent}${r}`).join(`\n${indent}UNION ALL\n`)}`;
  return `${prefix}${indent}SELECT * FROM (VALUES\n${rows.map((r) => `${indent}  ${r}`).join(',\n')}\n${indent}) AS a (${columns})`;
}

/** An account's contract terms as typed values `[name, SQL]` (NULL: the policy's). */
function termValues(settings: AccountSettings | undefined, dialect: SqlDialect, terms: AccountTermsSql): [string, string][] {
  // Refuses, as the ledgers do, a free_requests read in dollars for a policy that also counts requests.
  for (const unit of terms.units) freeBoundOf(settings, unit);
  const freeUsd = settings?.freeUsd ?? (settings?.freeRequests === undefined ? undefined : new Money(BigInt(settings.freeRequests), 0));
  const typed = (value: string | undefined, type: string) => `CAST(${value ?? 'NULL'} AS ${type})`;
  return [
    ['free_usd', typed(freeUsd === undefined ? undefined : sqlString(freeUsd.toString(), dialect), LIST_USD_TYPE)],
    ['fee_rate', typed(settings?.feeRate === undefined ? undefined : sqlString(settings.feeRate.toString(), dialect), terms.rateType)],
    ['fee_cap_usd', settings?.feeCapUsd === undefined ? typed(undefined, `DECIMAL(38,${terms.feeScale})`) : capLiteral(settings.feeCapUsd, terms.feeScale, dialect)],
  ];
}

/** One row; every value is typed, so a column of NULLs still has its type. */
function row(scope: string, mode: string | null, free: string | null, dialect: SqlDialect, first: boolean, extra: readonly [string, string][]): string {
  const modeSql = mode ?? (dialect === 'ansi' ? "NULLIF('', '')" : 'CAST(NULL AS VARCHAR)');
  const freeSql = `CAST(${free ?? 'NULL'} AS BIGINT)`;
  const more = extra.map(([name, sql]) => (dialect === 'ansi' && first ? `, ${sql} AS ${name}` : `, ${sql}`)).join('');
  if (dialect === 'ansi') {
    return first ? `SELECT ${scope} AS scope, ${modeSql} AS failover_mode, ${freeSql} AS free_requests${more}` : `SELECT ${scope}, ${modeSql}, ${freeSql}${more}`;
  }
  return `(${scope}, ${modeSql}, ${freeSql}${more})`;
}
