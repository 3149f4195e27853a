import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billRequests, billToJson, loadPolicy, parseAccounts } from '@byok-billing/core';
import { configArb } from '../arbitraries/billConfig.js';
import { type FeeLogRow, feeConfigArb, feeLogArb } from '../arbitraries/feeConfig.js';
import { SCOPES, logWithDuplicatesArb, toUsageRequest } from '../arbitraries/requestLog.js';
import { REPO_ROOT } from '../support/readmeExample.js';
import { feeAccountsCsv, feePolicyDocument, policySha256 } from './feePolicyDocument.js';
import { COST_SCALE, compareDecimalText, formatDecimal, readDecimal, unitsAt } from './policyOracle.js';
import { type RefBill, type RefRow, referenceBill } from './referenceBill.js';
import {
  type FeeConfig,
  type RefFeeAccount,
  type RefFees,
  type RefSchedule,
  type RefScheduleRule,
  effectiveTiers,
  feeConfigOfShorthand,
  termsOf,
  versionAt,
} from './referenceFees.js';

// ---------------------------------------------------------------------------------------------
// Small hand-computed cases: one org, one request a second from 2025-10-01, key served.

interface Spec {
  readonly cost: string;
  readonly model?: string;
  readonly provider?: string;
  readonly org?: string;
  readonly user?: string;
  /** A timestamp of its own (e.g. another month). */
  readonly at?: string;
}

/** Requests r1, r2, … in this order (one second apart), BYOK served unless said otherwise. */
function log(specs: readonly Spec[]): RefRow[] {
  return specs.map((s, i) => ({
    requestId: `r${i + 1}`,
    timestamp: s.at ?? new Date(Date.UTC(2025, 9, 1, 0, 0, i)).toISOString(),
    userId: s.user ?? 'dev',
    orgId: s.org ?? 'acme',
    model: s.model,
    provider: s.provider,
    cost: s.cost,
    keyResult: 'ok',
  }));
}

const costs = (...cs: string[]): Spec[] => cs.map((cost) => ({ cost }));

/** One version for every instant, scope mode org, counts served, fallback. */
function config(fees: RefFees, accounts: readonly RefFeeAccount[] = []): FeeConfig {
  return { versions: [{ version: 'v', fees }], counts: 'served', scopeMode: 'org', defaultFailoverMode: 'fallback', accounts };
}

const requests = (schedule: RefSchedule, capUsd?: string): RefFees => ({ schedules: { s: schedule }, ...(capUsd === undefined ? {} : { capUsd }) });
const dollars = (schedule: RefSchedule, capUsd?: string): RefFees => ({ unit: 'list-usd', schedules: { s: schedule }, ...(capUsd === undefined ? {} : { capUsd }) });

/** Each request's status and fee, in id order. */
const decisionsOf = (bill: RefBill) =>
  [...bill.decisions.entries()].sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1))).map(([, d]) => `${d.status}:${d.fee}`);

const lineOf = (bill: RefBill, scope = 'org:acme', period = '2025-10') => bill.lines.find((l) => l.scope === scope && l.period === period)!;

