import {
  type Accounts,
  type AccountSettings,
  ByokError,
  FAILOVER_MODES,
  FEE_UNITS,
  Rate,
  type FailoverMode,
  type FeeUnit,
  type ParameterOverrides,
  type Policy,
  type TierOverride,
  assertTimeZone,
  parseMoney,
  parseRate,
  parseTierList,
  policyVariant,
} from '@byok-billing/core';
import { UsageError } from '../exitCodes.js';
import { loadPolicyFile } from '../io/loadPolicyFile.js';
import { describeTierOverrides, dollars } from './describeFees.js';

/** One policy to replay the log under. */
export interface Variant {
  readonly name: string;
  readonly policy: Policy;
  /** Every scope's failover mode, when the variant forces one (accounts' modes are then ignored). */
  readonly failoverMode: FailoverMode | null;
}

/** The parameters `--vary` understands, with the names people type. */
const PARAMETERS: Readonly<Record<string, 'allowance' | 'feeRate' | 'scopeMode' | 'counts' | 'failoverMode' | 'resetTimeZone' | 'tiers' | 'unit' | 'cap'>> = {
  allowance: 'allowance',
  fee: 'feeRate',
  feeRate: 'feeRate',
  rate: 'feeRate',
  scope: 'scopeMode',
  scopeMode: 'scopeMode',
  counts: 'counts',
  failover: 'failoverMode',
  failoverMode: 'failoverMode',
  zone: 'resetTimeZone',
  resetTimeZone: 'resetTimeZone',
  'reset-zone': 'resetTimeZone',
  tiers: 'tiers',
  unit: 'unit',
  cap: 'cap',
};

/**
 * One value of a varied parameter. `label` names it in the variant's name; the fee knobs'
 * labels are made once the whole grid point is known (`labelOf`: tiers read in its unit).
 */
type Setting =
  | { readonly key: 'allowance'; readonly value: number; readonly label: string }
  | { readonly key: 'feeRate' | 'scopeMode' | 'counts' | 'failoverMode' | 'resetTimeZone'; readonly value: string; readonly label: string }
  | { readonly key: 'tiers'; readonly value: readonly TierOverride[]; readonly label: string }
  | { readonly key: 'unit'; readonly value: FeeUnit; readonly label: string }
  | { readonly key: 'cap'; readonly value: string | null; readonly label: string };

const TIERS_EXAMPLE = 'e.g. tiers=1000000:0/10000000:0.05/0.03 (tiers separated by /, each upTo:rate, the last a rate alone)';

function parseTiers(text: string): readonly TierOverride[] {
  const tiers = parseTierList(text);
  if (typeof tiers === 'string') throw new UsageError(`--vary tiers=${text}: ${tiers}; ${TIERS_EXAMPLE}`);
  return tiers;
}

/** `none` → no cap; `2000`, `0.5` → the cap in dollars, exact. */
function parseCap(text: string): string | null {
  if (text === 'none') return null;
  try {
    return parseMoney(text, { field: 'cap' }).normalize().toString();
  } catch (error) {
    throw new UsageError(`--vary cap=${text}: ${(error as Error).message}; write none or a fee cap per scope-month in dollars, e.g. cap=none,2000`);
  }
}

