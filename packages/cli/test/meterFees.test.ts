import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compareRequests } from '@byok-billing/core';
import { type FeeLogRow, feeConfigArb, feeLogArb } from '../../../test/arbitraries/feeConfig.js';
import { feeAccountsCsv, feePolicyDocument } from '../../../test/properties/feePolicyDocument.js';
import { referenceBill } from '../../../test/properties/referenceBill.js';
import { requestOf } from '../../../test/support/feeAccounts.js';
import { REPO_ROOT } from '../../../test/support/readmeExample.js';
import { byok } from '../../../test/support/runByok.js';
import { describePostgres, dropTables, uniquePrefix } from '../../stores/test/support/postgresTarget.js';

/*
 * `byok meter` with a policy in the pricing language (issue 16) and accounts with contract
 * terms (free_requests, fee_rate, fee_cap_usd): on a log in time order its bill is exactly
 * `byok bill`'s, on every store: the issue's four scenarios, and generated policies and logs
 * (tiers in requests or list-usd, schedules by provider/model, caps), checked against the
 * fee oracle too.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-meter-fees-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name: string) => join(dir, `${++files}-${name}`);

async function json(args: readonly string[]): Promise<Record<string, unknown>> {
  const result = await byok([...args, '--format', 'json', '-q']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** The meter's bill without its store summary: what `byok bill` prints. */
async function meterBill(args: readonly string[]): Promise<Record<string, unknown>> {
  const { store: _store, ...bill } = await json(['meter', ...args]);
  return bill;
}

const SCENARIOS = join(REPO_ROOT, 'scenarios');
const feeScenarios = ['18', '19', '20', '21'].map((n) => {
  const name = readdirSync(SCENARIOS).find((d) => d.startsWith(`${n}-`))!;
  const root = join(SCENARIOS, name);
  const spec = JSON.parse(readFileSync(join(root, 'scenario.json'), 'utf8')) as { logs: string[]; args: string[] };
  const at = (arg: string) => (arg.startsWith('--') ? arg : join(root, arg));
  return { name, args: [...spec.logs.map(at), ...spec.args.map(at)], expected: JSON.parse(readFileSync(join(root, 'expected-bill.json'), 'utf8')) as unknown };
});

function scenarioParity(storeFor: (scenario: string) => string[]) {
  for (const scenario of feeScenarios) {
    it(`${scenario.name}: byok meter bills exactly as byok bill and the scenario's oracle bill`, async () => {
      // catches: the meter deciding list-usd tiers or caps without the scope-month's fee state.
      const bill = await json(['bill', ...scenario.args]);
      expect(bill).toEqual(scenario.expected);
      expect(await meterBill([...storeFor(scenario.name), ...scenario.args])).toEqual(bill);
    });
  }
}

describe('byok meter bills the pricing language: the issue 16 scenarios', () => {
  describe('memory store', () => scenarioParity(() => ['--store', 'memory']));
  describe('SQLite store', () => scenarioParity((name) => ['--store', `sqlite:${fresh(`${name}.db`)}`]));
});

describePostgres('byok meter bills the pricing language: the issue 16 scenarios, PostgreSQL store', (url) => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await dropTables(url, p);
  });
  scenarioParity((name) => {
    const prefix = uniquePrefix(`f${name.slice(0, 2)}`);
    prefixes.push(prefix);
    return ['--store', `postgres:${url}`, '--table-prefix', prefix];
  });
});

/** A generated log as CSV, in allowance order (instant, then request_id bytes), with its provider column. */
function csv(rows: readonly FeeLogRow[]): string {
  const header = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,key_result,platform_result,route';
  const ordered = rows.map((row) => ({ row, request: requestOf(row) })).sort((a, b) => compareRequests(a.request, b.request));
  const line = ({ row: r }: { row: FeeLogRow }) =>
    [r.requestId, r.timestamp, r.userId, r.orgId ?? '', r.model ?? '', r.provider ?? '', r.cost, r.keyResult ?? '', r.platformResult ?? '', r.recordedRoute ?? ''].join(',');
  return `${[header, ...ordered.map(line)].join('\n')}\n`;
}

describe('byok meter bills the pricing language: generated policies and accounts', () => {
  it('law (parity): on a log in time order, byok meter (memory, then SQLite) bills exactly as byok bill, and as the fee oracle', async () => {
    // catches: a CLI path that drops the provider column or the accounts' contract terms for
    // the meter, or a store that loses the fee state between the CLI's batches.
    await fc.assert(
      fc.asyncProperty(feeConfigArb(), feeLogArb(), fc.constantFrom('1', '3', '8192'), async (config, rows, batchSize) => {
        const [log, policy, accounts] = [fresh('log.csv'), fresh('policy.json'), fresh('accounts.csv')];
        writeFileSync(log, csv(rows));
        writeFileSync(policy, JSON.stringify(feePolicyDocument(config)));
        writeFileSync(accounts, feeAccountsCsv(config));
        const args = [log, '--policy', policy, '--accounts', accounts];
        const bill = await json(['bill', ...args]);
        const ref = referenceBill(rows, config);
        expect({ lines: bill.lines, totals: bill.totals }).toEqual({ lines: ref.lines, totals: ref.totals });
        expect(await meterBill(['--store', 'memory', ...args])).toEqual(bill);
        expect(await meterBill(['--store', `sqlite:${fresh('m.db')}`, '--batch-size', batchSize, ...args])).toEqual(bill);
      }),
      { numRuns: 40 },
    );
  });
});
