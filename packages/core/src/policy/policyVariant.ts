import { PolicyValidationError } from '../errors.js';
import { Money } from '../money/money.js';
import { parseDecimal } from '../money/parseDecimal.js';
import { formatInstant } from '../time/instant.js';
import { createPeriodCalendar } from '../time/periodCalendar.js';
import { canonicalJson } from './canonicalJson.js';
import { type FeeSchedule, type FeeTerms, type FeeUnit, LIST_USD_BOUND_SCALE, SHORTHAND_SCHEDULE, hasFreeFirstTier } from './feeTerms.js';
import { loadPolicy } from './loadPolicy.js';
import type { Policy, PolicyVersion } from './policyTypes.js';
import { type TierOverride, compareDecimals } from './tierList.js';

/** Parameter values as a policy document writes them (`feeRate` as a decimal string). */
export interface ParameterOverrides {
  /**
   * A shorthand version: its `allowance`, as today. A version given as `fees`: the bound of
   * every free first tier (in the version's unit: requests, or dollars for `list-usd`); a
   * schedule without a free first tier gets none, and 0 removes the free tier.
   */
  readonly allowance?: number;
  /**
   * A shorthand version: its `feeRate`, as today. A version given as `fees`: the rate of
   * every paid tier, i.e. every tier but the free tier (so a fees document and the
   * shorthand it spells out vary alike; an account's `fee_rate` differs: it changes only
   * rates > 0).
   */
  readonly feeRate?: string;
  readonly scopeMode?: 'org' | 'user';
  readonly counts?: 'served' | 'attempted';
  readonly defaultFailoverMode?: 'fallback' | 'strict' | 'credits-first';
  readonly resetTimeZone?: string;
  /**
   * One schedule ("default") replacing every schedule of the version (its schedule rules,
   * which named the old schedules, go too). Bounds are decimal text, read in the unit.
   * `parseTierList` reads the what-if syntax `1000000:0/10000000:0.05/0.03`.
   */
  readonly tiers?: readonly TierOverride[];
  /** What the tiers count; the bounds keep their numbers (with `list-usd` they are dollars). */
  readonly unit?: FeeUnit;
  /** The fee cap in dollars (a decimal string), or null for no cap (`--vary cap=none`). */
  readonly cap?: string | null;
}

export interface VariantOptions {
  /**
   * Which versions take the overrides: `all` (default), or `allowance-bearing`: only
   * versions that grant an allowance (a free first tier in some schedule), so "what if
   * the allowance were 2M" leaves the months before the free tier existed as they were.
   */
  readonly versions?: 'all' | 'allowance-bearing';
  /** The variant's id; default: the base id with the overrides appended. */
  readonly id?: string;
}

/** Fee terms as editable text: bounds as decimal text in the unit, rates as decimal text. */
interface FeesText {
  unit: FeeUnit;
  /** `free`: whether the first tier is the free tier (see `FeeSchedule.free`). */
  schedules: { name: string; free: boolean; tiers: { upTo: string | null; rate: string }[] }[];
  cap: string | undefined;
}

function feesText(terms: FeeTerms): FeesText {
  return {
    unit: terms.unit,
    schedules: (terms.schedules as readonly FeeSchedule<number | bigint>[]).map((schedule) => ({
      name: schedule.name,
      free: schedule.free,
      tiers: schedule.tiers.map((tier) => ({
        upTo: tier.upTo === null ? null : typeof tier.upTo === 'number' ? String(tier.upTo) : new Money(tier.upTo, LIST_USD_BOUND_SCALE).toString(),
        rate: tier.rate.toString(),
      })),
    })),
    cap: terms.capUsd?.toString(),
  };
}

/**
 * The `fees` object of the text: a bound of `requests` is a JSON integer when it is a whole
 * number (else left as text, for the loader to refuse at its path). A document makes a
 * first tier of rate 0 with a bound the free tier: a schedule whose first tier is such but
 * not free cannot be written, and is refused at `path`.
 */