/** `500k`, `1M`, `2000000` → a whole number of requests. */
function parseAllowance(text: string): number {
  const m = /^(\d+)(k|K|m|M)?$/.exec(text);
  if (!m) throw new UsageError(`--vary allowance: ${JSON.stringify(text)} is not a whole number (e.g. 500k, 1M, 2000000)`);
  const n = Number(m[1]) * (m[2] === undefined ? 1 : /k/i.test(m[2]) ? 1_000 : 1_000_000);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--vary allowance: ${text} is too large`);
  return n;
}

/**
 * `3%` or `0.03` → the decimal fraction as text, exactly. A bare number is a fraction, so
 * it may be at most 1 (100%): `fee=5` would be a 500% fee, and is far more likely someone
 * meaning 5%, so it is refused with both readings spelled out. A rate above 100% can
 * still be asked for, written as a percentage (`fee=150%`), where nothing is ambiguous.
 */
function parseFee(text: string): string {
  if (text.endsWith('%')) {
    const percent = readRate(text.slice(0, -1));
    // Dividing by 100 moves the decimal point: exact.
    return new Rate(percent.units, percent.scale + 2).toString();
  }
  const rate = readRate(text);
  if (rate.units > 10n ** BigInt(rate.scale)) {
    const meant = new Rate(rate.units, rate.scale + 2); // the rate if `text` was meant as a percentage
    throw new UsageError(
      `--vary fee=${text} would be a ${rate.toPercentString()} fee: for ${meant.toPercentString()} write fee=${meant.toPercentString()} or fee=${meant.toString()}; a rate above 100% must be written with % (fee=${rate.toPercentString()})`,
    );
  }
  return rate.toString();
}

function readRate(number: string): Rate {
  try {
    return parseRate(number);
  } catch (error) {
    throw new UsageError(`--vary fee: ${(error as Error).message} (write 3% or 0.03)`);
  }
}

function parseSetting(key: Setting['key'], raw: string): Setting {
  switch (key) {
    case 'allowance': {
      const n = parseAllowance(raw);
      return { key, value: n, label: `allowance=${raw}` };
    }
    case 'feeRate':
      return { key, value: parseFee(raw), label: `fee=${raw}` };
    case 'scopeMode':
      if (raw !== 'org' && raw !== 'user') throw new UsageError(`--vary scope: ${JSON.stringify(raw)} is not org or user`);
      return { key, value: raw, label: `scope=${raw}` };
    case 'counts':
      if (raw !== 'served' && raw !== 'attempted') throw new UsageError(`--vary counts: ${JSON.stringify(raw)} is not served or attempted`);
      return { key, value: raw, label: `counts=${raw}` };
    case 'failoverMode':
      if (!(FAILOVER_MODES as readonly string[]).includes(raw)) throw new UsageError(`--vary failover: ${JSON.stringify(raw)} is not one of ${FAILOVER_MODES.join(', ')}`);
      return { key, value: raw, label: `failover=${raw}` };
    case 'resetTimeZone':
      try {
        assertTimeZone(raw);
      } catch (error) {
        throw new UsageError(`--vary zone: ${(error as Error).message}`);
      }
      return { key, value: raw, label: `zone=${raw}` };
    case 'tiers':
      return { key, value: parseTiers(raw), label: `tiers=${raw}` };
    case 'unit':
      if (!(FEE_UNITS as readonly string[]).includes(raw)) throw new UsageError(`--vary unit=${raw}: ${JSON.stringify(raw)} is not one of ${FEE_UNITS.join(', ')}`);
      return { key, value: raw as FeeUnit, label: `unit=${raw}` };
    case 'cap': {
      const cap = parseCap(raw);
      return { key, value: cap, label: `cap=${cap === null ? 'none' : dollars(cap)}` };
    }
  }
}

/** The fee unit a grid point bills in: its own `unit`, else the baseline's latest version's. */
function unitOf(base: Policy, settings: readonly Setting[]): FeeUnit {
  const unit = settings.find((s) => s.key === 'unit');
  return unit !== undefined ? (unit.value as FeeUnit) : base.versions[base.versions.length - 1]!.feeTerms.unit;
}

/** A setting's part of a variant's name: a schedule in words (`tiers=0–1M free · 1M–10M 5% · >10M 3%`, dollars in list-usd). */
function labelOf(base: Policy, settings: readonly Setting[], s: Setting): string {
  return s.key === 'tiers' ? `tiers=${describeTierOverrides(s.value, unitOf(base, settings))}` : s.label;
}

const VALUE_EXAMPLES: Partial<Record<Setting['key'], string>> = {
  allowance: '500k,1M,2M',
  feeRate: '3%,5%,7%',
  tiers: '1000000:0/10000000:0.05/0.03,1000000:0/0.04',
  unit: 'requests,list-usd',
  cap: 'none,2000',
};

/** Parses one `--vary PARAM=V1,V2,...`. */
export function parseVary(text: string): Setting[] {
  const eq = text.indexOf('=');
  const name = eq === -1 ? text : text.slice(0, eq);
  const key = Object.prototype.hasOwnProperty.call(PARAMETERS, name) ? PARAMETERS[name] : undefined;
  if (key === undefined) throw new UsageError(`--vary ${JSON.stringify(name)}: unknown parameter; use allowance, fee, scope, counts, failover, zone, tiers, unit or cap`);
  const values = eq === -1 ? [] : text.slice(eq + 1).split(',').filter((v) => v !== '');
  if (values.length === 0) throw new UsageError(`--vary ${name}: give one or more values, e.g. --vary ${name}=${VALUE_EXAMPLES[key] ?? '...'}`);
  return values.map((v) => parseSetting(key, v));
}

/** The variant a grid point makes of the baseline. */
function applySettings(base: Policy, settings: readonly Setting[], name: string): Variant {
  const overrides: Record<string, unknown> = {};
  let failoverMode: FailoverMode | null = null;
  let allowance: number | undefined;
  let unit: FeeUnit | undefined;
  for (const s of settings) {
    if (s.key === 'failoverMode') {
      failoverMode = s.value as FailoverMode;
      overrides.defaultFailoverMode = s.value;
    } else if (s.key === 'allowance') allowance = s.value;
    else if (s.key === 'unit') unit = s.value;
    else overrides[s.key] = s.value;
  }
  const id = `${base.id}+${name}`;
  try {
    // Tiers, fee and cap change every version (docs/pricing-language.md §3); then the
    // allowance, which changes only versions that grant one: months before the free tier stay
    // paid; then the unit, which reads the bounds so set in its own unit (allowance=100 with
    // unit=requests on a list-usd policy: 100 requests, never first "$2.50 requests").
    let policy = Object.keys(overrides).length > 0 ? policyVariant(base, overrides as ParameterOverrides, { id }) : base;
    if (allowance !== undefined) policy = policyVariant(policy, { allowance }, { versions: 'allowance-bearing', id });
    if (unit !== undefined) policy = policyVariant(policy, { unit }, { id });
    return { name, policy, failoverMode };
  } catch (error) {
    // A combination the policy language cannot say (a bound of 1.5 requests, a free tier removed under its rate-0 tier).
    if (!(error instanceof ByokError)) throw error;
    throw new UsageError(`--vary ${settings.map((s) => s.label).join(' ')}: the variant's policy is refused: ${error.message}`);
  }
}

