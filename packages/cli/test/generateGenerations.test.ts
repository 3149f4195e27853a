import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Money, type Policy, createLedger, defaultPolicy, parseMoney, parseRate, parseTimestamp, policyVariant } from '@byok-billing/core';
import { GATEWAY_NUMBER_DIALECTS, gatewayNumberText } from '../src/generate/gatewayNumberText.js';
import { gatewayTimestamp } from '../src/generate/gatewayTimestamp.js';
import { type GeneratedGeneration, generateGenerationRecords } from '../src/generate/generationRecords.js';
import {
  type GenerationRecordsConfig,
  type GenerationRecordsRawOptions,
  UnsupportedPolicyError,
  resolveGenerationRecordsConfig,
} from '../src/generate/generationRecordsConfig.js';
import { generationRecordsJsonl } from '../src/generate/generationRecordsJsonl.js';
import { createGenerationSummary } from '../src/generate/generationSummary.js';
import { PLANTED_ERROR_KINDS, PlantedErrorsDoNotFitError, choosePlantedPositions, plantedCharge } from '../src/generate/plantedErrors.js';
import { NoCrossingError } from '../src/generate/plantingPlan.js';
import { Xoshiro128 } from '../src/generate/prng.js';
import { importGenerations } from '../src/import/importGenerations.js';
import { jsonNumberToDecimal } from '../src/import/jsonNumberToDecimal.js';
import { requestLogRow } from '../src/import/requestLogRow.js';
import { byok } from '../../../test/support/runByok.js';

/*
 * `byok generate generations`: a seeded month of a gateway's generation records, charged
 * as the default policy says except where errors are planted. Expected values are exact
 * (Money, bigint): no amount in these tests is ever a JavaScript number.
 */

const dir = mkdtempSync(join(tmpdir(), 'byok-generations-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The default policy with a small allowance, so that a few hundred records cross it. */
function scaledPolicy(allowance: number): Policy {
  return policyVariant(defaultPolicy(), { allowance }, { versions: 'allowance-bearing' });
}

function generate(raw: GenerationRecordsRawOptions, policy?: Policy): GeneratedGeneration[] {
  return [...generateGenerationRecords(resolveGenerationRecordsConfig(raw, policy))];
}

describe('gatewayNumberText: amounts as gateways write JSON numbers', () => {
  it.each([
    ['0.0125', 'plain', '0.0125'],
    ['0.0000125', 'python', '1.25e-05'],
    ['0.0001', 'python', '0.0001'],
    ['2', 'python', '2.0'],
    ['0', 'python', '0.0'],
    ['0.00000015', 'javascript', '1.5e-7'],
    ['0.000001', 'javascript', '0.000001'],
    ['0.00004', 'java', '4.0E-5'],
    ['0.0004', 'java', '4.0E-4'],
    ['0.001', 'java', '0.001'],
    ['12345678', 'java', '1.2345678E7'],
    ['0.052', 'padded', '0.052000'],
    ['0.1234567', 'padded', '0.1234567'],
    ['0', 'padded', '0.000000'],
  ] as const)('%s in the %s dialect is %s', (amount, dialect, text) => {
    expect(gatewayNumberText(parseMoney(amount), dialect)).toBe(text);
  });

  it('law: in every dialect the text is a JSON number that stands for exactly the amount (round trip through the import)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 16n }), fc.integer({ min: 0, max: 12 }), fc.constantFrom(...GATEWAY_NUMBER_DIALECTS), (units, scale, dialect) => {
        const amount = new Money(units, scale);
        const text = gatewayNumberText(amount, dialect);
        expect(text).toMatch(/^(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/);
        expect(jsonNumberToDecimal(text, 12)).toEqual({ ok: true, text: amount.toString() });
      }),
    );
  });
});

