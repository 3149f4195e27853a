import { type Policy, type Rate, defaultPolicy } from '@byok-billing/core';
import { daysFromCivil } from '@byok-billing/core/internal';
import { UsageError } from '../exitCodes.js';
import { NO_PLANTED_ERRORS, PLANTED_ERROR_KINDS, type PlantedErrorCounts, type PlantedErrorKind } from './plantedErrors.js';

export const DEFAULT_GENERATION_MONTH = '2025-11';
export const DEFAULT_GENERATION_USERS = 25;
export const DEFAULT_BYOK_SHARE = 0.97;
export const DEFAULT_CANCELLED_SHARE = 0.002;
/**
 * At most this many records: instants are strictly increasing microseconds, so a month
 * holds far more, but a bound keeps a typo from writing terabytes.
 */
export const MAX_GENERATION_RECORDS = 100_000_000;
export const MAX_GENERATION_USERS = 1_000_000;
export const MAX_ORG_ID_LENGTH = 256;
const MS_PER_DAY = 86_400_000;

/** The terms of the policy the generator charges by, as in force for the generated month. */
export interface ChargeTerms {
  /** Free BYOK requests per scope in the month. */
  readonly allowance: number;
  /** The fee on a billable BYOK request's list cost. */
  readonly feeRate: Rate;
  /** The version's label, for the summary. */
  readonly version: string;
}

/** A validated configuration of `byok generate generations` (everything the generator needs). */
export interface GenerationRecordsConfig {
  readonly records: number;
  readonly seed: number;
  /** `YYYY-MM`: the UTC month the records fall in. */
  readonly month: string;
  /** Epoch ms of the month's first instant and of the next month's. */
  readonly startMs: number;
  readonly endMs: number;
  /**
   * The organization the records are imported under (`byok import generations --org`):
   * one allowance for every user. Undefined: each user is an individual with an allowance
   * of their own (imported without --org).
   */
  readonly org: string | undefined;
  readonly users: number;
  /** Probability that a record is served on the customer's key (else on platform credits). */
  readonly byokShare: number;
  /** Probability that a record is cancelled. */
  readonly cancelledShare: number;
  readonly planted: PlantedErrorCounts;
  /** Plant the errors of CROSSING_ERRORS where each scope's allowance runs out. */
  readonly errorsAtCrossing: boolean;
  readonly terms: ChargeTerms;
}

/** The options as commander hands them over. */
export interface GenerationRecordsRawOptions {
  readonly records?: string;
  readonly seed?: string;
  readonly month?: string;
  readonly org?: string;
  readonly users?: string;
  readonly byokShare?: string;
  readonly cancelledShare?: string;
  readonly feeInsideAllowance?: string;
  readonly missingFee?: string;
  readonly wrongFeeRate?: string;
  readonly listPriceOnByok?: string;
  readonly chargeOnCancelled?: string;
  readonly errorsAtCrossing?: boolean;
}

/** The commander attribute of each planted kind's option (`--missing-fee` → `missingFee`). */
export const PLANTED_OPTION_OF: Readonly<Record<PlantedErrorKind, keyof GenerationRecordsRawOptions>> = {
  'fee-inside-allowance': 'feeInsideAllowance',
  'missing-fee': 'missingFee',
  'wrong-fee-rate': 'wrongFeeRate',
  'list-price-on-byok': 'listPriceOnByok',
  'charge-on-cancelled': 'chargeOnCancelled',
};

/** The generator models the default policy's way of counting; another one would make its "correct" fees wrong. */
export class UnsupportedPolicyError extends UsageError {
  constructor(reason: string) {
    super(`the generator cannot charge by this policy: ${reason}`);
    this.name = 'UnsupportedPolicyError';
  }
}

/**
 * Validates the options and fills in the defaults; throws UsageError. `policy` is what
 * the correct records are charged by: the default policy unless a test passes a variant
 * (say, a smaller allowance), which must count as the default policy does.
 */
