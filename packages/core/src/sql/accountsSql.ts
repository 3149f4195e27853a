import type { Accounts } from '../accounts/accounts.js';
import { InvalidAccountsError } from '../errors.js';
import type { SqlDialect } from './sqlDialect.js';
import { sqlCommentText, sqlString, unwritableSqlString } from './sqlLiteral.js';

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
export function accountsSql(accounts: Accounts | undefined, dialect: SqlDialect, indent: string): string {
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
    rows.push(row(sqlString(scope, dialect), mode, free, dialect, rows.length === 0));
  }
  const prefix = notes.length > 0 ? `${notes.join('\n')}\n` : '';
  if (rows.length === 0) {
    // No accounts: a typed relation with no rows keeps the query's shape (and its join).
    const empty = dialect === 'ansi' ? `${row("''", null, null, dialect, true)} WHERE 1 = 0` : `SELECT * FROM (VALUES ${row("''", null, null, dialect, true)}) AS a (scope, failover_mode, free_requests) WHERE 1 = 0`;
    return `${prefix}${indent}${empty}`;
  }
  if (dialect === 'ansi') return `${prefix}${rows.map((r) => `${indent}${r}`).join(`\n${indent}UNION ALL\n`)}`;
  return `${prefix}${indent}SELECT * FROM (VALUES\n${rows.map((r) => `${indent}  ${r}`).join(',\n')}\n${indent}) AS a (scope, failover_mode, free_requests)`;
}

/** One row; every value is typed, so a column of NULLs still has its type. */
function row(scope: string, mode: string | null, free: string | null, dialect: SqlDialect, first: boolean): string {
  const modeSql = mode ?? (dialect === 'ansi' ? "NULLIF('', '')" : 'CAST(NULL AS VARCHAR)');
  const freeSql = `CAST(${free ?? 'NULL'} AS BIGINT)`;
  if (dialect === 'ansi') {
    return first ? `SELECT ${scope} AS scope, ${modeSql} AS failover_mode, ${freeSql} AS free_requests` : `SELECT ${scope}, ${modeSql}, ${freeSql}`;
  }
  return `(${scope}, ${modeSql}, ${freeSql})`;
}
