/*
 * The fee side of the pricing language (docs/pricing-language.md, issue 16), written from the
 * contract's words for the tests: a fee schedule of graduated tiers over the scope-month's
 * cumulative quantity (counted requests, or their list dollars), several schedules chosen by
 * plain predicates on provider/model, a fee cap per scope-month, and contract terms per scope
 * (free_requests, fee_rate, fee_cap_usd). Money and quantities are bigint; nothing here comes
 * from packages/core (no rule engine, no Money): the reference bill (referenceBill.ts) runs it
 * for a `FeeConfig`, beside its own routing, ordering and sums.
 */
import { COST_SCALE, type OracleMode, readDecimal, unitsAt } from './policyOracle.js';

/** The quantity a schedule's tiers are measured in (contract §1 "Quantity unit"). */
export type FeeUnit = 'requests' | 'list-usd';

/**
 * One tier as the document writes it: `upTo` on every tier but the last (text: a whole number of
 * requests, or dollars for `list-usd`), `rate` a decimal text (`"0.05"` for 5%).
 */
export interface RefTier {
  readonly upTo?: string | undefined;
  readonly rate: string;
}

export type RefSchedule = readonly RefTier[];

/** A condition of a schedule rule, on the two facts the oracle reads (contract §1, "Several schedules"). */
export interface RefCondition {
  readonly fact: 'provider' | 'model';
  readonly operator: 'equal' | 'notEqual' | 'in' | 'notIn';
  /** A string for equal/notEqual, a list for in/notIn. */
  readonly value: string | readonly string[];
}

/** A schedule rule: every condition holds → the request pays by `schedule`; highest priority wins (default 1). */
export interface RefScheduleRule {
  readonly name: string;
  readonly priority?: number | undefined;
  /** All of these hold (`[]`: a catch-all). */
  readonly all: readonly RefCondition[];
  readonly schedule: string;
}

/** A version's fees: the contract's `parameters.fees` plus that version's `rules.schedule`. */
export interface RefFees {
  readonly unit?: FeeUnit | undefined;
  readonly schedules: Readonly<Record<string, RefSchedule>>;
  /** Ordered; may be left out (or empty) when there is exactly one schedule. */
  readonly rules?: readonly RefScheduleRule[] | undefined;
  readonly capUsd?: string | undefined;
}

/** A policy version: its label, the instant it takes effect (the first may leave it out) and its fees. */
export interface RefFeeVersion {
  readonly version: string;
  readonly description?: string | undefined;
  /** `YYYY-MM-01T00:00:00Z` (a UTC month start). */
  readonly effectiveFrom?: string | undefined;
  readonly fees: RefFees;
}

/** A line of the accounts file (FORMATS.md v1.1); an absent or empty cell means the policy's value. */
export interface RefFeeAccount {
  readonly scope: string;
  readonly failover_mode?: string | undefined;
  readonly free_requests?: string | undefined;
  readonly fee_rate?: string | undefined;
  readonly fee_cap_usd?: string | undefined;
}

/** The oracle's config for a policy written in the pricing language, plus its accounts file. */
export interface FeeConfig {
  /** The policy's id (the bill's `policy.id`); `byok-oracle` when left out. */
  readonly id?: string | undefined;
  readonly title?: string | undefined;
  /** In increasing effectiveFrom order; the last one is the policy's `version`. */
  readonly versions: readonly RefFeeVersion[];
  readonly counts: 'served' | 'attempted';
  readonly scopeMode: 'org' | 'user';
  readonly defaultFailoverMode: OracleMode;
  readonly accounts: readonly RefFeeAccount[];
}

/** Rates carry at most 12 fractional digits: a rate is an integer of 10^-12. */
export const RATE_SCALE = 12;
/** A fee is a rate times dollars: an integer of 10^-24 dollars. */
export const FEE_SCALE = COST_SCALE + RATE_SCALE;

const rateUnits = (text: string): bigint => {
  const d = readDecimal(text);
  if (d.units < 0n) throw new Error(`reference fees: negative rate ${text}`);
  return unitsAt(d, RATE_SCALE);
};