describe('the fee oracle on hand-computed cases', () => {
  it('graduated requests tiers: each ordinal pays its own tier’s rate, across both boundaries', () => {
    // (up to 2: 0), (up to 4: 5%), (beyond: 3%); costs $1 … $6.
    const bill = referenceBill(log(costs('1', '2', '3', '4', '5', '6')), config(requests([{ upTo: '2', rate: '0' }, { upTo: '4', rate: '0.05' }, { rate: '0.03' }])));
    expect(decisionsOf(bill)).toEqual(['free:0', 'free:0', 'billable:0.15', 'billable:0.2', 'billable:0.15', 'billable:0.18']);
    expect(lineOf(bill)).toMatchObject({ byokRequests: 6, freeRequests: 2, billableRequests: 4, byokCostUsd: '21', feeUsd: '0.68', totalUsd: '0.68' });
  });

  it('a rate-0 tier after a paid one is not the free tier: a request in it is billable, fee 0', () => {
    const bill = referenceBill(log(costs('1', '1', '1')), config(requests([{ upTo: '1', rate: '0.05' }, { upTo: '2', rate: '0' }, { rate: '0.05' }])));
    expect(decisionsOf(bill)).toEqual(['billable:0.05', 'billable:0', 'billable:0.05']);
    // A lone tier of rate 0 has no bound: no free tier either.
    expect(decisionsOf(referenceBill(log(costs('1')), config(requests([{ rate: '0' }]))))).toEqual(['billable:0']);
  });

  it('list-usd across two tiers: the part past the bound pays, exactly; a request ending on the bound is free', () => {
    // (up to $10: 0), (beyond: 5%). $6 covers (0, 6]; $6 covers (6, 12]: $2 at 5%; $0 is free; $3 covers (12, 15].
    const twoTiers = dollars([{ upTo: '10', rate: '0' }, { rate: '0.05' }]);
    const bill = referenceBill(log(costs('6', '6', '0', '3')), config(twoTiers));
    expect(decisionsOf(bill)).toEqual(['free:0', 'billable:0.1', 'free:0', 'billable:0.15']);
    expect(lineOf(bill)).toMatchObject({ freeRequests: 2, billableRequests: 2, feeUsd: '0.25' });
    expect(decisionsOf(referenceBill(log(costs('10', '0.000000000001')), config(twoTiers)))).toEqual(['free:0', 'billable:0.00000000000005']);
  });

  it('list-usd across three tiers, from the start and from inside the first', () => {
    // (up to $1: 0), (up to $2: 10%), (beyond: 1%).
    const three = dollars([{ upTo: '1', rate: '0' }, { upTo: '2', rate: '0.1' }, { rate: '0.01' }]);
    // $3.50 covers (0, 3.5]: $1 free + $1 × 10% + $1.50 × 1% = 0.115; then (3.5, 4] × 1%.
    expect(decisionsOf(referenceBill(log(costs('3.5', '0.5')), config(three)))).toEqual(['billable:0.115', 'billable:0.005']);
    // $0.50 covers (0, 0.5]; $2 covers (0.5, 2.5]: $0.50 free + $1 × 10% + $0.50 × 1% = 0.105.
    expect(decisionsOf(referenceBill(log(costs('0.5', '2')), config(three)))).toEqual(['free:0', 'billable:0.105']);
    // Twelve fractional digits: $1.000000000001 covers one pico-dollar of the 10% tier.
    expect(decisionsOf(referenceBill(log(costs('1.000000000001')), config(three)))).toEqual(['billable:0.0000000000001']);
  });

  it('zero-cost requests: free in list-usd (they cover nothing); in requests they take an ordinal and pay 0', () => {
    expect(decisionsOf(referenceBill(log(costs('2', '0', '0.0')), config(dollars([{ upTo: '1', rate: '0' }, { rate: '0.05' }]))))).toEqual(['billable:0.05', 'free:0', 'free:0']);
    // requests: ordinal 1 free, ordinal 2 is past the allowance (billable, fee 0), ordinal 3 pays 5% of $2.
    const bill = referenceBill(log(costs('0', '0', '2')), config(requests([{ upTo: '1', rate: '0' }, { rate: '0.05' }])));
    expect(decisionsOf(bill)).toEqual(['free:0', 'billable:0', 'billable:0.1']);
    expect(lineOf(bill)).toMatchObject({ freeRequests: 1, billableRequests: 2, feeUsd: '0.1' });
  });

  it('two schedules share one counter: the position comes from all requests, the rate from the request’s own schedule', () => {
    const premiumRule: RefScheduleRule = { name: 'o1-pro', priority: 2, all: [{ fact: 'model', operator: 'equal', value: 'openai/o1-pro' }], schedule: 'premium' };
    const catchAll: RefScheduleRule = { name: 'else', all: [], schedule: 'standard' };
    const fees: RefFees = {
      schedules: { standard: [{ upTo: '2', rate: '0' }, { rate: '0.05' }], premium: [{ upTo: '2', rate: '0' }, { rate: '0.1' }] },
      rules: [premiumRule, catchAll],
    };
    const o1 = { cost: '1', model: 'openai/o1-pro' };
    const gpt = { cost: '1', model: 'openai/gpt-4o' };
    const bill = referenceBill(log([o1, gpt, o1, gpt, o1]), config(fees));
    expect(decisionsOf(bill)).toEqual(['free:0', 'free:0', 'billable:0.1', 'billable:0.05', 'billable:0.1']);
    expect(lineOf(bill).feeUsd).toBe('0.25');

    // In dollars: $4 of gpt free, then $4 of o1-pro covers (4, 8]: $1 free + $3 × 10%; then $1 of gpt × 5%.
    const dollarFees: RefFees = {
      unit: 'list-usd',
      schedules: { standard: [{ upTo: '5', rate: '0' }, { rate: '0.05' }], premium: [{ upTo: '5', rate: '0' }, { rate: '0.1' }] },
      rules: [premiumRule, catchAll],
    };
    expect(decisionsOf(referenceBill(log([{ ...gpt, cost: '4' }, { ...o1, cost: '4' }, gpt]), config(dollarFees)))).toEqual(['free:0', 'billable:0.3', 'billable:0.05']);
  });

  it('schedules by provider: in/notIn, an absent provider reads as empty, the highest priority wins', () => {
    const fees: RefFees = {
      schedules: { major: [{ rate: '0.05' }], other: [{ rate: '0.03' }], premium: [{ rate: '0.08' }] },
      rules: [
        { name: 'o1-pro', priority: 3, all: [{ fact: 'model', operator: 'equal', value: 'openai/o1-pro' }], schedule: 'premium' },
        { name: 'major', priority: 2, all: [{ fact: 'provider', operator: 'in', value: ['anthropic', 'openai'] }], schedule: 'major' },
        { name: 'else', priority: 1, all: [], schedule: 'other' },
      ],
    };
    const bill = referenceBill(
      log([
        { cost: '1', provider: 'anthropic' },
        { cost: '1', provider: 'openai', model: 'openai/o1-pro' },
        { cost: '1', provider: 'google' },
        { cost: '1' },
        { cost: '1', provider: 'openai' },
      ]),
      config(fees),
    );
    expect(decisionsOf(bill)).toEqual(['billable:0.05', 'billable:0.08', 'billable:0.03', 'billable:0.03', 'billable:0.05']);
  });

  it('schedule rules that are incomplete or ambiguous are refused', () => {
    const s: RefSchedule = [{ rate: '0.05' }];
    const incomplete: RefFees = { schedules: { a: s, b: s }, rules: [{ name: 'a', all: [{ fact: 'provider', operator: 'equal', value: 'openai' }], schedule: 'a' }, { name: 'b', all: [{ fact: 'provider', operator: 'equal', value: 'anthropic' }], schedule: 'b' }] };
    expect(() => referenceBill(log([{ cost: '1', provider: 'google' }]), config(incomplete))).toThrow(/no schedule rule matches/);
    const ambiguous: RefFees = { schedules: { a: s, b: s }, rules: [{ name: 'a', all: [], schedule: 'a' }, { name: 'b', all: [{ fact: 'provider', operator: 'notEqual', value: 'x' }], schedule: 'b' }] };
    expect(() => referenceBill(log(costs('1')), config(ambiguous))).toThrow(/ambiguous/);
    expect(() => referenceBill(log(costs('1')), config({ schedules: { a: s, b: s } }))).toThrow(/no rules/);
  });

  it('a fee cap: the request reaching it pays the remainder (mid-request or exactly), later ones 0, still billable; a new month starts again', () => {
    const flat = (cap: string) => config(requests([{ rate: '0.5' }], cap));
    expect(decisionsOf(referenceBill(log(costs('1', '1', '1')), flat('1')))).toEqual(['billable:0.5', 'billable:0.5', 'billable:0']);
    const midRequest = referenceBill(log([...costs('1.5', '1', '1'), { cost: '1', at: '2025-11-01T00:00:00Z' }]), flat('1'));
    expect(decisionsOf(midRequest)).toEqual(['billable:0.75', 'billable:0.25', 'billable:0', 'billable:0.5']);
    expect(lineOf(midRequest)).toMatchObject({ billableRequests: 3, feeUsd: '1' });
    expect(lineOf(midRequest, 'org:acme', '2025-11').feeUsd).toBe('0.5');
    // A cap of 0: every fee is 0.
    expect(decisionsOf(referenceBill(log(costs('1', '2')), flat('0')))).toEqual(['billable:0', 'billable:0']);
    // With a free tier: the free request costs nothing towards the cap.
    const tiers = config(requests([{ upTo: '1', rate: '0' }, { rate: '0.5' }], '0.6'));
    expect(decisionsOf(referenceBill(log(costs('1', '1', '1', '1')), tiers))).toEqual(['free:0', 'billable:0.5', 'billable:0.1', 'billable:0']);
    // Each scope-month has its own cap.
    const two = referenceBill(log([{ cost: '4' }, { cost: '4', org: 'beta' }]), flat('1'));
    expect([lineOf(two).feeUsd, lineOf(two, 'org:beta').feeUsd]).toEqual(['1', '1']);
  });

  it('contract terms: free_requests moves the free tier’s bound (and empties tiers below it) in every schedule with a free first tier', () => {
    const graduated: RefSchedule = [{ upTo: '2', rate: '0' }, { upTo: '4', rate: '0.05' }, { rate: '0.03' }];
    const six = log(costs('1', '1', '1', '1', '1', '1'));
    const withFree = (free: string) => decisionsOf(referenceBill(six, config(requests(graduated), [{ scope: 'org:acme', free_requests: free }])));
    expect(withFree('3')).toEqual(['free:0', 'free:0', 'free:0', 'billable:0.05', 'billable:0.03', 'billable:0.03']);
    expect(withFree('5')).toEqual(['free:0', 'free:0', 'free:0', 'free:0', 'free:0', 'billable:0.03']);
    expect(withFree('1')).toEqual(['free:0', 'billable:0.05', 'billable:0.05', 'billable:0.05', 'billable:0.03', 'billable:0.03']);
    expect(withFree('')).toEqual(['free:0', 'free:0', 'billable:0.05', 'billable:0.05', 'billable:0.03', 'billable:0.03']);
    expect(effectiveTiers(graduated, 'requests', termsOf({ scope: 'x', free_requests: '5' }))).toEqual([
      { lo: 0n, hi: 5n, rate: 0n },
      { lo: 5n, hi: 5n, rate: 50_000_000_000n },
      { lo: 5n, hi: null, rate: 30_000_000_000n },
    ]);
    // A schedule without a free first tier has none to enlarge; the counter is still shared.
    const fees: RefFees = {
      schedules: { std: graduated, flat: [{ rate: '0.1' }] },
      rules: [{ name: 'flat', priority: 2, all: [{ fact: 'model', operator: 'equal', value: 'flat' }], schedule: 'flat' }, { name: 'else', all: [], schedule: 'std' }],
    };
    const mixed = log([{ cost: '1', model: 'flat' }, ...costs('1', '1', '1')]);
    expect(decisionsOf(referenceBill(mixed, config(fees, [{ scope: 'org:acme', free_requests: '3' }])))).toEqual(['billable:0.1', 'free:0', 'free:0', 'billable:0.05']);
    // In list-usd the value is dollars: (up to $10: 0) becomes (up to $12.50: 0).
    const usd = config(dollars([{ upTo: '10', rate: '0' }, { rate: '0.05' }]), [{ scope: 'org:acme', free_requests: '12.5' }]);
    expect(decisionsOf(referenceBill(log(costs('10', '5')), usd))).toEqual(['free:0', 'billable:0.125']);
  });

  it('contract terms: fee_rate replaces every paid rate (not the free ones), fee_cap_usd replaces or sets the cap; empty cells and other scopes keep the policy', () => {
    const s: RefSchedule = [{ upTo: '1', rate: '0' }, { upTo: '2', rate: '0.05' }, { upTo: '3', rate: '0' }, { rate: '0.03' }];
    const four = log([...costs('1', '1', '1', '1'), { cost: '1', org: 'beta' }, { cost: '1', org: 'beta' }]);
    const accounts: RefFeeAccount[] = [{ scope: 'org:acme', fee_rate: '0.04' }, { scope: 'org:beta', fee_rate: '' }];
    expect(decisionsOf(referenceBill(four, config(requests(s), accounts)))).toEqual(['free:0', 'billable:0.04', 'billable:0', 'billable:0.04', 'free:0', 'billable:0.05']);
    // Cap: acme's contract cap replaces the policy's $0.06; beta keeps it; ghost (not in the file) too.
    const capped = log([...costs('1', '1', '1'), { cost: '1', org: 'beta' }, { cost: '1', org: 'beta' }]);
    const withCap = config(requests([{ rate: '0.05' }], '0.06'), [{ scope: 'org:acme', fee_cap_usd: '0.12' }, { scope: 'org:beta', fee_cap_usd: '' }]);
    expect(decisionsOf(referenceBill(capped, withCap))).toEqual(['billable:0.05', 'billable:0.05', 'billable:0.02', 'billable:0.05', 'billable:0.01']);
    // A contract cap where the policy has none.
    const sets = config(requests([{ rate: '0.05' }]), [{ scope: 'org:acme', fee_cap_usd: '0.07' }]);
    expect(decisionsOf(referenceBill(log(costs('1', '1', '1')), sets))).toEqual(['billable:0.05', 'billable:0.02', 'billable:0']);
  });

  it('contract terms come from the billing scope’s account (scope mode user: the user’s), and only for the version in force', () => {
    const twoVersions: FeeConfig = {
      versions: [
        { version: '2024', fees: requests([{ rate: '0.05' }]) },
        { version: '2025-10', effectiveFrom: '2025-10-01T00:00:00Z', fees: requests([{ upTo: '1', rate: '0' }, { rate: '0.05' }]) },
      ],
      counts: 'served',
      scopeMode: 'user',
      defaultFailoverMode: 'fallback',
      accounts: [
        { scope: 'org:acme', free_requests: '5', fee_rate: '0.5' },
        { scope: 'user:dev', free_requests: '2' },
      ],
    };
    const rows = log([{ cost: '1', at: '2025-09-30T23:59:59Z' }, ...costs('1', '1', '1')]);
    // September (2024 version, no free tier to enlarge): 5%. October: user:dev's 2 free, then 5%; acme's terms do not apply.
    expect(decisionsOf(referenceBill(rows, twoVersions))).toEqual(['billable:0.05', 'free:0', 'free:0', 'billable:0.05']);
    expect(versionAt(twoVersions, Date.UTC(2025, 9, 1)).version).toBe('2025-10');
    expect(versionAt(twoVersions, Date.UTC(2025, 9, 1) - 1).version).toBe('2024');
  });

  it('counts attempted: a key attempt that failed over takes an ordinal (or adds its dollars) and pays list price', () => {
    const rows: RefRow[] = [
      { requestId: 'r1', timestamp: '2025-10-01T00:00:00Z', userId: 'dev', orgId: 'acme', cost: '3', keyResult: 'rate_limited' },
      { requestId: 'r2', timestamp: '2025-10-01T00:00:01Z', userId: 'dev', orgId: 'acme', cost: '3', keyResult: 'ok' },
    ];
    const attempted = (fees: RefFees): FeeConfig => ({ ...config(fees), counts: 'attempted' });
    const usd = referenceBill(rows, attempted(dollars([{ upTo: '4', rate: '0' }, { rate: '0.1' }])));
    expect(decisionsOf(usd)).toEqual(['null:0', 'billable:0.2']);
    expect(lineOf(usd)).toMatchObject({ platformRequests: 1, platformCostUsd: '3', feeUsd: '0.2', totalUsd: '3.2' });
    expect(decisionsOf(referenceBill(rows, attempted(requests([{ upTo: '1', rate: '0' }, { rate: '0.1' }]))))).toEqual(['null:0', 'billable:0.3']);
  });
});