export interface VariantSpec {
  /** `--policy NAME=FILE`, repeatable. */
  readonly policies: readonly string[];
  /** `--vary PARAM=V1,V2`, repeatable: the variants are the grid of all combinations. */
  readonly vary: readonly string[];
}

/**
 * The variants to compare: the named policies, then the grid of `--vary` values applied to
 * the baseline. The baseline is the first named policy, or the built-in policy ("current").
 */
export function buildVariants(spec: VariantSpec): Variant[] {
  const named = spec.policies.map((text) => {
    const eq = text.indexOf('=');
    if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--policy ${JSON.stringify(text)}: write NAME=FILE`);
    return { name: text.slice(0, eq), policy: loadPolicyFile(text.slice(eq + 1)), failoverMode: null } satisfies Variant;
  });
  const baseline: Variant = named[0] ?? { name: 'current', policy: loadPolicyFile(undefined), failoverMode: null };
  const variants: Variant[] = named.length > 0 ? [...named] : [baseline];
  let grid: Setting[][] = [[]];
  for (const vary of spec.vary) {
    const settings = parseVary(vary);
    grid = grid.flatMap((combo) => settings.map((s) => [...combo.filter((c) => c.key !== s.key), s]));
  }
  if (spec.vary.length > 0) {
    for (const combo of grid) variants.push(applySettings(baseline.policy, combo, combo.map((s) => labelOf(baseline.policy, combo, s)).join(' ')));
  }
  const names = new Set<string>();
  for (const v of variants) {
    if (names.has(v.name)) throw new UsageError(`two variants are named ${JSON.stringify(v.name)}`);
    names.add(v.name);
  }
  if (variants.length < 2) throw new UsageError('give at least two variants: --policy NAME=FILE (repeatable) and/or --vary PARAM=V1,V2,...');
  return variants;
}

/** The accounts a variant sees: a forced failover mode replaces every account's. */
export function accountsFor(variant: Variant, accounts: Accounts | undefined): Accounts | undefined {
  if (variant.failoverMode === null || accounts === undefined) return accounts;
  const out = new Map<string, AccountSettings>();
  for (const [scope, settings] of accounts) out.set(scope, { freeRequests: settings.freeRequests });
  return out;
}
