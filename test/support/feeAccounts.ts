/** Helpers of the fee differentials: a generated fee config's accounts file and log rows as the loader and ledgers take them. */
import { type AccountRow, type Policy, type UsageRequest, feeUnitsOf, parseAccounts } from '@byok-billing/core';
import type { FeeLogRow } from '../arbitraries/feeConfig.js';
import { toUsageRequest } from '../arbitraries/requestLog.js';
import { feeAccountsCsv } from '../properties/feePolicyDocument.js';
import type { FeeConfig } from '../properties/referenceFees.js';

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
export function accountsOf(config: FeeConfig, policy: Policy) {
  const [header, ...records] = csvRows(feeAccountsCsv(config));
  const rows = records.map((fields) => Object.fromEntries(header!.map((name, i) => [name, fields[i] ?? ''])) as unknown as AccountRow);
  return parseAccounts(rows, { units: feeUnitsOf(policy) });
}

export const requestOf = (row: FeeLogRow): UsageRequest => ({ ...toUsageRequest(row), provider: row.provider });

