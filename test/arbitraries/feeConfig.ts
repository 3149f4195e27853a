import fc from 'fast-check';
import type { FeeConfig, FeeUnit, RefCondition, RefFeeAccount, RefFees, RefFeeVersion, RefSchedule, RefScheduleRule } from '../properties/referenceFees.js';
import { accountsArb } from './billConfig.js';
import { feeRateText } from './money.js';
import { type LogOptions, type LogRow, logWithDuplicatesArb } from './requestLog.js';

/** Providers a generated request names: absent and empty both read as `''`. */
export const PROVIDERS: readonly (string | undefined)[] = [undefined, '', 'anthropic', 'openai', 'google'];
/** Values rules test for: the log's models and providers, and one no request has. */
const PROVIDER_VALUES = ['anthropic', 'openai', 'google', '', 'mistral'];
const MODEL_VALUES = ['m1', 'm2', '', 'm9'];

export type FeeLogRow = LogRow & { readonly provider: string | undefined };

/** A generated log (duplicates, any order) whose requests name a provider (a repeat names its row's). */
export function feeLogArb(options: LogOptions = {}): fc.Arbitrary<FeeLogRow[]> {
  return logWithDuplicatesArb(options).chain((rows) => {
    const ids = [...new Set(rows.map((r) => r.requestId))];
    return fc.array(fc.constantFrom(...PROVIDERS), { minLength: ids.length, maxLength: ids.length }).map((providers) => {
      const byId = new Map(ids.map((id, i) => [id, providers[i]]));
      return rows.map((r) => ({ ...r, provider: byId.get(r.requestId) }));
    });
  });
}

/** Bounds in requests: few, small (a scope-month of a generated log holds a handful of requests). */
const requestBoundsArb = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 3 }).map((b) => b.sort((x, y) => x - y).map(String));

/** Bounds in dollars, at the scales of the generated costs (a micro-dollar to a million dollars). */
const DOLLAR_BOUNDS = ['0.000000000001', '0.000001', '0.3', '1', '2.5', '8.125', '50', '1000', '1000000.5', '3000000'];
const dollarBoundsArb = fc.subarray(DOLLAR_BOUNDS, { maxLength: 3 });

/** A rate: zero often (free tiers, and free tiers after paid ones), else any rate of the money arbitraries. */
const tierRateArb = fc.oneof({ weight: 2, arbitrary: fc.constant('0') }, { weight: 3, arbitrary: feeRateText });

/** A schedule: 1 to 4 tiers; the first is free more often than not. */
export function scheduleArb(unit: FeeUnit): fc.Arbitrary<RefSchedule> {
  const bounds = unit === 'requests' ? requestBoundsArb : dollarBoundsArb;
  return bounds.chain((b) =>
    fc
      .tuple(fc.oneof({ weight: 3, arbitrary: fc.constant('0') }, { weight: 2, arbitrary: feeRateText }), fc.array(tierRateArb, { minLength: b.length, maxLength: b.length }))
      .map(([first, rest]) => {
        const rates = [first, ...rest];
        return rates.map((rate, i) => (i < b.length ? { upTo: b[i]!, rate } : { rate }));
      }),
  );
}

const conditionArb: fc.Arbitrary<RefCondition> = fc.oneof(
  fc.record({ fact: fc.constant<'provider'>('provider'), operator: fc.constantFrom<'equal' | 'notEqual'>('equal', 'notEqual'), value: fc.constantFrom(...PROVIDER_VALUES) }),
  fc.record({ fact: fc.constant<'provider'>('provider'), operator: fc.constantFrom<'in' | 'notIn'>('in', 'notIn'), value: fc.subarray(PROVIDER_VALUES, { minLength: 1 }) }),
  fc.record({ fact: fc.constant<'model'>('model'), operator: fc.constantFrom<'equal' | 'notEqual'>('equal', 'notEqual'), value: fc.constantFrom(...MODEL_VALUES) }),
  fc.record({ fact: fc.constant<'model'>('model'), operator: fc.constantFrom<'in' | 'notIn'>('in', 'notIn'), value: fc.subarray(MODEL_VALUES, { minLength: 1 }) }),
);

const SCHEDULE_NAMES = ['standard', 'major-providers', 'premium.model'];

/**
 * A version's fees: one to three schedules. Rules, always complete and unambiguous: the first
 * schedule by a catch-all at priority 1 (or, now and then, the first two by `provider in L` and
 * `provider notIn L` at priority 1), each other schedule by conditions at a priority of its own.
 */
