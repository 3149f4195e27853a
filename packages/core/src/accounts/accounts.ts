import { InvalidAccountsError } from '../errors.js';
import { Money, pow10 } from '../money/money.js';
import { parseDecimal } from '../money/parseDecimal.js';
import { MAX_MONEY_FRACTION_DIGITS } from '../money/parseMoney.js';
import { MAX_RATE_FRACTION_DIGITS, Rate } from '../money/rate.js';
import { type FeeUnit, LIST_USD_BOUND_SCALE } from '../policy/feeTerms.js';
import { FAILOVER_MODES, type FailoverMode } from '../routing/routeTypes.js';
import { type Scope, isScope } from '../scope/scope.js';

/** Per-scope settings (enterprise plans): an absent field means the policy default. */
export interface AccountSettings {
  readonly failoverMode?: FailoverMode | undefined;
  /**
   * `free_requests` as a whole number: the bound of the free first tier, a number of
   * requests in a version counting `requests` and of dollars in one counting `list-usd`.
   * Read it through `freeBoundOf`, which gives it in a version's unit.
   */
  readonly freeRequests?: number | undefined;
  /**
   * `free_requests` in dollars, when the accounts were read for a policy whose every
   * version counts `list-usd` (`ParseAccountsOptions.units`): then the cell is a decimal
   * and is kept here (never in `freeRequests`).
   */
  readonly freeUsd?: Money | undefined;
  /** `fee_rate`: replaces the rate of every tier of rate > 0, in every schedule. */
  readonly feeRate?: Rate | undefined;
  /** `fee_cap_usd`: the most fee the scope pays in one period (replaces the version's cap, or sets one). */
  readonly feeCapUsd?: Money | undefined;
}

export type Accounts = ReadonlyMap<Scope, AccountSettings>;

/** One row of the accounts file as text, before validation. */
export interface AccountRow {
  readonly scope: string;
  readonly failover_mode?: string | undefined;
  readonly free_requests?: string | undefined;
  readonly fee_rate?: string | undefined;
  readonly fee_cap_usd?: string | undefined;
}

export interface ParseAccountsOptions {
  /**
   * The units the policy's versions count (`feeUnitsOf(policy)`), which say how
   * `free_requests` reads. Default `['requests']`: a whole number. Only when every version
   * counts `list-usd` is it a decimal number of dollars (≤ 12 fractional digits); with
   * both units it is a whole number, read as requests in one version and dollars in the
   * other (one cell serves every version, and a version counting requests needs a count).
   */
  readonly units?: readonly FeeUnit[];
}

/**
 * Validates the rows of an accounts file (`scope,failover_mode,free_requests,fee_rate,
 * fee_cap_usd`, FORMATS.md v1.1). `onError` receives the row index and the bad field so
 * the caller can name the line and column; by default the first problem throws.
 *
 * @example
 * parseAccounts([{ scope: 'org:bigco', failover_mode: 'strict', free_requests: '5000000' }])
 *   .get('org:bigco') //=> { failoverMode: 'strict', freeRequests: 5000000 }
 */