function feesObject(fees: FeesText, path: string): Record<string, unknown> {
  const schedules: Record<string, unknown> = {};
  for (const schedule of fees.schedules) {
    const first = schedule.tiers[0];
    if (first !== undefined && !schedule.free && first.upTo !== null && isZero(first.rate)) {
      throw new PolicyValidationError(
        path,
        `the variant would make schedule ${JSON.stringify(schedule.name)}'s first tier, (0, ${first.upTo}] at rate 0, a free tier, which it is not (the free tier it followed was removed); a policy document cannot say that`,
      );
    }
    schedules[schedule.name] = schedule.tiers.map(({ upTo, rate }) => {
      if (upTo === null) return { rate };
      const whole = /^\d+$/.test(upTo) && Number.isSafeInteger(Number(upTo));
      return { upTo: fees.unit === 'requests' && whole ? Number(upTo) : upTo, rate };
    });
  }
  return fees.cap === undefined ? { unit: fees.unit, schedules } : { unit: fees.unit, schedules, capUsd: fees.cap };
}

/** The decimal a text holds, or undefined when it holds none (the loader then refuses the document). */
function decimalOf(text: string): { units: bigint; scale: number } | undefined {
  const parsed = parseDecimal(text, { maxFractionDigits: 64, allowNegative: false });
  return typeof parsed === 'string' ? undefined : parsed;
}

const isZero = (rate: string) => decimalOf(rate)?.units === 0n;

/** `allowance` on fee terms: the bound of every free first tier (docs/pricing-language.md §3). */
function setFreeBound(fees: FeesText, allowance: number): void {
  const bound = { units: BigInt(allowance), scale: 0 };
  for (const schedule of fees.schedules) {
    const [first, ...rest] = schedule.tiers;
    if (first === undefined || !schedule.free) continue;
    // Tiers the free tier now reaches cover nothing: left out, so bounds still increase.
    const after = rest.filter((tier) => tier.upTo === null || compareDecimals(decimalOf(tier.upTo) ?? bound, bound) > 0);
    schedule.free = allowance > 0;
    schedule.tiers = allowance === 0 ? after : [{ upTo: String(allowance), rate: first.rate }, ...after];
  }
}

/** Whether a version's fee terms come from a `fees` object (its own, or the policy's when it gives no shorthand). */
function givenAsFees(document: VariantDocument, i: number): boolean {
  const own = document.versions[i]!.parameters ?? {};
  if (own.fees !== undefined) return true;
  if (own.allowance !== undefined || own.feeRate !== undefined) return false;
  return document.parameters?.fees !== undefined;
}

interface VariantDocument {
  id: string;
  parameters?: Record<string, unknown>;
  rules?: Record<string, unknown>;
  versions: { parameters?: Record<string, unknown>; rules?: Record<string, unknown>; effectiveFrom?: string }[];
}

/** The version's fee terms with the overrides applied, as a `fees` object. */
function variantFees(document: VariantDocument, i: number, original: PolicyVersion, overrides: ParameterOverrides): Record<string, unknown> {
  let fees: FeesText;
  if (givenAsFees(document, i)) {
    fees = feesText(original.feeTerms);
  } else {
    // A shorthand version: the shorthand's own allowance and fee first, as the shorthand reads them.
    const allowance = overrides.allowance ?? original.parameters.allowance;
    const rate = overrides.feeRate ?? original.parameters.feeRate.toString();
    fees = {
      unit: 'requests',
      schedules: [{ name: SHORTHAND_SCHEDULE, free: allowance > 0, tiers: allowance > 0 ? [{ upTo: String(allowance), rate: '0' }, { upTo: null, rate }] : [{ upTo: null, rate }] }],
      cap: undefined,
    };
  }
  if (overrides.tiers !== undefined) {
    const tiers = overrides.tiers.map((tier) => ({ upTo: tier.upTo ?? null, rate: tier.rate }));
    fees.schedules = [{ name: SHORTHAND_SCHEDULE, free: tiers[0] !== undefined && tiers[0].upTo !== null && isZero(tiers[0].rate), tiers }];
  }
  if (overrides.unit !== undefined) fees.unit = overrides.unit;
  if (givenAsFees(document, i)) {
    if (overrides.allowance !== undefined) setFreeBound(fees, overrides.allowance);
    const feeRate = overrides.feeRate;
    if (feeRate !== undefined) {
      for (const schedule of fees.schedules) {
        // Every tier but the free tier is paid, a tier of rate 0 after it too: as the
        // shorthand's fee sets the rate of its one tier when it has no allowance.
        schedule.tiers = schedule.tiers.map((tier, k) => (schedule.free && k === 0 ? tier : { upTo: tier.upTo, rate: feeRate }));
        // A fee of 0 on a schedule without a free tier leaves every tier at 0 and billable:
        // one tier says so (a first tier of 0 with a bound would be a free tier).
        if (!schedule.free && isZero(feeRate)) schedule.tiers = [{ upTo: null, rate: feeRate }];
      }
    }
  }
  if (overrides.cap !== undefined) fees.cap = overrides.cap ?? undefined;
  return feesObject(fees, `$.versions[${i}].parameters.fees`);
}

