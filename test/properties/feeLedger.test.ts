/*
 * The record ledger against the fee oracle (issue 16, docs/pricing-language.md): a generated
 * pricing-language config written as a policy document and an accounts file
 * (feePolicyDocument.ts), loaded as the CLI loads them, billed by `createLedger` (through
 * `billRequests`), must give the reference bill digit for digit: lines, totals, free and
 * billable counts, and every request's status and fee.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccountRow, type Policy, type UsageRequest, billRequests, billToJson, feeUnitsOf, loadPolicy, parseAccounts } from '@byok-billing/core';
import { type FeeLogRow, feeConfigArb, feeLogArb } from '../arbitraries/feeConfig.js';
import { toUsageRequest } from '../arbitraries/requestLog.js';
import { feeAccountsCsv, feePolicyDocument } from './feePolicyDocument.js';
import { referenceBill } from './referenceBill.js';
import type { FeeConfig } from './referenceFees.js';

/** The records of a small CSV text (RFC 4180 quotes; no embedded newlines in generated scopes). */
function csvRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields: string[] = [];
      let i = 0;
      while (i <= line.length) {
        if (line[i] === '"') {
          let value = '';
          i++;
          while (i < line.length) {
            if (line[i] === '"' && line[i + 1] === '"') {
              value += '"';
              i += 2;
            } else if (line[i] === '"') {
              i++;
              break;
            } else value += line[i++];
          }
          fields.push(value);
          i++; // the comma
        } else {
          const end = line.indexOf(',', i);
          fields.push(line.slice(i, end === -1 ? line.length : end));
          i = end === -1 ? line.length + 1 : end + 1;
        }
      }
      return fields;
    });
}

/** The accounts file of a config, read back as the loader reads rows. */
function accountsOf(config: FeeConfig, policy: Policy) {
  const [header, ...records] = csvRows(feeAccountsCsv(config));
  const rows = records.map((fields) => Object.fromEntries(header!.map((name, i) => [name, fields[i] ?? ''])) as unknown as AccountRow);
  return parseAccounts(rows, { units: feeUnitsOf(policy) });
}

const requestOf = (row: FeeLogRow): UsageRequest => ({ ...toUsageRequest(row), provider: row.provider });

export function expectLedgerMatchesOracle(rows: readonly FeeLogRow[], config: FeeConfig): void {
  const policy = loadPolicy(feePolicyDocument(config));
  const { bill, decisions } = billRequests(rows.map(requestOf), { policy, accounts: accountsOf(config, policy) });
  const ref = referenceBill(rows, config);
  const { policy: _policy, ...json } = billToJson(bill);
  expect(json).toEqual({ input: ref.input, lines: ref.lines, totals: ref.totals });
  expect(decisions).toHaveLength(rows.length);
  for (const d of decisions) {
    const expected = ref.decisions.get(d.request.requestId)!;
    expect(
      { scope: d.scope, period: d.period, route: d.route, ordinal: d.ordinal, status: d.status, fee: d.fee.toString(), charge: d.charge.toString(), routeMismatch: d.routeMismatch },
      d.request.requestId,
    ).toEqual(expected);
  }
}

describe('the record ledger bills the pricing language as the fee oracle does', () => {
  // catches: a tier located by the wrong quantity (the ordinal off by one, the list-usd counter
  // moved by uncounted requests or after the request), the rate of the wrong tier or schedule,
  // a list-usd interval split inexactly, free read from rates instead of the free tier, the
  // contract terms of the wrong account or not applied, a cap per scope instead of per
  // scope-month, the remainder miscomputed, fees summed per line by rate instead of per request.
  it('law: bills, lines and decisions equal the reference bill, digit for digit', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb(), (rows, config) => expectLedgerMatchesOracle(rows, config)),
      { numRuns: 300 },
    );
  });

  it('law: the same in unit list-usd only (free_requests in dollars)', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb({ unit: 'list-usd' }), (rows, config) => expectLedgerMatchesOracle(rows, config)),
      { numRuns: 200 },
    );
  });
});
