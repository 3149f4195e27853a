import { PolicyValidationError } from '../errors.js';
import { Money, pow10 } from '../money/money.js';
import { parseDecimal } from '../money/parseDecimal.js';
import { parseMoney } from '../money/parseMoney.js';
import { type Rate, parseRate } from '../money/rate.js';
import { child } from '../validation/jsonPath.js';
import { describe, readArray, readEnum, readObject, readString } from '../validation/readJson.js';
import { InvalidArgumentError } from '../errors.js';
import { FEE_UNITS, type FeeSchedule, type FeeTerms, type FeeTier, type FeeUnit, LIST_USD_BOUND_SCALE, freezeFeeTerms, startsFree } from './feeTerms.js';

/** A schedule's name (docs/pricing-language.md §2). */
export const SCHEDULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Reads a rate written as a decimal string, with the loader's advice on how to write one. */
export function readRateText(value: unknown, path: string): Rate {
  const text = readString(value, path);
  try {
    return parseRate(text);
  } catch (e) {
    throw new PolicyValidationError(path, `${(e as Error).message} (write the rate as a decimal string, e.g. "0.05" for 5%)`);
  }
}

function readBound(value: unknown, path: string, unit: FeeUnit): number | bigint {
  if (unit === 'requests') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new PolicyValidationError(path, `must be a whole number of requests from 1 to ${Number.MAX_SAFE_INTEGER} (a JSON integer; the unit is "requests"), got ${describe(value)}`);
    }
    return value;
  }
  const problem = `must be a dollar amount > 0 written as a decimal string with at most ${LIST_USD_BOUND_SCALE} fractional digits (the unit is "list-usd"), e.g. "1000"`;
  if (typeof value !== 'string') throw new PolicyValidationError(path, `${problem}, got ${describe(value)}`);
  const parsed = parseDecimal(value, { maxFractionDigits: LIST_USD_BOUND_SCALE, allowNegative: false });
  if (typeof parsed === 'string') throw new PolicyValidationError(path, `${problem}; ${JSON.stringify(value)}: ${parsed}`);
  if (parsed.units === 0n) throw new PolicyValidationError(path, `${problem}, got ${JSON.stringify(value)}`);
  return parsed.units * pow10(LIST_USD_BOUND_SCALE - parsed.scale);
}

function formatBound(bound: number | bigint): string {
  return typeof bound === 'number' ? String(bound) : new Money(bound, LIST_USD_BOUND_SCALE).toString();
}

function readSchedule(value: unknown, path: string, unit: FeeUnit): FeeTier<number | bigint>[] {
  const items = readArray(value, path);
  if (items.length === 0) throw new PolicyValidationError(path, 'must hold at least one tier (the last, { "rate": … }, covers everything beyond the others)');
  let previous: number | bigint | undefined;
  return items.map((item, i) => {
    const tierPath = child(path, i);
    const obj = readObject(item, tierPath, ['upTo', 'rate']);
    const last = i === items.length - 1;
    let upTo: number | bigint | null = null;
    if (last) {
      if (obj.upTo !== undefined) {
        throw new PolicyValidationError(child(tierPath, 'upTo'), 'the last tier has no bound (it covers everything beyond the previous one): remove upTo, or add a tier after this one');
      }
    } else {
      if (obj.upTo === undefined) throw new PolicyValidationError(child(tierPath, 'upTo'), 'is required on every tier but the last');
      upTo = readBound(obj.upTo, child(tierPath, 'upTo'), unit);
      if (previous !== undefined && upTo <= previous) {
        throw new PolicyValidationError(child(tierPath, 'upTo'), `must be greater than the previous tier's bound (${formatBound(previous)}): bounds strictly increase`);
      }
      previous = upTo;
    }
    return { upTo, rate: readRateText(obj.rate, child(tierPath, 'rate')) };
  });
}

/**
 * Reads and compiles a `fees` object (docs/pricing-language.md §2): `unit` (default
 * `requests`), `schedules` (named, each a non-empty array of tiers), optional `capUsd`.
 * Every problem is a `PolicyValidationError` at its JSON path.
 */
export function readFees(value: unknown, path: string): FeeTerms {
  const obj = readObject(value, path, ['unit', 'schedules', 'capUsd']);
  const unit: FeeUnit = obj.unit === undefined ? 'requests' : readEnum(obj.unit, child(path, 'unit'), FEE_UNITS);
  const schedulesPath = child(path, 'schedules');
  const raw = obj.schedules;
  // Names are the keys: every key is allowed, but readObject still refuses a non-object and
  // the keys that could pollute prototypes.
  const byName = readObject(raw, schedulesPath, raw !== null && typeof raw === 'object' ? Object.keys(raw) : []);
  const names = Object.keys(byName).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) throw new PolicyValidationError(schedulesPath, 'must name at least one schedule, e.g. { "standard": [ { "rate": "0.05" } ] }');
  const schedules: FeeSchedule<number | bigint>[] = names.map((name) => {
    const schedulePath = child(schedulesPath, name);
    if (!SCHEDULE_NAME.test(name)) {
      throw new PolicyValidationError(schedulePath, 'a schedule name is 1 to 64 characters of A-Z, a-z, 0-9, "_", "." and "-"');
    }
    const tiers = readSchedule(byName[name], schedulePath, unit);
    return { name, free: startsFree(tiers), tiers };
  });
  let capUsd: Money | undefined;
  if (obj.capUsd !== undefined) {
    const capPath = child(path, 'capUsd');
    const text = readString(obj.capUsd, capPath);
    try {
      capUsd = parseMoney(text);
    } catch (e) {
      throw new PolicyValidationError(capPath, `${(e as Error).message} (write the cap as a decimal string of dollars, e.g. "2000")`);
    }
  }
  return freezeFeeTerms({ unit, schedules, capUsd } as FeeTerms);
}

/** A `fees` object as a policy document writes it (bounds in the unit's JSON form). */
export interface FeesDocument {
  readonly unit: FeeUnit;
  readonly schedules: Readonly<Record<string, readonly { readonly upTo?: number | string; readonly rate: string }[]>>;
  readonly capUsd?: string;
}

/**
 * The `fees` object that compiles to `terms` (rates and amounts in canonical decimal
 * form). Terms a document cannot say are refused: a schedule whose first tier has rate 0
 * and a bound but is not free (contract terms applied by `placeTiers` can make one).
 *
 * @example
 * readFees(feesDocument(terms), '$') // equal to terms
 */
export function feesDocument(terms: FeeTerms): FeesDocument {
  const schedules: Record<string, { upTo?: number | string; rate: string }[]> = {};
  for (const schedule of terms.schedules as readonly FeeSchedule<number | bigint>[]) {
    if (schedule.free !== startsFree(schedule.tiers)) {
      throw new InvalidArgumentError(`byok-billing: schedule ${JSON.stringify(schedule.name)} cannot be written as a fees document: its first tier is ${schedule.free ? '' : 'not '}free`);
    }
    schedules[schedule.name] = schedule.tiers.map((tier) =>
      tier.upTo === null ? { rate: tier.rate.toString() } : { upTo: typeof tier.upTo === 'number' ? tier.upTo : formatBound(tier.upTo), rate: tier.rate.toString() },
    );
  }
  return terms.capUsd === undefined ? { unit: terms.unit, schedules } : { unit: terms.unit, schedules, capUsd: terms.capUsd.toString() };
}
