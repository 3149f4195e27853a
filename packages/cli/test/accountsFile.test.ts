import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Money, Rate } from '@byok-billing/core';
import { InputError } from '../src/io/inputError.js';
import { loadAccountsFile } from '../src/io/loadAccountsFile.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-accounts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function write(text: string): string {
  const path = join(dir, `accounts-${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

async function refusal(path: string, units: readonly ('requests' | 'list-usd')[] = ['requests']): Promise<InputError> {
  try {
    await loadAccountsFile(path, units);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected the accounts file to be refused');
}

describe('the accounts file, v1.1: fee_rate and fee_cap_usd', () => {
  it('reads the two columns, in any order', async () => {
    const path = write('fee_cap_usd,scope,fee_rate,free_requests\n2000,org:bigco,0.03,5000000\n,user:bob,,\n');
    const accounts = await loadAccountsFile(path, ['requests']);
    expect(accounts?.get('org:bigco')).toEqual({ freeRequests: 5_000_000, feeRate: new Rate(3n, 2), feeCapUsd: new Money(2000n, 0) });
    expect(accounts?.get('user:bob')).toEqual({});
  });

  it('a bad fee_rate or fee_cap_usd names the line and the column', async () => {
    const rate = await refusal(write('scope,failover_mode,free_requests,fee_rate\norg:a,,,0.03\norg:b,,,5%\n'));
    expect(rate.location).toEqual({ file: expect.any(String), line: 3, column: 4, columnName: 'fee_rate' });
    expect(rate.reason).toBe('fee_rate "5%" is not a non-negative decimal rate with at most 12 fractional digits (e.g. 0.03 for 3%) (unexpected character "%" at position 2; expected a plain decimal like 0.0125)');
    const cap = await refusal(write('fee_cap_usd,scope\n-1,org:a\n'));
    expect(cap.location).toMatchObject({ line: 2, column: 1, columnName: 'fee_cap_usd' });
    expect(cap.reason).toBe('fee_cap_usd "-1" is not a non-negative dollar amount with at most 12 fractional digits (must not be negative)');
  });

  it('free_requests reads in the units it is given', async () => {
    const path = write('scope,free_requests\norg:a,12.5\n');
    expect((await loadAccountsFile(path, ['list-usd']))?.get('org:a')).toEqual({ freeUsd: new Money(125n, 1) });
    expect((await refusal(path)).reason).toBe('free_requests "12.5" is not a non-negative whole number');
    expect((await refusal(path, ['requests', 'list-usd'])).location).toMatchObject({ line: 2, column: 2, columnName: 'free_requests' });
  });

  it('refuses an unknown column, naming it, its line and column: a misspelt term must not bill on the policy\'s terms', async () => {
    const note = await refusal(write('scope,fee_rate,note\norg:a,0.01,vip\n'));
    expect(note.location).toEqual({ file: expect.any(String), line: 1, column: 3 });
    expect(note.reason).toBe('unknown column "note" (the accounts columns are scope,failover_mode,free_requests,fee_rate,fee_cap_usd; all but scope optional)');
    const misspelt = await refusal(write('scope,fee_cap\norg:a,2000\n'));
    expect(misspelt.reason).toMatch(/^unknown column "fee_cap" /);
  });
});