/** A bound or an account's free_requests in quantity units: requests as a count, dollars as 10^-12. */
function quantityUnits(text: string, unit: FeeUnit): bigint {
  const d = readDecimal(text);
  if (d.units < 0n) throw new Error(`reference fees: negative quantity ${text}`);
  if (unit === 'list-usd') return unitsAt(d, COST_SCALE);
  if (d.units % 10n ** BigInt(d.scale) !== 0n) throw new Error(`reference fees: ${text} is not a whole number of requests`);
  return d.units / 10n ** BigInt(d.scale);
}

/** A tier with its effective interval `(lo, hi]` (hi null: unbounded) in quantity units and its rate. */
export interface EffectiveTier {
  readonly lo: bigint;
  readonly hi: bigint | null;
  readonly rate: bigint; // RATE_SCALE
}

/** A scope's contract terms, read from its account line (empty cells: none). */
export interface Terms {
  readonly freeRequests?: string | undefined;
  readonly feeRate?: string | undefined;
  readonly feeCapUsd?: string | undefined;
}

export function termsOf(account: RefFeeAccount | undefined): Terms {
  const cell = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  return { freeRequests: cell(account?.free_requests), feeRate: cell(account?.fee_rate), feeCapUsd: cell(account?.fee_cap_usd) };
}

/**
 * A schedule as one scope pays it (contract §1, "Contract terms per scope"): `fee_rate` replaces
 * the rate of every tier of rate > 0; `free_requests` becomes the bound q1 of the free tier when
 * the schedule's first tier has rate 0 and is not its only tier (a lone tier has no bound), and
 * the later bounds ≤ q1 become empty tiers (a bound b is read as max(b, q1)).
 */
export function effectiveTiers(schedule: RefSchedule, unit: FeeUnit, terms: Terms): EffectiveTier[] {
  if (schedule.length === 0) throw new Error('reference fees: an empty schedule');
  let bounds = schedule.slice(0, -1).map((t, i) => {
    if (t.upTo === undefined) throw new Error(`reference fees: tier ${i + 1} has no upTo`);
    return quantityUnits(t.upTo, unit);
  });
  if (schedule[schedule.length - 1]!.upTo !== undefined) throw new Error('reference fees: the last tier has an upTo');
  for (let i = 0; i < bounds.length; i++) {
    if (bounds[i]! <= (i === 0 ? 0n : bounds[i - 1]!)) throw new Error('reference fees: bounds must be > 0 and strictly increase');
  }
  const policyRates = schedule.map((t) => rateUnits(t.rate));
  const rates = terms.feeRate === undefined ? policyRates : policyRates.map((r) => (r > 0n ? rateUnits(terms.feeRate!) : r));
  if (terms.freeRequests !== undefined && policyRates[0] === 0n && bounds.length > 0) {
    const q1 = quantityUnits(terms.freeRequests, unit);
    bounds = bounds.map((b, i) => (i === 0 ? q1 : b > q1 ? b : q1));
  }
  return rates.map((rate, i) => ({ lo: i === 0 ? 0n : bounds[i - 1]!, hi: i < bounds.length ? bounds[i]! : null, rate }));
}

const holds = (c: RefCondition, facts: { provider: string; model: string }): boolean => {
  const fact = facts[c.fact];
  const list = typeof c.value === 'string' ? [c.value] : c.value;
  switch (c.operator) {
    case 'equal':
      return fact === c.value;
    case 'notEqual':
      return fact !== c.value;
    case 'in':
      return list.includes(fact);
    case 'notIn':
      return !list.includes(fact);
  }
};

/**
 * The schedule a request pays by: the one schedule when there are no rules, else the schedule of
 * the matching rules of the highest priority (default 1). No match, or two schedules at the top,
 * is a policy the loader refuses: an error here.
 */