describe('gatewayTimestamp: created_at with microseconds and an offset', () => {
  it('law: the core reads back the same instant, to the microsecond, whatever the offset', () => {
    const from = Date.UTC(2000, 0, 1) * 1000;
    const to = Date.UTC(2100, 0, 1) * 1000;
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), fc.integer({ min: -18 * 60, max: 18 * 60 }), (micros, offset) => {
        const text = gatewayTimestamp(micros, offset);
        expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/);
        expect(parseTimestamp(text)).toEqual({ epochMs: Math.floor(micros / 1000), nanos: (micros % 1000) * 1000 });
      }),
    );
  });

  it('writes the wall clock of the offset: 01:30 UTC on November 1st is October 31st in UTC−5', () => {
    expect(gatewayTimestamp(Date.UTC(2025, 10, 1, 1, 30) * 1000 + 125_004, -300)).toBe('2025-10-31T20:30:00.125004-05:00');
    expect(gatewayTimestamp(Date.UTC(2025, 11, 31, 14, 3, 7) * 1000, 13 * 60)).toBe('2026-01-01T03:03:07.000000+13:00');
  });
});

describe('planted errors', () => {
  it('law: choosePlantedPositions picks distinct positions inside the pool, each kind as often as asked, the same for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.array(fc.constantFrom(...PLANTED_ERROR_KINDS), { maxLength: 20 }), fc.nat(), (size, kinds, seed) => {
        fc.pre(kinds.length <= size);
        const chosen = choosePlantedPositions('past', size, kinds, new Xoshiro128(seed, 1));
        expect(chosen.size).toBe(kinds.length);
        for (const position of chosen.keys()) expect(position >= 0 && position < size && Number.isInteger(position)).toBe(true);
        expect([...chosen.values()].sort()).toEqual([...kinds].sort());
        expect(choosePlantedPositions('past', size, kinds, new Xoshiro128(seed, 1))).toEqual(chosen);
      }),
    );
  });

  it('more errors than the pool holds is a typed error naming both numbers', () => {
    expect(() => choosePlantedPositions('past', 2, ['missing-fee', 'missing-fee', 'wrong-fee-rate'], new Xoshiro128(1, 1))).toThrow(PlantedErrorsDoNotFitError);
    expect(() => choosePlantedPositions('past', 2, ['missing-fee', 'missing-fee', 'wrong-fee-rate'], new Xoshiro128(1, 1))).toThrow(
      'cannot plant 3 error(s) on BYOK requests past the allowance: the generated records have only 2',
    );
  });

  it('each kind charges what its name says, exactly', () => {
    const listCost = parseMoney('0.084');
    const feeRate = parseRate('0.05');
    const wrongRate = parseRate('0.1');
    const charge = (kind: (typeof PLANTED_ERROR_KINDS)[number], isByok = true) => plantedCharge({ kind, listCost, isByok, feeRate, wrongRate }).toString();
    expect(charge('fee-inside-allowance')).toBe('0.0042');
    expect(charge('missing-fee')).toBe('0');
    expect(charge('wrong-fee-rate')).toBe('0.0084');
    expect(charge('list-price-on-byok')).toBe('0.084');
    expect(charge('charge-on-cancelled')).toBe('0.0042');
    expect(charge('charge-on-cancelled', false)).toBe('0.084');
  });
});

/** One case of the main law: a small month under a scaled allowance, with some errors asked for. */
const monthArb = fc.record({
  seed: fc.nat({ max: 1_000_000 }).map(String),
  records: fc.integer({ min: 0, max: 300 }).map(String),
  month: fc.constantFrom('2025-09', '2025-11', '2026-02'),
  org: fc.option(fc.constantFrom('acme', 'globex'), { nil: undefined }),
  users: fc.integer({ min: 1, max: 6 }).map(String),
  byokShare: fc.constantFrom('1', '0.9', '0.9', '0.5', '0'),
  cancelledShare: fc.constantFrom('0', '0.05', '0.2', '0.2'),
  feeInsideAllowance: errorCount(),
  missingFee: errorCount(),
  wrongFeeRate: errorCount(),
  listPriceOnByok: errorCount(),
  chargeOnCancelled: errorCount(),
  errorsAtCrossing: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))),
}).map((raw) => {
  // Errors no record of the month could carry are not asked for (the refusal is tested on its own).
  const noByok = raw.byokShare === '0';
  const noAllowance = raw.month === '2025-09';
  return {
    ...raw,
    feeInsideAllowance: noByok || noAllowance ? '0' : raw.feeInsideAllowance,
    missingFee: noByok ? '0' : raw.missingFee,
    wrongFeeRate: noByok ? '0' : raw.wrongFeeRate,
    listPriceOnByok: noByok ? '0' : raw.listPriceOnByok,
    chargeOnCancelled: raw.cancelledShare === '0' ? '0' : raw.chargeOnCancelled,
    errorsAtCrossing: raw.errorsAtCrossing && !noByok && !noAllowance,
  };
});

