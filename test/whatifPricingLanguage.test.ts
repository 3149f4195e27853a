import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type FeeLogRow, feeConfigArb, feeLogArb } from './arbitraries/feeConfig.js';
import { feeAccountsCsv, feePolicyDocument } from './properties/feePolicyDocument.js';
import { referenceBill } from './properties/referenceBill.js';
import type { FeeConfig, FeeUnit, RefTier } from './properties/referenceFees.js';
import { byok } from './support/runByok.js';

/*
 * Law: under --vary tiers, unit and cap (docs/pricing-language.md §3), every variant's numbers in
 * `byok whatif` equal `byok bill --policy <its saved document>` and the independent fee oracle's
 * bill of the variant's terms, written here from the contract alone: every schedule of every
 * version replaced by the tiers (its schedule rules gone), the unit replaced (bounds keep their
 * numbers), the cap replaced or removed; accounts as they are. Catches: a knob applied to some
 * versions only, rules left choosing among schedules that are gone, a unit applied before the
 * tiers it reads, a cap not removed by none, a saved document that bills otherwise, a variant
 * sharing another's decisions when its fee terms differ.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-whatif-fees-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,key_result,platform_result,route';
function csv(rows: readonly FeeLogRow[]): string {
  const line = (r: FeeLogRow) => [r.requestId, r.timestamp, r.userId, r.orgId ?? '', r.model ?? '', r.provider ?? '', r.cost, r.keyResult ?? '', r.platformResult ?? '', r.recordedRoute ?? ''].join(',');
  return `${[COLUMNS, ...rows.map(line)].join('\n')}\n`;
}

/** A schedule as --vary tiers writes it, and as the oracle reads it. */
const tierListArb = fc
  .record({
    bounds: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }),
    rates: fc.array(fc.constantFrom('0', '0.05', '0.125', '0.000000000001', '1'), { minLength: 3, maxLength: 3 }),
  })
  .map(({ bounds, rates }) => {
    const sorted = [...bounds].sort((a, b) => a - b);
    const tiers: RefTier[] = [...sorted.map((b, i) => ({ upTo: String(b), rate: rates[i]! })), { rate: rates[sorted.length]! }];
    return { text: tiers.map((t) => (t.upTo === undefined ? t.rate : `${t.upTo}:${t.rate}`)).join('/'), tiers };
  });

const knobsArb = fc.record({
  tiers: fc.uniqueArray(tierListArb, { minLength: 1, maxLength: 2, selector: (t) => t.text }),
  units: fc.subarray<FeeUnit>(['requests', 'list-usd']),
  caps: fc.subarray(['none', '0', '0.01', '2.5']),
});

/** The variant's terms, from the contract (§3): the oracle's config. */
function variantConfig(config: FeeConfig, tiers: readonly RefTier[], unit: FeeUnit | undefined, cap: string | undefined): FeeConfig {
  return {
    ...config,
    versions: config.versions.map((v) => ({
      ...v,
      fees: {
        unit: unit ?? v.fees.unit ?? 'requests',
        schedules: { default: tiers },
        capUsd: cap === undefined ? v.fees.capUsd : cap === 'none' ? undefined : cap,
      },
    })),
  };
}

/** A bill's numbers as the what-if states them: totals and each period's fee. */
function numbers(totals: { feeUsd: string; totalUsd: string }, byPeriod: Record<string, string>) {
  return { fee: totals.feeUsd, total: totals.totalUsd, byPeriod };
}

function feesByPeriod(lines: readonly { period: string; feeUsd: string }[]): Record<string, string> {
  const sums = new Map<string, bigint>();
  const scale = 24;
  for (const l of lines) {
    const [whole, fraction = ''] = l.feeUsd.split('.');
    sums.set(l.period, (sums.get(l.period) ?? 0n) + BigInt(`${whole}${fraction.padEnd(scale, '0')}`));
  }
  const text = (units: bigint) => {
    const digits = units.toString().padStart(scale + 1, '0');
    const fraction = digits.slice(-scale).replace(/0+$/, '');
    return fraction === '' ? digits.slice(0, -scale) : `${digits.slice(0, -scale)}.${fraction}`;
  };
  return Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, u]) => [p, text(u)]));
}

let runNo = 0;
describe('byok whatif --vary tiers, unit and cap', () => {
  it('law: each variant equals byok bill --policy <saved document> and the fee oracle', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(feeLogArb(), feeConfigArb({ unit: 'requests' }), knobsArb, async (generated, config, knobs) => {
        const rows = generated.filter((r) => r.requestId !== '');
        const id = ++runNo;
        const log = join(dir, `log-${id}.csv`);
        const policy = join(dir, `policy-${id}.json`);
        const accounts = join(dir, `accounts-${id}.csv`);
        writeFileSync(log, csv(rows));
        writeFileSync(policy, JSON.stringify(feePolicyDocument(config)));
        writeFileSync(accounts, feeAccountsCsv(config));
        const vary = [['--vary', `tiers=${knobs.tiers.map((t) => t.text).join(',')}`]];
        if (knobs.units.length > 0) vary.push(['--vary', `unit=${knobs.units.join(',')}`]);
        if (knobs.caps.length > 0) vary.push(['--vary', `cap=${knobs.caps.join(',')}`]);
        const saved = join(dir, `saved-${id}`);
        const whatif = await byok(['whatif', log, '-q', '--policy', `base=${policy}`, '--accounts', accounts, ...vary.flat(), '--save-policies', saved, '--format', 'json', '--top', '1000']);
        expect(whatif.code, whatif.stderr).toBe(0);
        const report = JSON.parse(whatif.stdout) as { variants: { name: string; feeRevenueUsd: string; totalUsd: string; byPeriod: { period: string; feeRevenueUsd: string }[] }[] };
        // The grid in --vary order: tiers, then unit, then cap.
        const configs: FeeConfig[] = [config];
        for (const t of knobs.tiers) {
          for (const unit of knobs.units.length > 0 ? knobs.units : [undefined]) {
            for (const cap of knobs.caps.length > 0 ? knobs.caps : [undefined]) configs.push(variantConfig(config, t.tiers, unit, cap));
          }
        }
        expect(report.variants).toHaveLength(configs.length);
        const files = readdirSync(saved).sort();
        for (const [i, variant] of report.variants.entries()) {
          const stated = numbers({ feeUsd: variant.feeRevenueUsd, totalUsd: variant.totalUsd }, Object.fromEntries(variant.byPeriod.map((p) => [p.period, p.feeRevenueUsd])));
          const ref = referenceBill(rows, configs[i]!);
          const refPeriods = feesByPeriod(ref.lines);
          expect({ fee: stated.fee, total: stated.total }, variant.name).toEqual({ fee: ref.totals.feeUsd, total: ref.totals.totalUsd });
          for (const [period, fee] of Object.entries(refPeriods)) expect(stated.byPeriod[period], `${variant.name} ${period}`).toBe(fee);
          const bill = await byok(['bill', log, '-q', '--policy', join(saved, files[i]!), '--accounts', accounts, '--format', 'json']);
          expect(bill.code, bill.stderr).toBe(0);
          const billed = JSON.parse(bill.stdout) as { totals: { feeUsd: string; totalUsd: string }; lines: { period: string; feeUsd: string }[] };
          expect(numbers(billed.totals, feesByPeriod(billed.lines)), variant.name).toEqual(numbers(ref.totals, refPeriods));
          compared++;
        }
      }),
      { numRuns: 40 },
    );
    expect(compared).toBeGreaterThan(80);
  });
});