/**
 * A policy like `base` with some parameters changed in its versions: the what-if and
 * audit-diagnosis building block. The result is a new document, validated like any other.
 *
 * A version written with the shorthand (`allowance` + `feeRate`) takes `allowance`,
 * `feeRate` and the other parameters as parameters of its own, exactly as before fee
 * schedules existed. A version given as `fees`, or any version when `tiers`, `unit` or
 * `cap` is asked for, gets a `fees` object of its own (docs/pricing-language.md §3):
 * `tiers` replaces every schedule, `unit` reinterprets the bounds, `allowance` sets every
 * free first tier's bound, `feeRate` every paid tier's rate, and `cap` the cap, in that
 * order.
 *
 * @example
 * policyVariant(defaultPolicy(), { scopeMode: 'user' }).versions[1].parameters.scopeMode //=> 'user'
 */
export function policyVariant(base: Policy, overrides: ParameterOverrides, options: VariantOptions = {}): Policy {
  const document = JSON.parse(JSON.stringify(base.document)) as VariantDocument;
  const which = options.versions ?? 'all';
  const feeKnobs = overrides.tiers !== undefined || overrides.unit !== undefined || overrides.cap !== undefined;
  const retiered = new Set<number>();
  // Every version's form is decided on the base document, before any version changes.
  const asFees = document.versions.map((_, i) => givenAsFees(document, i));
  const feeOverrides = feeKnobs || overrides.allowance !== undefined || overrides.feeRate !== undefined;
  // A version keeps its form unless it must change: a shorthand version stays shorthand
  // unless asked for tiers, a unit or a cap; a version given as fees that is asked for no
  // fee change keeps its fees as written.
  const fees = document.versions.map((_, i) => ((asFees[i] && feeOverrides) || feeKnobs ? variantFees(document, i, base.versions[i]!, overrides) : undefined));
  document.versions.forEach((version, i) => {
    const original = base.versions[i]!;
    const bearing = asFees[i] ? original.feeTerms.schedules.some(hasFreeFirstTier) : original.parameters.allowance !== 0;
    if (which === 'allowance-bearing' && !bearing) return;
    const versionFees = fees[i];
    if (versionFees === undefined) {
      version.parameters = { ...(version.parameters ?? {}), ...overrides };
    } else {
      const { allowance: _allowance, feeRate: _feeRate, tiers: _tiers, unit: _unit, cap: _cap, ...rest } = overrides;
      const parameters: Record<string, unknown> = { ...(version.parameters ?? {}), ...rest, fees: versionFees };
      delete parameters.allowance;
      delete parameters.feeRate;
      version.parameters = parameters;
      if (overrides.tiers !== undefined) retiered.add(i);
    }
    // Another reset zone moves the period boundaries: a version then takes effect at the
    // start of the same month in the new zone.
    if (overrides.resetTimeZone !== undefined && original.effectiveFromMs !== null) {
      const label = original.calendar.periodOf({ epochMs: original.effectiveFromMs, nanos: 0 });
      const start = createPeriodCalendar(overrides.resetTimeZone).periodStartMs(label);
      version.effectiveFrom = formatInstant({ epochMs: start, nanos: 0 });
    }
  });
  dropScheduleRules(document, retiered);
  document.id = options.id ?? `${base.id}+${canonicalJson(overrides)}`;
  return loadPolicy(document);
}

/** Versions whose schedules `tiers` replaced lose the schedule rules that named the old ones. */
function dropScheduleRules(document: VariantDocument, retiered: ReadonlySet<number>): void {
  if (retiered.size === 0) return;
  for (const i of retiered) delete document.versions[i]!.rules?.schedule;
  const top = document.rules;
  if (top?.schedule === undefined) return;
  const usersOfTop = document.versions.flatMap((version, i) => (version.rules === undefined ? [i] : []));
  if (usersOfTop.every((i) => retiered.has(i))) {
    delete top.schedule;
    return;
  }
  const { schedule: _schedule, ...withoutSchedule } = top;
  for (const i of usersOfTop) if (retiered.has(i)) document.versions[i]!.rules = JSON.parse(JSON.stringify(withoutSchedule)) as Record<string, unknown>;
}