/** How many errors of one kind: none in most cases, so that a case's errors usually fit its month. */
function errorCount(): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant('0') }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }).map(String) });
}
const allowanceArb = fc.integer({ min: 1, max: 80 });

/** The records of a case, or the typed error that says its errors do not fit. */
function tryGenerate(raw: GenerationRecordsRawOptions, policy: Policy): { config: GenerationRecordsConfig; records: GeneratedGeneration[] } | Error {
  try {
    const config = resolveGenerationRecordsConfig(raw, policy);
    return { config, records: [...generateGenerationRecords(config)] };
  } catch (error) {
    if (error instanceof PlantedErrorsDoNotFitError || error instanceof NoCrossingError) return error;
    throw error;
  }
}

describe('generateGenerationRecords: the records and their charges', () => {
  // catches: a fee on the allowance's last request (< vs <=) or none on the next; cancelled
  // or platform records counted toward the allowance; ordinals counted across users of one
  // org (or pooled across individuals); a fee computed in floating point; an amount the
  // number dialects write other than it is; a planted error that happens to equal the
  // policy's charge; instants out of order (ties ordered by id would differ).
  it("law: through the real import and the core ledger, every record not planted is charged exactly the policy's charge, and every planted one differs", async () => {
    await fc.assert(
      fc.asyncProperty(monthArb, allowanceArb, async (raw, allowance) => {
        const policy = scaledPolicy(allowance);
        const generated = tryGenerate(raw, policy);
        if (generated instanceof Error) return;
        const { config, records } = generated;
        const text = records.map((r) => `${r.json}\n`).join('');
        const imported = await importGenerations(Readable.from([Buffer.from(text)]), 'records.jsonl', { org: config.org, format: 'jsonl' });
        expect(imported.summary).toMatchObject({ records: records.length, imported: records.length, duplicates: 0, rejected: 0 });
        const byId = new Map(records.map((r) => [r.id, r]));
        const ledger = createLedger({ policy });
        let previous = -1;
        for (const r of records) {
          expect(r.epochMicros).toBeGreaterThan(previous);
          previous = r.epochMicros;
        }
        const rows = parseCsv([...imported.requests].map((row) => requestLogRow(row)).join('\n'), { columns: ['id', 'timestamp', 'user', 'org', 'model', 'provider', 'cost', 'route', 'charged'] }) as Record<string, string>[];
        expect(rows.map((row) => row.id)).toEqual(records.map((r) => r.id));
        for (const row of rows) {
          const r = byId.get(row.id!)!;
          const charged = parseMoney(row.charged!);
          const decision = ledger.add({
            requestId: row.id!,
            instant: parseTimestamp(row.timestamp!),
            userId: row.user!,
            orgId: row.org!,
            cost: parseMoney(row.cost!),
            recordedRoute: row.route as 'byok' | 'platform' | 'failed',
            charged,
          });
          expect(decision.scope).toBe(r.scope);
          expect(decision.ordinal).toBe(r.ordinal);
          expect(decision.charge.equals(r.policyCharge), `${r.id}: policy ${decision.charge} vs generator ${r.policyCharge}`).toBe(true);
          expect(charged.equals(r.charged), `${r.id}: imported ${charged} vs written ${r.charged}`).toBe(true);
          expect(charged.equals(decision.charge), `${r.id} planted ${r.planted}`).toBe(r.planted === undefined);
        }
      }),
      { numRuns: Math.min(100, Number(process.env.FC_NUM_RUNS ?? 100)) },
    );
  });

  it('law: exactly the errors asked for are planted, each on its side of the allowance (plus three at each crossing)', () => {
    fc.assert(
      fc.property(monthArb, allowanceArb, (raw, scaledAllowance) => {
        const generated = tryGenerate(raw, scaledPolicy(scaledAllowance));
        if (generated instanceof Error) return;
        const { config, records } = generated;
        // 0 in a month before the free tier: every BYOK request pays.
        const allowance = config.terms.allowance;
        const served = new Map<string, number>();
        for (const r of records) if (r.ordinal !== null) served.set(r.scope, r.ordinal);
        const crossing = new Set([...served].filter(([, n]) => config.errorsAtCrossing && allowance > 0 && n >= allowance + 2).map(([scope]) => scope));
        const planted = records.filter((r) => r.planted !== undefined);
        expect(planted.length).toBe(Object.values(config.planted).reduce((a, b) => a + b, 0) + 3 * crossing.size);
        for (const r of records) {
          if (!crossing.has(r.scope) || r.ordinal === null) continue;
          if (r.ordinal === allowance) expect(r.planted).toBe('fee-inside-allowance');
          if (r.ordinal === allowance + 1) expect(r.planted).toBe('missing-fee');
          if (r.ordinal === allowance + 2) expect(r.planted).toBe('wrong-fee-rate');
        }
        for (const r of planted) {
          if (r.planted === 'fee-inside-allowance') expect(r.ordinal! <= config.terms.allowance).toBe(true);
          else if (r.planted === 'charge-on-cancelled') expect(r.cancelled).toBe(true);
          else expect(r.ordinal! > config.terms.allowance).toBe(true);
          expect(r.listCost.isZero()).toBe(false);
        }
      }),
    );
  });

  it('the cases the laws need come up: crossings, errors on both sides, several months and scopes', () => {
    const samples = fc.sample(fc.tuple(monthArb, allowanceArb), { numRuns: 300, seed: 20251201 });
    let crossed = 0;
    let bothSides = 0;
    let refused = 0;
    for (const [raw, allowance] of samples) {
      const generated = tryGenerate(raw, scaledPolicy(allowance));
      if (generated instanceof Error) {
        refused++;
        continue;
      }
      const { config, records } = generated;
      if (records.some((r) => r.ordinal === config.terms.allowance + 1)) crossed++;
      const planted = records.filter((r) => r.planted !== undefined);
      if (planted.some((r) => r.ordinal !== null && r.ordinal <= config.terms.allowance) && planted.some((r) => r.ordinal !== null && r.ordinal > config.terms.allowance)) bothSides++;
    }
    expect(crossed / samples.length).toBeGreaterThan(0.2);
    expect(bothSides / samples.length).toBeGreaterThan(0.1);
    expect(refused / samples.length).toBeLessThan(0.4);
  });

  it('records are written in strictly increasing instants within the UTC month, with unique ids', () => {
    const records = generate({ records: '5000', seed: '3', month: '2025-11', org: 'acme' });
    const start = Date.UTC(2025, 10, 1) * 1000;
    const end = Date.UTC(2025, 11, 1) * 1000;
    for (let i = 1; i < records.length; i++) expect(records[i]!.epochMicros).toBeGreaterThan(records[i - 1]!.epochMicros);
    expect(records[0]!.epochMicros).toBeGreaterThanOrEqual(start);
    expect(records.at(-1)!.epochMicros).toBeLessThan(end);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    for (const r of records) expect(r.id).toMatch(new RegExp(`^gen-${Math.floor(r.epochMicros / 1e6)}-[0-9A-Za-z]{20}$`));
  });

  it('writes every shape: snake_case and camelCase, wrapped or not, offsets, and all number dialects', () => {
    const records = generate({ records: '4000', seed: '5', org: 'acme' });
    const seen = new Set(records.map((r) => `${r.shape.naming}/${r.shape.wrapped}`));
    expect(seen).toEqual(new Set(['snake_case/false', 'snake_case/true', 'camelCase/false', 'camelCase/true']));
    expect(new Set(records.map((r) => r.shape.dialect))).toEqual(new Set(GATEWAY_NUMBER_DIALECTS));
    expect(new Set(records.map((r) => r.offsetMinutes)).size).toBeGreaterThan(10);
    expect(records.some((r) => /"(total_cost|totalCost)":\d(\.\d+)?[eE]-/.test(r.json))).toBe(true);
    expect(records.some((r) => r.createdAt.slice(0, 7) !== '2025-11')).toBe(true); // an offset that moves the local month
    const platform = records.find((r) => !r.isByok && !r.cancelled)!;
    expect(platform.json).toMatch(/"(upstream_inference_cost|upstreamInferenceCost)":null/);
    expect(platform.charged.equals(platform.listCost)).toBe(true);
  });

  it('a small allowance is crossed: free up to it, 5% of the list cost past it (exact), per organization', () => {
    const records = generate({ records: '400', seed: '9', org: 'acme', byokShare: '1', cancelledShare: '0' }, scaledPolicy(100));
    const rate = parseRate('0.05');
    for (const r of records) {
      expect(r.ordinal).toBe(r.index + 1);
      expect(r.policyCharge.equals(r.index < 100 ? Money.ZERO : r.listCost.multiply(rate))).toBe(true);
    }
  });

  it('without --org each user has an allowance of their own', () => {
    const records = generate({ records: '300', seed: '4', users: '3', byokShare: '1', cancelledShare: '0' }, scaledPolicy(20));
    const counts = new Map<string, number>();
    for (const r of records) {
      counts.set(r.externalUser, (counts.get(r.externalUser) ?? 0) + 1);
      expect(r.scope).toBe(`user:${r.externalUser}`);
      expect(r.ordinal).toBe(counts.get(r.externalUser));
    }
  });

  it('a policy that counts otherwise than the default is refused, not mischarged', () => {
    expect(() => resolveGenerationRecordsConfig({ records: '1' }, policyVariant(defaultPolicy(), { scopeMode: 'user' }))).toThrow(UnsupportedPolicyError);
    expect(() => resolveGenerationRecordsConfig({ records: '1' }, policyVariant(defaultPolicy(), { resetTimeZone: 'America/New_York' }))).toThrow(UnsupportedPolicyError);
  });

  it('the summary counts every record and lists every planted error with its difference', () => {
    const config = resolveGenerationRecordsConfig({ records: '600', seed: '2', org: 'acme', missingFee: '2', feeInsideAllowance: '1', errorsAtCrossing: true }, scaledPolicy(300));
    const summary = createGenerationSummary(config);
    const records = [...generateGenerationRecords(config)];
    records.forEach(summary.observe);
    const result = summary.finish();
    expect(result.byok + result.platform + result.cancelled).toBe(600);
    expect(result.planted).toHaveLength(2 + 1 + 3);
    expect(result.crossings).toEqual([{ scope: 'org:acme', lastFree: records.find((r) => r.ordinal === 300)!.id, firstBillable: records.find((r) => r.ordinal === 301)!.id }]);
    const net = records.reduce((sum, r) => sum.add(r.charged.subtract(r.policyCharge)), Money.ZERO);
    expect(result.chargeDifferences).toEqual([{ scope: 'org:acme', period: '2025-11', differenceUsd: net.toString() }]);
  });
});

