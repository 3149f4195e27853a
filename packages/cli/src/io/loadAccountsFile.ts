import { type AccountRow, type Accounts, type FeeUnit, InvalidAccountsError, parseAccounts } from '@byok-billing/core';
import { readHeaderNames } from './csvHeader.js';
import { csvRecords } from './csvRecords.js';
import { InputError } from './inputError.js';
import { inputSource } from './openInput.js';

const ACCOUNT_COLUMNS = ['scope', 'failover_mode', 'free_requests', 'fee_rate', 'fee_cap_usd'] as const;

/**
 * Reads an accounts CSV (`scope,failover_mode,free_requests,fee_rate,fee_cap_usd`, FORMATS.md
 * v1.1; only `scope` is required, any other column is refused); errors name line and column.
 * `units`: the units the policy's versions count (`feeUnitsOf(policy)`), which say how
 * `free_requests` reads (a whole number of requests, or dollars under `list-usd`).
 */
export async function loadAccountsFile(path: string | undefined, units: readonly FeeUnit[]): Promise<Accounts | undefined> {
  if (path === undefined) return undefined;
  const source = inputSource(path);
  const rows: AccountRow[] = [];
  const lines: number[] = [];
  let columns: number[] | undefined;
  for await (const record of csvRecords(source.open(), source.name)) {
    if (columns === undefined) {
      const names = readHeaderNames(record.fields, path, record.line);
      columns = ACCOUNT_COLUMNS.map((c) => names.indexOf(c));
      if (columns[0] === -1) throw new InputError({ file: path, line: record.line }, 'missing required column scope (expected scope,failover_mode,free_requests,fee_rate,fee_cap_usd; all but scope optional)');
      // An unknown column is refused, not skipped: a misspelt contract term (`fee_cap` for
      // `fee_cap_usd`) would otherwise bill the scope silently on the policy's terms.
      const unknown = names.findIndex((n) => !(ACCOUNT_COLUMNS as readonly string[]).includes(n));
      if (unknown !== -1) {
        throw new InputError(
          { file: path, line: record.line, column: unknown + 1 },
          `unknown column ${JSON.stringify(names[unknown])} (the accounts columns are ${ACCOUNT_COLUMNS.join(',')}; all but scope optional)`,
        );
      }
      continue;
    }
    const cell = (i: number) => (columns![i] === -1 ? '' : (record.fields[columns![i]!] ?? ''));
    rows.push({ scope: cell(0), failover_mode: cell(1), free_requests: cell(2), fee_rate: cell(3), fee_cap_usd: cell(4) });
    lines.push(record.line);
  }
  try {
    return parseAccounts(rows, { units });
  } catch (error) {
    if (!(error instanceof InvalidAccountsError)) throw error;
    const row = Number(/accounts row (\d+)/.exec(error.message)?.[1] ?? 0);
    const field = error.field as (typeof ACCOUNT_COLUMNS)[number] | undefined;
    const column = field && columns ? columns[ACCOUNT_COLUMNS.indexOf(field)]! + 1 : undefined;
    throw new InputError({ file: path, line: lines[row - 1], column, columnName: field }, error.message.replace(/^accounts row \d+: /, ''));
  }
}