export function feesArb(unit: FeeUnit): fc.Arbitrary<RefFees> {
  return fc
    .record({
      count: fc.integer({ min: 1, max: 3 }),
      unitWritten: fc.boolean(),
      cap: fc.option(fc.constantFrom('0', '0.000000000001', '0.01', '1', '50', '1000000'), { freq: 3 }),
      split: fc.option(fc.subarray(PROVIDER_VALUES, { minLength: 1 }), { freq: 4 }),
      oneRule: fc.boolean(),
    })
    .chain(({ count, unitWritten, cap, split, oneRule }) => {
      const names = SCHEDULE_NAMES.slice(0, count);
      return fc
        .tuple(fc.tuple(...names.map(() => scheduleArb(unit))), fc.tuple(...names.map(() => fc.array(conditionArb, { minLength: 1, maxLength: 2 }))))
        .map(([schedules, conditions]) => {
          const rules: RefScheduleRule[] = [];
          if (count === 1) {
            if (oneRule) rules.push({ name: 'all', all: [], schedule: names[0]! });
          } else if (split !== null) {
            rules.push({ name: 'in', priority: 1, all: [{ fact: 'provider', operator: 'in', value: split }], schedule: names[0]! });
            rules.push({ name: 'not in', priority: 1, all: [{ fact: 'provider', operator: 'notIn', value: split }], schedule: names[1]! });
            for (let i = 2; i < count; i++) rules.push({ name: `rule ${i}`, priority: i + 1, all: conditions[i]!, schedule: names[i]! });
          } else {
            rules.push({ name: 'catch-all', all: [], schedule: names[0]! });
            for (let i = 1; i < count; i++) rules.push({ name: `rule ${i}`, priority: i + 1, all: conditions[i]!, schedule: names[i]! });
          }
          return {
            ...(unitWritten || unit !== 'requests' ? { unit } : {}),
            schedules: Object.fromEntries(names.map((n, i) => [n, schedules[i]!])),
            ...(rules.length > 0 ? { rules } : {}),
            ...(cap === null ? {} : { capUsd: cap }),
          };
        });
    });
}

export interface FeeConfigOptions {
  /** Every version in this unit (else each version draws its own). */
  readonly unit?: FeeUnit;
}

const unitArb = (options: FeeConfigOptions) => (options.unit === undefined ? fc.constantFrom<FeeUnit>('requests', 'list-usd') : fc.constant(options.unit));

/** One version for every instant, or the default policy's two (the switch on 2025-10-01). */
const versionsArb = (options: FeeConfigOptions): fc.Arbitrary<RefFeeVersion[]> =>
  fc.oneof(
    unitArb(options).chain((u) => feesArb(u).map((fees) => [{ version: 'only', fees }])),
    fc.tuple(unitArb(options).chain(feesArb), unitArb(options).chain(feesArb)).map(([before, after]) => [
      { version: '2024-byok-fee', fees: before },
      { version: '2025-10-tiers', effectiveFrom: '2025-10-01T00:00:00Z', fees: after },
    ]),
  );

/** Accounts with contract terms: free_requests (dollars too when every version is list-usd), fee_rate, fee_cap_usd. */
function feeAccountsArb(dollars: boolean): fc.Arbitrary<RefFeeAccount[]> {
  return accountsArb.chain((rows) =>
    fc
      .tuple(
        ...rows.map(() =>
          fc.record({
            free: dollars ? fc.option(fc.constantFrom('0.5', '2.25', '0.000000000001', '100'), { freq: 3 }) : fc.constant(null),
            feeRate: fc.option(fc.constantFrom('', '0', '0.04', '0.000000000001', '1'), { freq: 2 }),
            cap: fc.option(fc.constantFrom('', '0', '0.02', '1', '1000'), { freq: 2 }),
          }),
        ),
      )
      .map((terms) =>
        rows.map((row, i) => {
          const t = terms[i]!;
          return {
            ...row,
            ...(t.free === null ? {} : { free_requests: t.free }),
            ...(t.feeRate === null ? {} : { fee_rate: t.feeRate }),
            ...(t.cap === null ? {} : { fee_cap_usd: t.cap }),
          };
        }),
      ),
  );
}

export function feeConfigArb(options: FeeConfigOptions = {}): fc.Arbitrary<FeeConfig> {
  return versionsArb(options).chain((versions) =>
    fc.record({
      versions: fc.constant(versions),
      counts: fc.constantFrom<'served' | 'attempted'>('served', 'served', 'attempted'),
      scopeMode: fc.constantFrom<'org' | 'user'>('org', 'org', 'user'),
      defaultFailoverMode: fc.constantFrom<'fallback' | 'strict' | 'credits-first'>('fallback', 'strict', 'credits-first'),
      accounts: feeAccountsArb(versions.every((v) => v.fees.unit === 'list-usd')),
    }),
  );
}