export function chooseSchedule(fees: RefFees, provider: string, model: string): string {
  const names = Object.keys(fees.schedules);
  const rules = fees.rules ?? [];
  if (rules.length === 0) {
    if (names.length !== 1) throw new Error('reference fees: several schedules and no rules');
    return names[0]!;
  }
  const matching = rules.filter((r) => r.all.every((c) => holds(c, { provider, model })));
  if (matching.length === 0) throw new Error(`reference fees: no schedule rule matches provider ${JSON.stringify(provider)} model ${JSON.stringify(model)}`);
  const top = Math.max(...matching.map((r) => r.priority ?? 1));
  const chosen = new Set(matching.filter((r) => (r.priority ?? 1) === top).map((r) => r.schedule));
  if (chosen.size !== 1) throw new Error(`reference fees: ambiguous schedule rules (${[...chosen].join(', ')})`);
  const name = [...chosen][0]!;
  if (!names.includes(name)) throw new Error(`reference fees: a rule names the unknown schedule ${name}`);
  return name;
}

/** What a counted request's position in the tiers gives: free or not, and its uncapped fee (FEE_SCALE). */
export interface TierCharge {
  readonly free: boolean;
  readonly fee: bigint;
}

/**
 * Whether a schedule has a free tier (contract §1, "Free and billable", as of 2cc3861): its first
 * tier, when the policy gives it rate 0 and a bound (the allowance). Contract terms never make a
 * tier free or paid; a rate-0 tier anywhere else is a paid tier that charges 0.
 */
export function hasFreeTier(schedule: RefSchedule): boolean {
  return schedule.length > 1 && rateUnits(schedule[0]!.rate) === 0n;
}

/**
 * Unit `requests`: the counted request of ordinal k lies in the one tier with lo < k ≤ hi; it is
 * free when that tier is the schedule's free tier (`freeTier`: the first tier is one), and its fee
 * is that tier's rate × its list cost.
 */
export function requestsUnitCharge(tiers: readonly EffectiveTier[], ordinal: bigint, costUnits: bigint, freeTier: boolean): TierCharge {
  const tier = tiers.find((t) => t.lo < ordinal && (t.hi === null || ordinal <= t.hi));
  if (tier === undefined) throw new Error('reference fees: no tier holds the ordinal');
  return { free: freeTier && tier === tiers[0], fee: tier.rate * costUnits };
}

/**
 * Unit `list-usd`: a request moving the counter from C to C + cost covers (C, C + cost] and pays,
 * for every tier, rate × |(C, C + cost] ∩ (lo, hi]|. It is free when its cost is 0 or its
 * interval lies within the schedule's free tier (0, q1] (`freeTier`: the first tier is one).
 */
export function listUsdCharge(tiers: readonly EffectiveTier[], counterBefore: bigint, costUnits: bigint, freeTier: boolean): TierCharge {
  const from = counterBefore;
  const to = counterBefore + costUnits;
  let fee = 0n;
  for (const t of tiers) {
    const lo = from > t.lo ? from : t.lo;
    const hi = t.hi === null || to < t.hi ? to : t.hi;
    if (hi <= lo) continue;
    fee += t.rate * (hi - lo);
  }
  const q1 = tiers[0]!.hi;
  return { free: costUnits === 0n || (freeTier && q1 !== null && to <= q1), fee };
}

/** The version in force at an instant: the last whose effectiveFrom is ≤ it (the first has none). */
export function versionAt(config: FeeConfig, epochMs: number): RefFeeVersion {
  let chosen: RefFeeVersion | undefined;
  for (const v of config.versions) {
    if (v.effectiveFrom === undefined || Date.parse(v.effectiveFrom) <= epochMs) chosen = v;
  }
  if (chosen === undefined) throw new Error('reference fees: no version in force');
  return chosen;
}

/** What the fee oracle says about one request (for the reference bill). */
export interface FeeStep {
  /** For a BYOK request: free or billable. */
  readonly status: 'free' | 'billable' | null;
  /** The fee it pays (FEE_SCALE), after the cap: non-zero only for a billable BYOK request. */
  readonly fee: bigint;
  /** The fee before the cap (FEE_SCALE). */
  readonly uncappedFee: bigint;
  readonly schedule: string | null;
}