// ---------------------------------------------------------------------------------------------
// The document a FeeConfig is written as.

describe('the fee config as a policy document', () => {
  it('writes the contract’s example (§2) as the contract does', () => {
    const contract = readFileSync(join(REPO_ROOT, 'docs/pricing-language.md'), 'utf8');
    const example = JSON.parse(/## 2\. The policy document[\s\S]*?```json\n([\s\S]*?)```/.exec(contract)![1]!) as {
      parameters: { fees: unknown };
      rules: { schedule: unknown };
    };
    const document = feePolicyDocument(
      config({
        unit: 'requests',
        schedules: {
          standard: [{ upTo: '1000000', rate: '0' }, { upTo: '10000000', rate: '0.05' }, { rate: '0.03' }],
          premium: [{ upTo: '1000000', rate: '0' }, { rate: '0.08' }],
        },
        rules: [
          { name: 'expensive model', priority: 2, all: [{ fact: 'model', operator: 'equal', value: 'openai/o1-pro' }], schedule: 'premium' },
          { name: 'everything else', priority: 1, all: [], schedule: 'standard' },
        ],
        capUsd: '2000',
      }),
    ) as { parameters: { fees: unknown }; rules: { schedule: unknown } };
    expect(document.parameters.fees).toEqual(example.parameters.fees);
    expect(document.rules.schedule).toEqual(example.rules.schedule);
  });

  it('writes the accounts file with the v1.1 columns only when an account uses them', () => {
    expect(feeAccountsCsv(config(requests([{ rate: '0' }]), [{ scope: 'org:a', free_requests: '3' }]))).toBe('scope,failover_mode,free_requests\norg:a,,3\n');
    expect(feeAccountsCsv(config(requests([{ rate: '0' }]), [{ scope: 'org:a', fee_cap_usd: '2' }, { scope: 'user:"b,c"', failover_mode: 'strict', fee_rate: '0.04' }]))).toBe(
      'scope,failover_mode,free_requests,fee_rate,fee_cap_usd\norg:a,,,,2\n"user:""b,c""",strict,,0.04,\n',
    );
  });

  it('the policy sha256 is the loader’s (canonical JSON of the document)', () => {
    const document = JSON.parse(readFileSync(join(REPO_ROOT, 'scenarios/06-enterprise-allowance/policy.json'), 'utf8'));
    const bill = JSON.parse(readFileSync(join(REPO_ROOT, 'scenarios/06-enterprise-allowance/expected-bill.json'), 'utf8'));
    expect(policySha256(document)).toBe(bill.policy.sha256);
    expect(policySha256(document)).toBe(loadPolicy(document).sha256);
  });

  // catches: a document that does not say what the oracle billed (a version's fees at the wrong
  // level, a shorthand read the other way), and the oracle's reading of the shorthand.
  it('law: today’s engine bills the shorthand document of a config exactly as the fee oracle bills the config (fee rate > 0)', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb().filter((c) => compareDecimalText(c.feeRate, '0') > 0), (rows, c) => {
        const feeConfig = feeConfigOfShorthand(c);
        const policy = loadPolicy(feePolicyDocument(feeConfig, { shorthand: true }));
        const { bill } = billRequests(rows.map(toUsageRequest), { policy, accounts: parseAccounts(c.accounts) });
        const ref = referenceBill(rows, feeConfig);
        const { policy: _policy, ...json } = billToJson(bill);
        expect(json).toEqual({ input: ref.input, lines: ref.lines, totals: ref.totals });
      }),
      { numRuns: 50 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties that a wrong oracle would break.

type Transform = (c: FeeConfig) => FeeConfig;

/** Every version's fees mapped. */
const mapFees = (c: FeeConfig, f: (fees: RefFees, i: number) => RefFees): FeeConfig => ({ ...c, versions: c.versions.map((v, i) => ({ ...v, fees: f(v.fees, i) })) });

/** Every schedule of every version mapped. */
const mapSchedules = (c: FeeConfig, f: (s: RefSchedule) => RefSchedule): FeeConfig =>
  mapFees(c, (fees) => ({ ...fees, schedules: Object.fromEntries(Object.entries(fees.schedules).map(([n, s]) => [n, f(s)])) }));

const withoutCaps: Transform = (c) => ({
  ...mapFees(c, ({ capUsd: _cap, ...fees }) => fees),
  accounts: c.accounts.map(({ fee_cap_usd: _cap, ...a }) => a),
});

const decimalSum = (a: string, b: string): string => {
  const x = readDecimal(a);
  const y = readDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  return formatDecimal(unitsAt(x, scale) + unitsAt(y, scale), scale);
};

/** Bills, lines and decisions equal (money compared as exact decimal text). */
function expectSameBill(a: RefBill, b: RefBill): void {
  expect(a.lines).toEqual(b.lines);
  expect(a.totals).toEqual(b.totals);
  expect(new Map(a.decisions)).toEqual(new Map(b.decisions));
}

describe('the fee oracle’s laws', () => {
  // catches: an oracle whose tiers disagree with today's reading of allowance and fee (an
  // off-by-one at the bound, the 2024 version given a free tier, free_requests applied where
  // no allowance exists, a fee at the wrong scale).
  it('law: today’s shorthand as a schedule bills exactly as today’s oracle (fee rate > 0)', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb().filter((c) => compareDecimalText(c.feeRate, '0') > 0), (rows, c) => {
        expectSameBill(referenceBill(rows, feeConfigOfShorthand(c)), referenceBill(rows, c));
      }),
    );
  });

  // catches: free read from a tier's rate instead of the free tier (the contract as of 2cc3861:
  // past the allowance under a 0% fee a request is billable, fee 0, as today).
  it('law: with a fee rate of 0 the shorthand as a schedule still bills exactly as today’s oracle', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb({ feeRate: '0' }), (rows, c) => {
        expectSameBill(referenceBill(rows, feeConfigOfShorthand(c)), referenceBill(rows, c));
      }),
    );
  });

  // catches: fees that fall when a rate rises (a rate applied to the wrong tier, a cap that
  // grows with the fee, free status kept for a tier that became paid).
  it('law: raising rates (a free first tier kept free) never lowers a scope-month’s fee', () => {
    const RAISES = ['0', '0', '0.000000000001', '0.01', '0.5', '2'];
    fc.assert(
      fc.property(
        feeLogArb(),
        feeConfigArb(),
        fc.array(fc.constantFrom(...RAISES), { minLength: 64, maxLength: 64 }),
        fc.constantFrom(...RAISES),
        (rows, c, raises, termRaise) => {
          let n = 0;
          const raised: FeeConfig = {
            ...mapSchedules(c, (s) => s.map((t, i) => ({ ...t, rate: i === 0 && compareDecimalText(t.rate, '0') === 0 ? t.rate : decimalSum(t.rate, raises[n++ % 64]!) }))),
            accounts: c.accounts.map((a) => (a.fee_rate ? { ...a, fee_rate: decimalSum(a.fee_rate, termRaise) } : a)),
          };
          const low = referenceBill(rows, c);
          const high = new Map(referenceBill(rows, raised).lines.map((l) => [`${l.scope} ${l.period}`, l.feeUsd]));
          for (const line of low.lines) expect(compareDecimalText(line.feeUsd, high.get(`${line.scope} ${line.period}`)!)).toBeLessThanOrEqual(0);
        },
      ),
    );
  });

  // catches: a cap applied per request or per scope across months, the remainder miscomputed,
  // a cap that changes free/billable, fees after the cap that are not 0.
  it('law: with a cap, a scope-month’s fee is min(uncapped fee, cap); the fees before the cap are unchanged and those after are 0', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb(), (rows, c) => {
        const capped = referenceBill(rows, c);
        const uncapped = referenceBill(rows, withoutCaps(c));
        const accounts = new Map(c.accounts.map((a) => [a.scope, a]));
        for (const [i, line] of capped.lines.entries()) {
          const free = uncapped.lines[i]!;
          expect({ ...line, feeUsd: '', totalUsd: '' }).toEqual({ ...free, feeUsd: '', totalUsd: '' });
          const month = Date.UTC(Number(line.period.slice(0, 4)), Number(line.period.slice(5)) - 1, 1);
          const cap = termsOf(accounts.get(line.scope)).feeCapUsd ?? versionAt(c, month).fees.capUsd;
          const expected = cap === undefined || compareDecimalText(free.feeUsd, cap) <= 0 ? free.feeUsd : formatDecimal(readDecimal(cap).units, readDecimal(cap).scale);
          expect(line.feeUsd, `${line.scope} ${line.period}`).toBe(expected);
        }
        // Request by request, in allowance order (counted ordinals): equal until the cap binds, 0 after it.
        const byLine = new Map<string, { ordinal: number; capped: string; uncapped: string }[]>();
        for (const [id, d] of capped.decisions) {
          if (d.route !== 'byok') continue;
          const list = byLine.get(`${d.scope} ${d.period}`) ?? [];
          list.push({ ordinal: d.ordinal!, capped: d.fee, uncapped: uncapped.decisions.get(id)!.fee });
          byLine.set(`${d.scope} ${d.period}`, list);
        }
        for (const list of byLine.values()) {
          let bound = false;
          for (const d of list.sort((a, b) => a.ordinal - b.ordinal)) {
            if (bound) expect(d.capped).toBe('0');
            else if (d.capped !== d.uncapped) {
              expect(compareDecimalText(d.capped, d.uncapped)).toBeLessThan(0);
              bound = true;
            }
          }
        }
      }),
    );
  });

  // catches: tiers located by index rather than by interval, a bound counted in the wrong tier,
  // a request split wrongly across three or more tiers.
  it('law: splitting a tier at an extra bound, the same rate on both sides, changes nothing', () => {
    const splitCase = feeConfigArb().chain((c) =>
      fc.record({
        c: fc.constant(c),
        version: fc.nat(c.versions.length - 1),
        schedule: fc.nat(9),
        tier: fc.nat(9),
        at: fc.bigInt({ min: 1n, max: 10n ** 18n }),
      }),
    );
    fc.assert(
      fc.property(feeLogArb(), splitCase, (rows, { c, version, schedule, tier, at }) => {
        const fees = c.versions[version]!.fees;
        const unit = fees.unit ?? 'requests';
        const names = Object.keys(fees.schedules);
        const name = names[schedule % names.length]!;
        const s = fees.schedules[name]!;
        const i = tier % s.length;
        // A first tier of rate 0 is (or, split, would become) the free tier: only its first part is
        // free after a split, so splitting it changes which requests are free. Leave it.
        if (i === 0 && compareDecimalText(s[0]!.rate, '0') === 0) return;
        const scale = unit === 'requests' ? 0 : COST_SCALE;
        const lo = i === 0 ? 0n : unitsAt(readDecimal(s[i - 1]!.upTo!), scale);
        const hi = s[i]!.upTo === undefined ? lo + 2n + (at % 10n ** BigInt(scale + 7)) : unitsAt(readDecimal(s[i]!.upTo!), scale);
        if (hi - lo < 2n) return;
        const bound = formatDecimal(lo + 1n + (at % (hi - lo - 1n)), scale);
        const split: RefSchedule = [...s.slice(0, i), { upTo: bound, rate: s[i]!.rate }, ...s.slice(i)];
        const splitConfig = mapFees(c, (f, v) => (v === version ? { ...f, schedules: { ...f.schedules, [name]: split } } : f));
        expectSameBill(referenceBill(rows, splitConfig), referenceBill(rows, c));
      }),
    );
  });

  // catches: list-usd intervals off by one unit at a bound (a request ending on the bound
  // counted in the next tier), fees not proportional to the covered part.
  it('law: list-usd with every cost $1 bills as unit requests with the same bounds', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb({ unit: 'requests' }), (rows, c) => {
        const ones = rows.map((r) => ({ ...r, cost: '1' }));
        const inDollars = mapFees(c, (f) => ({ ...f, unit: 'list-usd' }));
        expectSameBill(referenceBill(ones, inDollars), referenceBill(ones, c));
      }),
    );
  });

  // catches: a counter per schedule instead of one per scope-month, the rule choice leaking
  // into the position.
  it('law: several schedules with the same tiers bill as one schedule without rules', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb(), (rows, c) => {
        const same = mapFees(c, (f) => {
          const first = Object.values(f.schedules)[0]!;
          return { ...f, schedules: Object.fromEntries(Object.keys(f.schedules).map((n) => [n, first])) };
        });
        const one = mapFees(c, (f) => ({ ...f, schedules: { only: Object.values(f.schedules)[0]! }, rules: undefined }));
        const a = referenceBill(rows, same);
        const b = referenceBill(rows, one);
        expect(a.lines).toEqual(b.lines);
        expect([...a.decisions].map(([id, d]) => [id, d.status, d.fee])).toEqual([...b.decisions].map(([id, d]) => [id, d.status, d.fee]));
      }),
    );
  });

  // catches: list-usd fees that depend on how the dollars are cut into requests (they must
  // not, with one schedule and no cap): the fee of a scope-month is Σ rate × |(0, Q] ∩ tier|.
  it('law: list-usd, one schedule, counts served, no cap: a scope-month pays its tiers’ rates on its total BYOK dollars', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb({ unit: 'list-usd' }), (rows, c0) => {
        const c = withoutCaps(mapFees({ ...c0, counts: 'served' }, (f) => ({ ...f, schedules: { only: Object.values(f.schedules)[0]! }, rules: undefined })));
        const accounts = new Map(c.accounts.map((a) => [a.scope, a]));
        for (const line of referenceBill(rows, c).lines) {
          const month = Date.UTC(Number(line.period.slice(0, 4)), Number(line.period.slice(5)) - 1, 1);
          const tiers = effectiveTiers(versionAt(c, month).fees.schedules.only!, 'list-usd', termsOf(accounts.get(line.scope)));
          const q = unitsAt(readDecimal(line.byokCostUsd), COST_SCALE);
          let fee = 0n;
          for (const t of tiers) {
            const top = t.hi === null || q < t.hi ? q : t.hi;
            if (top > t.lo) fee += t.rate * (top - t.lo);
          }
          expect(line.feeUsd, `${line.scope} ${line.period}`).toBe(formatDecimal(fee, 24));
        }
      }),
    );
  });

  // catches: terms read from the wrong account, fee_rate applied to free tiers, fee_cap_usd not
  // replacing the policy's cap.
  it('law: fee_rate and fee_cap_usd for every scope bill as the policy with those rates and that cap', () => {
    fc.assert(
      // (Not fee_rate 0: the edited policy would then start a paid first tier with rate 0, making
      // it its free tier, which fee_rate never does. The ledger differential covers fee_rate 0.)
      fc.property(feeLogArb(), feeConfigArb(), fc.constantFrom('0.04', '1', '0.000000000001'), fc.constantFrom('0', '0.02', '5'), (rows, c, rate, cap) => {
        const modes = new Map(c.accounts.map((a) => [a.scope, a]));
        const plain = (scope: string) => {
          const a = modes.get(scope);
          return { scope, ...(a?.failover_mode ? { failover_mode: a.failover_mode } : {}), ...(a?.free_requests ? { free_requests: a.free_requests } : {}) };
        };
        const terms: FeeConfig = { ...c, accounts: SCOPES.map((scope) => ({ ...plain(scope), fee_rate: rate, fee_cap_usd: cap })) };
        const policy: FeeConfig = {
          ...mapSchedules(
            mapFees(c, (f) => ({ ...f, capUsd: cap })),
            (s) => s.map((t) => ({ ...t, rate: compareDecimalText(t.rate, '0') > 0 ? rate : t.rate })),
          ),
          accounts: SCOPES.map(plain),
        };
        const a = referenceBill(rows, terms);
        const b = referenceBill(rows, policy);
        expect(a.lines).toEqual(b.lines);
        expect([...a.decisions].map(([id, d]) => [id, d.status, d.fee])).toEqual([...b.decisions].map(([id, d]) => [id, d.status, d.fee]));
      }),
    );
  });

  it('the generated configs are valid documents and their rows name providers', () => {
    fc.assert(
      fc.property(feeLogArb({ minLength: 1 }), feeConfigArb(), (rows: FeeLogRow[], c) => {
        expect(() => referenceBill(rows, c)).not.toThrow();
        const document = feePolicyDocument(c);
        expect(document.format).toBe('byok-policy/v1');
        expect(feeAccountsCsv(c).split('\n')[0]).toMatch(/^scope,failover_mode,free_requests/);
      }),
      { numRuns: 50 },
    );
  });
});