export function resolveGenerationRecordsConfig(raw: GenerationRecordsRawOptions, policy: Policy = defaultPolicy()): GenerationRecordsConfig {
  const records = wholeNumber('--records', raw.records, 0, MAX_GENERATION_RECORDS);
  if (records === undefined) throw new UsageError('--records is required (e.g. --records 1050000)');
  const seed = wholeNumber('--seed', raw.seed, 0, Number.MAX_SAFE_INTEGER) ?? 1;
  const month = raw.month?.trim() ?? DEFAULT_GENERATION_MONTH;
  const [startMs, endMs] = monthBounds(month);
  const org = raw.org;
  if (org !== undefined) {
    if (org.trim() === '') throw new UsageError('--org must not be empty (leave it out for individual users)');
    if (org.length > MAX_ORG_ID_LENGTH) throw new UsageError(`--org: the org id is longer than ${MAX_ORG_ID_LENGTH} characters`);
  }
  const users = wholeNumber('--users', raw.users, 1, MAX_GENERATION_USERS) ?? DEFAULT_GENERATION_USERS;
  const planted = { ...NO_PLANTED_ERRORS };
  for (const kind of PLANTED_ERROR_KINDS) {
    planted[kind] = wholeNumber(`--${kind}`, raw[PLANTED_OPTION_OF[kind]] as string | undefined, 0, MAX_GENERATION_RECORDS) ?? 0;
  }
  return {
    records,
    seed,
    month,
    startMs,
    endMs,
    org,
    users,
    byokShare: share('--byok-share', raw.byokShare) ?? DEFAULT_BYOK_SHARE,
    cancelledShare: share('--cancelled-share', raw.cancelledShare) ?? DEFAULT_CANCELLED_SHARE,
    planted,
    errorsAtCrossing: raw.errorsAtCrossing === true,
    terms: chargeTermsOf(policy, startMs, endMs),
  };
}

/**
 * The allowance and fee rate in force for the month. The generator counts as the default
 * policy does — per organization (or per individual), requests served on the key, months
 * cut at midnight UTC — so a policy counting otherwise is refused rather than mischarged.
 */
export function chargeTermsOf(policy: Policy, monthStartMs: number, monthEndMs: number): ChargeTerms {
  const version = policy.versionAt({ epochMs: monthStartMs, nanos: 0 });
  const p = version.parameters;
  if (p.scopeMode !== 'org') throw new UnsupportedPolicyError(`scopeMode is ${p.scopeMode}, not org`);
  if (p.counts !== 'served') throw new UnsupportedPolicyError(`counts is ${p.counts}, not served`);
  if (p.resetTimeZone !== 'UTC') throw new UnsupportedPolicyError(`months reset in ${p.resetTimeZone}, not UTC`);
  const next = policy.versions.find((v) => v.effectiveFromMs !== null && v.effectiveFromMs > monthStartMs);
  if (next !== undefined && next.effectiveFromMs! < monthEndMs) {
    throw new UnsupportedPolicyError(`version ${next.version} takes effect inside the month`);
  }
  return { allowance: p.allowance, feeRate: p.feeRate, version: version.version };
}

/** `YYYY-MM` to the epoch ms of its first instant (UTC) and of the next month's. */
export function monthBounds(month: string): [start: number, end: number] {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = m ? Number(m[1]) : Number.NaN;
  const mm = m ? Number(m[2]) : Number.NaN;
  if (!(year >= 1970 && year <= 9998 && mm >= 1 && mm <= 12)) {
    throw new UsageError(`--month ${JSON.stringify(month)}: expected a UTC month as YYYY-MM, e.g. 2025-11`);
  }
  const start = daysFromCivil(year, mm, 1) * MS_PER_DAY;
  const end = daysFromCivil(mm === 12 ? year + 1 : year, mm === 12 ? 1 : mm + 1, 1) * MS_PER_DAY;
  return [start, end];
}

function wholeNumber(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+(_\d+)*$/.test(t)) throw new UsageError(`${name} ${JSON.stringify(text)}: expected a whole number`);
  const n = Number(t.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} ${JSON.stringify(text)}: expected a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`);
  }
  return n;
}

/** A probability (not money: a float is right here), as a fraction or a percentage: 0.97 or 97%. */
function share(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%)?$/.exec(text.trim());
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(value >= 0 && value <= 1)) throw new UsageError(`${name} ${JSON.stringify(text)}: expected a fraction from 0 to 1, e.g. 0.97 or 97%`);
  return value;
}
