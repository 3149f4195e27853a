/*
 * A FeeConfig (the fee oracle's plain config, referenceFees.ts) written as the inputs the
 * engines read: a policy document in the pricing language's format (docs/pricing-language.md
 * §2, FORMATS.md's byok-policy/v1 with `parameters.fees` and `rules.schedule`) and an accounts
 * file (FORMATS.md v1.1), so a differential test feeds one case to the oracle and the engines.
 * The routing and charge rules are the default policy's (the oracle implements exactly those).
 */
import { createHash } from 'node:crypto';
import { defaultPolicyDocument } from '@byok-billing/core';
import type { FeeConfig, RefFees, RefScheduleRule, RefSchedule } from './referenceFees.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface DocumentOptions {
  /**
   * Write a version whose fees today's shorthand can say (one schedule, unit requests, no cap,
   * no rules, `[{rate}]` or `[{upTo: A, rate: "0"}, {rate}]`) as `allowance` + `feeRate`, so that
   * today's loader reads it (§2: the shorthand means that schedule).
   */
  readonly shorthand?: boolean;
}

function tiersJson(schedule: RefSchedule, unit: string): Json[] {
  return schedule.map((t): Json => {
    if (t.upTo === undefined) return { rate: t.rate };
    if (unit === 'list-usd') return { upTo: t.upTo, rate: t.rate };
    const n = Number(t.upTo);
    if (!Number.isSafeInteger(n) || String(n) !== t.upTo) throw new Error(`fee document: ${t.upTo} is not a JSON integer`);
    return { upTo: n, rate: t.rate };
  });
}

/** The contract's `fees` object of a version (§2). */
export function feesJson(fees: RefFees): Json {
  const unit = fees.unit ?? 'requests';
  const out: { [key: string]: Json } = {};
  if (fees.unit !== undefined) out.unit = fees.unit;
  out.schedules = Object.fromEntries(Object.entries(fees.schedules).map(([name, s]) => [name, tiersJson(s, unit)]));
  if (fees.capUsd !== undefined) out.capUsd = fees.capUsd;
  return out;
}

/** A schedule rule in json-rules-engine's format (§2). */
export function scheduleRuleJson(rule: RefScheduleRule): Json {
  return {
    name: rule.name,
    ...(rule.priority === undefined ? {} : { priority: rule.priority }),
    conditions: { all: rule.all.map((c) => ({ fact: c.fact, operator: c.operator, value: typeof c.value === 'string' ? c.value : [...c.value] })) },
    event: { type: 'schedule', params: { schedule: rule.schedule } },
  };
}

/** `{allowance, feeRate}` when the shorthand says exactly these fees, else null. */
function asShorthand(fees: RefFees): { allowance: number; feeRate: string } | null {
  const names = Object.keys(fees.schedules);
  if ((fees.unit ?? 'requests') !== 'requests' || fees.capUsd !== undefined || (fees.rules ?? []).length > 0 || names.length !== 1) return null;
  const s = fees.schedules[names[0]!]!;
  if (s.length === 1) return { allowance: 0, feeRate: s[0]!.rate };
  if (s.length === 2 && /^0+(\.0+)?$/.test(s[0]!.rate)) return { allowance: Number(s[0]!.upTo), feeRate: s[1]!.rate };
  return null;
}

function parametersJson(fees: RefFees, options: DocumentOptions): { [key: string]: Json } {
  const short = options.shorthand ? asShorthand(fees) : null;
  return short !== null ? { allowance: short.allowance, feeRate: short.feeRate } : { fees: feesJson(fees) };
}

function rulesJson(fees: RefFees): Json {
  const base = (defaultPolicyDocument as unknown as { rules: { routing: Json; charge: Json } }).rules;
  const rules: { [key: string]: Json } = { routing: structuredClone(base.routing), charge: structuredClone(base.charge) };
  if ((fees.rules ?? []).length > 0) rules.schedule = fees.rules!.map(scheduleRuleJson);
  return rules;
}

/**
 * The policy document of a config. With one version its fees and rules sit at the document's
 * level (the version says only its label); with several, each version carries its own
 * `parameters` (fees or shorthand) and, when the versions' schedule rules differ, its own `rules`.
 */
export function feePolicyDocument(config: FeeConfig, options: DocumentOptions = {}): { [key: string]: Json } {
  const parameters: { [key: string]: Json } = {};
  const single = config.versions.length === 1;
  if (single) Object.assign(parameters, parametersJson(config.versions[0]!.fees, options));
  parameters.scopeMode = config.scopeMode;
  parameters.counts = config.counts;
  parameters.defaultFailoverMode = config.defaultFailoverMode;
  const ruleTexts = config.versions.map((v) => JSON.stringify(rulesJson(v.fees)));
  const sharedRules = ruleTexts.every((t) => t === ruleTexts[0]);
  const versions: Json[] = config.versions.map((v) => {
    const out: { [key: string]: Json } = { version: v.version };
    if (v.description !== undefined) out.description = v.description;
    if (v.effectiveFrom !== undefined) out.effectiveFrom = v.effectiveFrom;
    if (!single) out.parameters = parametersJson(v.fees, options);
    if (!sharedRules) out.rules = rulesJson(v.fees);
    return out;
  });
  return {
    format: 'byok-policy/v1',
    id: config.id ?? 'byok-oracle',
    ...(config.title === undefined ? {} : { title: config.title }),
    parameters,
    ...(sharedRules ? { rules: rulesJson(config.versions[0]!.fees) } : {}),
    versions,
  };
}

const FEE_COLUMNS = ['fee_rate', 'fee_cap_usd'] as const;

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The accounts file of a config (FORMATS.md): `scope,failover_mode,free_requests`, plus v1.1's
 * `fee_rate,fee_cap_usd` when some account has one; absent cells are empty.
 */
export function feeAccountsCsv(config: FeeConfig): string {
  const columns = ['scope', 'failover_mode', 'free_requests', ...FEE_COLUMNS.filter((c) => config.accounts.some((a) => a[c] !== undefined))] as const;
  const lines = [columns.join(',')];
  for (const a of config.accounts) lines.push(columns.map((c) => csvCell((a as unknown as Record<string, string | undefined>)[c] ?? '')).join(','));
  return `${lines.join('\n')}\n`;
}

/** JSON with object keys sorted and no whitespace (the loader identifies a policy by this text's SHA-256). */
export function canonicalJsonText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJsonText).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJsonText(record[k])}`)
    .join(',')}}`;
}

/** The policy's sha256 as a bill shows it: SHA-256 of the canonical JSON of the parsed document. */
export function policySha256(document: unknown): string {
  return createHash('sha256').update(canonicalJsonText(JSON.parse(JSON.stringify(document))), 'utf8').digest('hex');
}
