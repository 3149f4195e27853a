import fc from 'fast-check';
import type { CsvSpec } from './hostileCsv.js';

/*
 * The two small CSV inputs besides logs, drawn by the same generator (hostileCsv.ts):
 * accounts (FORMATS.md "Accounts": scope,failover_mode,free_requests and the v1.1 contract
 * columns) and invoices (FORMATS.md "Invoice": scope,period,total_usd and any other bill
 * column). Their usual values name the scopes and months the fuzz logs bill
 * (hostileLogs.ts), so an accounts file changes bills and an invoice meets lines.
 */

const SCOPES = ['user:u1', 'user:u2', 'user:u3', 'org:acme', 'org:beta'];
const ODD_SCOPES = ['', 'acme', 'org:', 'user:', 'ORG:acme', 'org:acme ', 'team:x', 'org:a,b', 'user:\u00fc', 'org:\uFFFD'];
const COUNTS = { usual: ['0', '1', '2', '3'], odd: ['', '-1', '1.5', '1e3', '9007199254740993', '99999999999999999999', 'x', ' 2'] };
const MONEY = { usual: ['0', '0.01', '0.05', '0.0006', '1.2825', '0.5'], odd: ['', '-1', '1e3', '$1', ' 1', '0.0000000000001', '99999999999999999999999999.999999999999', 'NaN'] };

function columnsArb(required: readonly string[], optional: readonly string[]): fc.Arbitrary<readonly string[]> {
  return fc
    .record({ optional: fc.subarray([...optional]), order: fc.array(fc.nat(), { minLength: required.length + optional.length, maxLength: required.length + optional.length }) })
    .map(({ optional: chosen, order }) => [...required, ...chosen].map((c, i) => ({ c, k: order[i]! })).sort((a, b) => a.k - b.k).map((x) => x.c));
}

export const accountsSpec: CsvSpec = {
  columns: columnsArb(['scope'], ['failover_mode', 'free_requests', 'free_requests', 'fee_rate', 'fee_cap_usd']).map((cs) => [...new Set(cs)]),
  cells: {
    scope: { usual: SCOPES, odd: ODD_SCOPES },
    failover_mode: { usual: ['', 'fallback', 'strict', 'credits-first'], odd: ['FALLBACK', 'x', ' strict'] },
    free_requests: { usual: ['', ...COUNTS.usual, '1000000'], odd: COUNTS.odd },
    fee_rate: { usual: ['', '0.05', '0.1', '0'], odd: ['5%', '-0.1', '2', '1e-2', '0.0000000000001'] },
    fee_cap_usd: { usual: ['', '1', '0.01'], odd: MONEY.odd },
    notes: { usual: ['', 'n'], odd: ['"q"'] },
  },
  maxRows: 4,
  unknownColumn: 'notes',
  uniqueBy: (row) => row.scope ?? '',
};

export const invoiceSpec: CsvSpec = {
  columns: columnsArb(['scope', 'period', 'total_usd'], ['byok_requests', 'free_requests', 'billable_requests', 'byok_cost_usd', 'fee_usd', 'platform_requests', 'platform_cost_usd', 'failed_requests']),
  cells: {
    scope: { usual: SCOPES, odd: ODD_SCOPES },
    period: { usual: ['2025-09', '2025-10', '2025-10', '2025-11'], odd: ['', '2025-13', '2025-1', '2025-10-01', '10/2025', '9999-12', '0000-01'] },
    total_usd: MONEY,
    byok_requests: COUNTS,
    free_requests: COUNTS,
    billable_requests: COUNTS,
    byok_cost_usd: MONEY,
    fee_usd: MONEY,
    platform_requests: COUNTS,
    platform_cost_usd: MONEY,
    failed_requests: COUNTS,
    note: { usual: ['', 'n'], odd: ['"q"'] },
  },
  maxRows: 6,
  amountColumn: 'total_usd',
  unknownColumn: 'note',
  uniqueBy: (row) => `${row.scope} ${row.period}`,
};