export function parseAccounts(rows: Iterable<AccountRow>, options: ParseAccountsOptions = {}): Map<Scope, AccountSettings> {
  const units = options.units ?? ['requests'];
  const freeInDollars = units.length > 0 && units.every((unit) => unit === 'list-usd');
  const accounts = new Map<Scope, AccountSettings>();
  let index = 0;
  for (const row of rows) {
    const fail = (field: string, problem: string): never => {
      throw new InvalidAccountsError(`accounts row ${index + 1}: ${field} ${problem}`, field);
    };
    /** A plain decimal ≥ 0 with at most `digits` fractional digits, or a failure naming the field. */
    const decimal = (field: string, text: string, digits: number, what: string) => {
      const parsed = parseDecimal(text, { maxFractionDigits: digits, allowNegative: false });
      if (typeof parsed === 'string') fail(field, `${JSON.stringify(text)} is not ${what} (${parsed})`);
      return parsed as Exclude<typeof parsed, string>;
    };
    const scope = row.scope ?? '';
    if (!isScope(scope)) fail('scope', `${JSON.stringify(scope)} is not org:<id> or user:<id>`);
    // A stray space would make a scope that no log row ever matches: refuse it.
    if (scope.trim() !== scope || /^(org|user):\s/.test(scope)) fail('scope', `${JSON.stringify(scope)} has leading or trailing white space`);
    if (accounts.has(scope)) fail('scope', `${JSON.stringify(scope)} appears twice`);
    const settings: { -readonly [K in keyof AccountSettings]: AccountSettings[K] } = {};
    const mode = row.failover_mode ?? '';
    if (mode !== '') {
      if (!(FAILOVER_MODES as readonly string[]).includes(mode)) {
        fail('failover_mode', `${JSON.stringify(mode)} is not one of ${FAILOVER_MODES.join(', ')}`);
      }
      settings.failoverMode = mode as FailoverMode;
    }
    const free = row.free_requests ?? '';
    if (free !== '') {
      if (freeInDollars) {
        const { units: u, scale } = decimal('free_requests', free, MAX_MONEY_FRACTION_DIGITS, `a non-negative dollar amount with at most ${MAX_MONEY_FRACTION_DIGITS} fractional digits (the policy counts list-usd)`);
        settings.freeUsd = new Money(u, scale);
      } else {
        if (!/^\d+$/.test(free) || !Number.isSafeInteger(Number(free))) {
          fail('free_requests', `${JSON.stringify(free)} is not a non-negative whole number${units.includes('list-usd') ? ' (some policy versions count requests)' : ''}`);
        }
        settings.freeRequests = Number(free);
      }
    }
    const rate = row.fee_rate ?? '';
    if (rate !== '') {
      const { units: u, scale } = decimal('fee_rate', rate, MAX_RATE_FRACTION_DIGITS, `a non-negative decimal rate with at most ${MAX_RATE_FRACTION_DIGITS} fractional digits (e.g. 0.03 for 3%)`);
      settings.feeRate = new Rate(u, scale);
    }
    const cap = row.fee_cap_usd ?? '';
    if (cap !== '') {
      const { units: u, scale } = decimal('fee_cap_usd', cap, MAX_MONEY_FRACTION_DIGITS, `a non-negative dollar amount with at most ${MAX_MONEY_FRACTION_DIGITS} fractional digits`);
      settings.feeCapUsd = new Money(u, scale);
    }
    accounts.set(scope, Object.freeze(settings));
    index++;
  }
  return accounts;
}

/**
 * A scope's `free_requests` in a version's unit: a count of requests (`requests`), or
 * integer units of 10^-12 dollars (`list-usd`, as `FeeTerms` bounds are); undefined when
 * the account leaves it to the policy. Throws when the accounts were read for list-usd
 * only (`freeUsd`) and a version counts requests: read them with every version's unit.
 */
export function freeBoundOf(settings: AccountSettings | undefined, unit: 'requests'): number | undefined;
export function freeBoundOf(settings: AccountSettings | undefined, unit: 'list-usd'): bigint | undefined;
export function freeBoundOf(settings: AccountSettings | undefined, unit: FeeUnit): number | bigint | undefined;
export function freeBoundOf(settings: AccountSettings | undefined, unit: FeeUnit): number | bigint | undefined {
  if (settings === undefined) return undefined;
  if (unit === 'requests') {
    if (settings.freeRequests === undefined && settings.freeUsd !== undefined) {
      throw new InvalidAccountsError(
        `free_requests ${settings.freeUsd.toString()} was read as dollars (for a policy counting list-usd), but a version counts requests; read the accounts with every version's unit`,
        'free_requests',
      );
    }
    return settings.freeRequests;
  }
  if (settings.freeUsd !== undefined) return settings.freeUsd.units * pow10(LIST_USD_BOUND_SCALE - settings.freeUsd.scale);
  return settings.freeRequests === undefined ? undefined : BigInt(settings.freeRequests) * pow10(LIST_USD_BOUND_SCALE);
}