export interface FeeRequest {
  /** The scope-month's key (scope and period). */
  readonly line: string;
  /** The billing scope's account line. */
  readonly account: RefFeeAccount | undefined;
  readonly epochMs: number;
  readonly counted: boolean;
  /** The counted request's ordinal in its scope-month (1-based), when counted. */
  readonly ordinal: number | null;
  readonly byok: boolean;
  readonly costUnits: bigint; // COST_SCALE
  readonly provider: string;
  readonly model: string;
}

/**
 * The fee state of every scope-month: fed the requests in allowance order (D1), one call each.
 * A counted request moves its scope-month's counter (one unit, or its list cost); a BYOK
 * request is free or billable by its position, pays its tiered fee in its own schedule's rates
 * (every schedule shares the counter), and the fees of a scope-month stop at its cap: the
 * request whose fee reaches the cap pays the remainder, later ones 0.
 */
export class ReferenceFees {
  private readonly counters = new Map<string, bigint>();
  private readonly feesSoFar = new Map<string, bigint>();

  constructor(private readonly config: FeeConfig) {}

  next(r: FeeRequest): FeeStep {
    const version = versionAt(this.config, r.epochMs);
    const unit = version.fees.unit ?? 'requests';
    const before = this.counters.get(r.line) ?? 0n;
    if (r.counted) this.counters.set(r.line, before + (unit === 'requests' ? 1n : r.costUnits));
    if (!r.byok) return { status: null, fee: 0n, uncappedFee: 0n, schedule: null };
    if (!r.counted || r.ordinal === null) throw new Error('reference fees: a BYOK request that does not count');
    const terms = termsOf(r.account);
    const schedule = chooseSchedule(version.fees, r.provider, r.model);
    const tiers = effectiveTiers(version.fees.schedules[schedule]!, unit, terms);
    const freeTier = hasFreeTier(version.fees.schedules[schedule]!);
    const { free, fee } = unit === 'requests' ? requestsUnitCharge(tiers, BigInt(r.ordinal), r.costUnits, freeTier) : listUsdCharge(tiers, before, r.costUnits, freeTier);
    if (free) return { status: 'free', fee: 0n, uncappedFee: 0n, schedule };
    const capText = terms.feeCapUsd ?? version.fees.capUsd;
    let paid = fee;
    if (capText !== undefined) {
      const cap = unitsAt(readDecimal(capText), FEE_SCALE);
      if (cap < 0n) throw new Error('reference fees: a negative cap');
      const sofar = this.feesSoFar.get(r.line) ?? 0n;
      const room = cap - sofar;
      paid = fee < room ? fee : room;
    }
    this.feesSoFar.set(r.line, (this.feesSoFar.get(r.line) ?? 0n) + paid);
    return { status: 'billable', fee: paid, uncappedFee: fee, schedule };
  }
}

/**
 * Today's shorthand as the contract reads it (§2): `allowance: A, feeRate: R` is one schedule
 * `default`, `[ {upTo: A, rate: "0"}, {rate: R} ]` when A > 0, else `[ {rate: R} ]`.
 */
export function shorthandFees(allowance: number, feeRate: string): RefFees {
  return {
    unit: 'requests',
    schedules: { default: allowance > 0 ? [{ upTo: String(allowance), rate: '0' }, { rate: feeRate }] : [{ rate: feeRate }] },
  };
}

/**
 * A reference config of today's shape (`allowance`, `feeRate` from 2025-10-01, the 2024 version
 * without a free tier) as a FeeConfig with the same two versions as the default policy document.
 */
export function feeConfigOfShorthand(config: {
  readonly allowance: number;
  readonly feeRate: string;
  readonly counts: 'served' | 'attempted';
  readonly scopeMode: 'org' | 'user';
  readonly defaultFailoverMode: OracleMode;
  readonly accounts: readonly RefFeeAccount[];
}): FeeConfig {
  return {
    versions: [
      { version: '2024-byok-fee', fees: shorthandFees(0, config.feeRate) },
      { version: '2025-10-free-million', effectiveFrom: '2025-10-01T00:00:00Z', fees: shorthandFees(config.allowance, config.feeRate) },
    ],
    counts: config.counts,
    scopeMode: config.scopeMode,
    defaultFailoverMode: config.defaultFailoverMode,
    accounts: config.accounts,
  };
}
