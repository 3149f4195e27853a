import type { Accounts } from '../accounts/accounts.js';
import { Money } from '../money/money.js';
import type { Rate } from '../money/rate.js';
import { type FeeSchedule, LIST_USD_BOUND_SCALE, feeTermsShorthand } from '../policy/feeTerms.js';
import type { Policy, PolicyVersion } from '../policy/policyTypes.js';
import type { SqlDialect } from './sqlDialect.js';
import { sqlString } from './sqlLiteral.js';

/*
 * The pricing language (docs/pricing-language.md) in SQL: where a counted request lies in
 * its schedule's tiers, whether it is free, and its fee before the cap, as expressions over
 * one row of the bill query. The row carries:
 * - `version_index`, `schedule_index` (scheduleChoiceSql), `ordinal` (its place among the
 *   scope-month's counted requests), `cost_usd`;
 * - `list_from`, `list_to`: the scope-month's cumulative list cost of counted requests
 *   before and after it (unit `list-usd`);
 * - its scope's contract terms, NULL where the account says nothing: `acct_free_requests`
 *   (BIGINT), `acct_free_usd` (dollars), `acct_fee_rate`, `acct_fee_cap`.
 * Contract terms are applied as `placeTiers` applies them: the bound of a free first tier
 * becomes the account's (tiers it reaches cover nothing), `fee_rate` replaces every rate
 * > 0, `fee_cap_usd` the cap. Everything is exact DECIMAL arithmetic.
 */

/** DECIMAL(38,12): costs, cumulative list costs and list-usd bounds. */
export const LIST_USD_TYPE = `DECIMAL(38,${LIST_USD_BOUND_SCALE})`;

/** Whether the policy (with these accounts) needs the tiered expressions: the shorthand's plain `cost × rate` would not bill it. */
export function billsTiers(policy: Policy, accounts: Accounts | undefined): boolean {
  if (policy.versions.some((v) => feeTermsShorthand(v.feeTerms) === undefined)) return true;
  return [...(accounts?.values() ?? [])].some((a) => a.feeRate !== undefined || a.feeCapUsd !== undefined);
}

/** What of the pricing language a query must carry for this policy and these accounts. */
export interface PricingNeeds {
  /** Tiers, schedules, caps or contract terms: the shorthand's plain `cost × rate` would not bill it. */
  readonly tiered: boolean;
  /** Some version chooses its fee schedule by provider or model: the query reads those columns. */
  readonly byFacts: boolean;
  /** Some version counts list-usd: the query needs each row's running list cost. */
  readonly listUsd: boolean;
  /** A version or an account has a cap: the query needs each row's running fees. */
  readonly capped: boolean;
}

export function pricingNeeds(policy: Policy, accounts: Accounts | undefined): PricingNeeds {
  const versions = policy.versions;
  const tiered = billsTiers(policy, accounts);
  return {
    tiered,
    byFacts: tiered && versions.some((v) => v.scheduleChooser.byProviderOrModel),
    listUsd: tiered && versions.some((v) => v.feeTerms.unit === 'list-usd'),
    capped: tiered && (versions.some((v) => v.feeTerms.capUsd !== undefined) || [...(accounts?.values() ?? [])].some((a) => a.feeCapUsd !== undefined)),
  };
}

/** Every rate the tiered query multiplies by: the tiers' and the accounts' `fee_rate`s. */
export function tierRates(policy: Policy, accounts: Accounts | undefined): Rate[] {
  const rates: Rate[] = [];
  for (const v of policy.versions) for (const s of v.feeTerms.schedules as readonly FeeSchedule<number | bigint>[]) for (const t of s.tiers) rates.push(t.rate);
  for (const a of accounts?.values() ?? []) if (a.feeRate !== undefined) rates.push(a.feeRate);
  return rates;
}

/** A rate's integer and fractional digit counts, as its canonical text writes them. */
export function rateDigits(rate: string): { integer: number; scale: number } {
  const point = rate.indexOf('.');
  const integer = point < 0 ? rate : rate.slice(0, point);
  return { integer: integer === '0' ? 0 : integer.length, scale: point < 0 ? 0 : rate.length - point - 1 };
}

/** One DECIMAL type every rate of `rates` fits exactly. */
export function rateTypeOf(rates: readonly Rate[]): string {
  const digits = rates.map((r) => rateDigits(r.toString()));
  const scale = Math.max(0, ...digits.map((d) => d.scale));
  const integer = Math.max(0, ...digits.map((d) => d.integer));
  return `DECIMAL(${Math.max(1, integer + scale)},${scale})`;
}

/**
 * A cap as a literal of the fee type DECIMAL(38, feeScale). A cap the type cannot hold
 * is written as the type's largest value: the engine refuses (or fails on) cumulative
 * fees that large before a cap could bind, so it never changes a fee.
 */
export function capLiteral(cap: Money, feeScale: number, dialect: SqlDialect): string {
  const largest = 10n ** 38n - 1n;
  const units = cap.units * 10n ** BigInt(feeScale - cap.scale);
  const text = units > largest ? new Money(largest, feeScale).toString() : cap.toString();
  return `CAST(${sqlString(text, dialect)} AS DECIMAL(38,${feeScale}))`;
}

/** `a` when it is larger, else `b` (a CASE: GREATEST is not standard SQL). */
const greatest = (a: string, b: string) => `CASE WHEN ${a} > ${b} THEN ${a} ELSE ${b} END`;
const least = (a: string, b: string) => `CASE WHEN ${a} < ${b} THEN ${a} ELSE ${b} END`;