describe('byok generate generations (the command)', () => {
  const args = ['generate', 'generations', '--records', '300', '--seed', '11', '--org', 'acme', '--month', '2025-10'];

  it('the same arguments give the same bytes; another seed other bytes; --out FILE writes the stdout bytes', async () => {
    const first = await byok([...args, '--quiet']);
    const second = await byok([...args, '--quiet']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    expect(first.stdout.split('\n')).toHaveLength(301);
    const other = await byok([...args.slice(0, 5), '--seed', '12', '--org', 'acme', '--month', '2025-10', '--quiet']);
    expect(other.stdout).not.toBe(first.stdout);
    const out = join(dir, 'records.jsonl');
    const toFile = await byok([...args, '--out', out]);
    expect(toFile.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(first.stdout);
    expect(toFile.stderr).toMatch(/^byok: wrote 300 generation record\(s\) of 2025-10 \(org acme\) to .*records\.jsonl: \d+ BYOK, \d+ platform, \d+ cancelled; 0 planted charge error\(s\)\. Import with: byok import generations .* --org acme --out log\.csv\n$/);
    const gz = await byok([...args, '--out', join(dir, 'records.jsonl.gz'), '--quiet']);
    expect(gz.code).toBe(0);
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(readFileSync(join(dir, 'records.jsonl.gz'))).toString('utf8')).toBe(first.stdout);
    expect(createHash('sha256').update(first.stdout).digest('hex')).toBe(createHash('sha256').update(second.stdout).digest('hex'));
  });

  it('the generator streams: the first chunk comes before the month is generated', () => {
    const config = resolveGenerationRecordsConfig({ records: '2000000', seed: '1', org: 'acme' });
    const start = performance.now();
    const first = generationRecordsJsonl(config).next();
    expect(first.done).toBe(false);
    expect(first.value!.length).toBeGreaterThan(100_000);
    // Two million records take seconds; one chunk (and the census of the month) far less.
    expect(performance.now() - start).toBeLessThan(4000);
  });

  it('--planted FILE lists the planted errors, which the per-request audit of the imported records finds exactly', async () => {
    const records = join(dir, 'planted-records.jsonl');
    const planted = join(dir, 'planted.json');
    const log = join(dir, 'planted-log.csv');
    const generated = await byok(['generate', 'generations', '--records', '400', '--seed', '8', '--org', 'acme', '--fee-inside-allowance', '3', '--charge-on-cancelled', '1', '--cancelled-share', '0.05', '--planted', planted, '--out', records, '--quiet']);
    expect(generated.code, generated.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(planted, 'utf8'));
    expect(summary.planted).toHaveLength(4);
    expect((await byok(['import', 'generations', records, '--org', 'acme', '--out', log, '--quiet'])).code).toBe(0);
    const audit = await byok(['audit', log, '--per-request', '--format', 'json', '--quiet']);
    expect(audit.code).toBe(1);
    const findings = JSON.parse(audit.stdout).findings as { requestId: string; difference: string; wrongCharge: string }[];
    expect(findings.map((f) => [f.requestId, f.difference, f.wrongCharge]).sort()).toEqual(
      summary.planted.map((p: { id: string; differenceUsd: string; wrongCharge: string }) => [p.id, p.differenceUsd, p.wrongCharge]).sort(),
    );
  });

  it.each([
    [['--seed', '1'], '--records is required'],
    [['--records', 'many'], '--records "many": expected a whole number'],
    [['--records', '10', '--month', '2025-13'], '--month "2025-13": expected a UTC month as YYYY-MM'],
    [['--records', '10', '--byok-share', '1.5'], '--byok-share "1.5": expected a fraction from 0 to 1'],
    [['--records', '10', '--org', ''], '--org must not be empty'],
    [['--records', '10', '--missing-fee', '1'], 'cannot plant 1 error(s) on BYOK requests past the allowance: the generated records have only 0'],
    [['--records', '10', '--errors-at-crossing'], '--errors-at-crossing: no scope makes 1,000,002 BYOK requests in 2025-11'],
    [['--records', '10', '--month', '2025-09', '--errors-at-crossing'], '--errors-at-crossing: 2025-09 has no allowance under the policy'],
    [['--records', '10', '--rows', '5'], '--rows: not an option of byok generate generations'],
  ])('%j is refused with exit code 2: %s', async (options, message) => {
    const result = await byok(['generate', 'generations', ...options]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('--help documents every option with an example', async () => {
    const { code, stdout } = await byok(['generate', 'generations', '--help']);
    expect(code).toBe(0);
    const options = [...stdout.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!);
    expect(options).toEqual(['--records', '--seed', '--month', '--org', '--users', '--byok-share', '--cancelled-share', '--fee-inside-allowance', '--missing-fee', '--wrong-fee-rate', '--list-price-on-byok', '--charge-on-cancelled', '--errors-at-crossing', '--out', '--planted']);
    for (const option of options) {
      const from = stdout.indexOf(`  ${option} `);
      const next = stdout.indexOf('\n  -', from + 1);
      expect(stdout.slice(from, next), option).toMatch(/e\.g\./);
    }
  });

  it('byok generate --help lists the subcommand; byok generate --rows still writes the CSV log', async () => {
    const help = await byok(['generate', '--help']);
    expect(help.stdout).toContain('generations');
    const csv = await byok(['generate', '--rows', '3', '--seed', '2']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('request_id,timestamp,user_id,org_id,model,provider,cost_usd,key_result,platform_result');
    const missing = await byok(['generate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--rows is required');
  });
});