export interface TierSqlTypes {
  readonly dialect: SqlDialect;
  readonly rateType: string;
  readonly feeType: string;
}

/** The expressions of one version (per schedule, a CASE on `schedule_index` when it has several). */
export interface TieredVersionSql {
  /** Whether a counted row is free: all of it in its schedule's free tier. */
  readonly free: string;
  /** Its fee before the cap, when its charge kind is `fee` (DECIMAL at the fee type). */
  readonly fee: string;
}

/** A tier's rate under the account's `fee_rate` (which replaces only rates > 0), or undefined for 0. */
function rateSql(rate: Rate, types: TierSqlTypes): string | undefined {
  if (rate.units === 0n) return undefined;
  return `COALESCE(acct_fee_rate, CAST(${sqlString(rate.toString(), types.dialect)} AS ${types.rateType}))`;
}

function listUsdLiteral(units: bigint, dialect: SqlDialect): string {
  return `CAST(${sqlString(new Money(units, LIST_USD_BOUND_SCALE).toString(), dialect)} AS ${LIST_USD_TYPE})`;
}

/** Unit `requests`: the ordinal's tier, found in order of the (placed) upper bounds. */
function requestsScheduleSql(schedule: FeeSchedule<number>, types: TierSqlTypes): TieredVersionSql {
  const { tiers } = schedule;
  const bound = (i: number) => (i === 0 && schedule.free ? `COALESCE(acct_free_requests, ${tiers[0]!.upTo})` : String(tiers[i]!.upTo));
  const feeOf = (i: number) => {
    const rate = rateSql(tiers[i]!.rate, types);
    return rate === undefined ? `CAST(0 AS ${types.feeType})` : `CAST(cost_usd * ${rate} AS ${types.feeType})`;
  };
  // Tier i ≥ 1 covers (the greater of its lower bound and the free bound, its upper bound]:
  // a row past an earlier WHEN is past both, so testing upper bounds in order finds it.
  const whens = tiers.slice(0, -1).map((_, i) => `WHEN ordinal <= ${bound(i)} THEN ${feeOf(i)}`);
  const fee = whens.length === 0 ? feeOf(0) : `CASE ${whens.join(' ')} ELSE ${feeOf(tiers.length - 1)} END`;
  // ClickHouse 18.16 has no FALSE: a UInt8 0.
  return { free: schedule.free ? `ordinal <= ${bound(0)}` : types.dialect === 'clickhouse' ? '0' : 'FALSE', fee };
}

/** Unit `list-usd`: the interval (list_from, list_to] split over the (placed) tiers. */
function listUsdScheduleSql(schedule: FeeSchedule<bigint>, types: TierSqlTypes): TieredVersionSql {
  const { tiers } = schedule;
  const freeBound = schedule.free ? `COALESCE(acct_free_usd, ${listUsdLiteral(tiers[0]!.upTo!, types.dialect)})` : undefined;
  const upper = (i: number): string | undefined => (i === 0 && freeBound !== undefined ? freeBound : tiers[i]!.upTo === null ? undefined : listUsdLiteral(tiers[i]!.upTo!, types.dialect));
  const lower = (i: number): string | undefined => {
    if (i === 0) return undefined;
    if (freeBound === undefined) return listUsdLiteral(tiers[i - 1]!.upTo!, types.dialect);
    // The free tier ends at the account's bound; later tiers start no lower than it.
    return i === 1 ? freeBound : greatest(listUsdLiteral(tiers[i - 1]!.upTo!, types.dialect), freeBound);
  };
  const parts: string[] = [];
  tiers.forEach((tier, i) => {
    const rate = rateSql(tier.rate, types);
    if (rate === undefined) return;
    const lo = lower(i);
    const hi = upper(i);
    const from = lo === undefined ? 'list_from' : greatest('list_from', lo);
    const to = hi === undefined ? 'list_to' : least('list_to', hi);
    // A typed 0: ClickHouse 18.16 scales the DECIMAL branch wrongly when the other is an integer.
    parts.push(`CAST(${rate} * (CASE WHEN ${to} > ${from} THEN ${to} - ${from} ELSE CAST(0 AS ${LIST_USD_TYPE}) END) AS ${types.feeType})`);
  });
  const fee = parts.length === 0 ? `CAST(0 AS ${types.feeType})` : parts.join('\n        + ');
  // A zero-cost request covers nothing: it is free (D8).
  return { free: freeBound === undefined ? 'cost_usd = 0' : `cost_usd = 0 OR list_to <= ${freeBound}`, fee };
}

/** The free test and uncapped fee of a counted row under `version`, its schedule chosen by `schedule_index`. */
export function tieredVersionSql(version: PolicyVersion, types: TierSqlTypes): TieredVersionSql {
  const terms = version.feeTerms;
  const perSchedule: TieredVersionSql[] =
    terms.unit === 'requests' ? terms.schedules.map((s) => requestsScheduleSql(s, types)) : terms.schedules.map((s) => listUsdScheduleSql(s, types));
  if (perSchedule.length === 1) return perSchedule[0]!;
  const choose = (pick: (s: TieredVersionSql) => string) =>
    `CASE ${perSchedule
      .slice(0, -1)
      .map((s, i) => `WHEN schedule_index = ${i} THEN ${pick(s)}`)
      .join(' ')} ELSE ${pick(perSchedule[perSchedule.length - 1]!)} END`;
  return { free: choose((s) => `(${s.free})`), fee: choose((s) => s.fee) };
}
