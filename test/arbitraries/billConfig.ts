import fc from 'fast-check';
import {
  type AccountRow,
  type BillResult,
  type CountMode,
  type FailoverMode,
  type Policy,
  type ScopeMode,
  defaultPolicyDocument,
  billRequests,
  loadPolicy,
  parseAccounts,
} from '@byok-billing/core';
import { feeRateText } from './money.js';
import { type LogRow, ORGS, SCOPES, toUsageRequest } from './requestLog.js';

/**
 * A what-if variant of the default policy plus an accounts file: the allowance (from
 * 2025-10-01; the 2024 version keeps its 0) is small so that it is actually crossed.
 */
export interface BillConfig {
  readonly allowance: number;
  readonly feeRate: string;
  readonly counts: CountMode;
  readonly scopeMode: ScopeMode;
  readonly defaultFailoverMode: FailoverMode;
  readonly accounts: readonly AccountRow[];
}

const FAILOVER: readonly FailoverMode[] = ['fallback', 'strict', 'credits-first'];

const anyAccountsArb: fc.Arbitrary<AccountRow[]> = fc.uniqueArray(
  fc.record({
    scope: fc.constantFrom(...SCOPES, 'org:ghost'),
    failover_mode: fc.constantFrom('', ...FAILOVER),
    free_requests: fc.constantFrom('', '', '0', '1', '2', '3', '5'),
  }),
  { selector: (row) => row.scope, maxLength: 4 },
);

/**
 * Every org with a failover mode of its own, beside a few other accounts: under scope mode
 * 'user' an org member's request is routed by its org's mode, not by its user's line (a
 * case any accounts come up with too rarely for the differential tests to rely on).
 */
const orgModesArb: fc.Arbitrary<AccountRow[]> = fc
  .tuple(
    fc.tuple(...ORGS.filter((o): o is string => o !== undefined && o !== '').map((org) => fc.record({ scope: fc.constant(`org:${org}`), failover_mode: fc.constantFrom(...FAILOVER), free_requests: fc.constantFrom('', '', '1', '3') }))),
    anyAccountsArb,
  )
  .map(([orgs, others]) => [...orgs, ...others.filter((a) => !orgs.some((o) => o.scope === a.scope))]);

export const accountsArb: fc.Arbitrary<AccountRow[]> = fc.oneof(anyAccountsArb, orgModesArb);

export interface ConfigOptions {
  readonly counts?: CountMode;
  readonly scopeMode?: ScopeMode;
  readonly feeRate?: string;
}

export function configArb(options: ConfigOptions = {}): fc.Arbitrary<BillConfig> {
  return fc.record({
    allowance: fc.integer({ min: 0, max: 5 }),
    feeRate: options.feeRate === undefined ? feeRateText : fc.constant(options.feeRate),
    counts: options.counts === undefined ? fc.constantFrom<CountMode>('served', 'served', 'attempted') : fc.constant(options.counts),
    scopeMode: options.scopeMode === undefined ? fc.constantFrom<ScopeMode>('org', 'org', 'user') : fc.constant(options.scopeMode),
    defaultFailoverMode: fc.constantFrom(...FAILOVER),
    accounts: accountsArb,
  });
}

const policies = new Map<string, Policy>();

/** The policy document of a config, built from `defaultPolicyDocument` (cached: loading compiles rules). */
export function policyFor(config: BillConfig): Policy {
  const parameters = {
    allowance: config.allowance,
    feeRate: config.feeRate,
    counts: config.counts,
    scopeMode: config.scopeMode,
    defaultFailoverMode: config.defaultFailoverMode,
  };
  const key = JSON.stringify(parameters);
  let policy = policies.get(key);
  if (policy === undefined) {
    const document = structuredClone(defaultPolicyDocument) as { parameters: Record<string, unknown> };
    Object.assign(document.parameters, parameters);
    policy = loadPolicy(document);
    policies.set(key, policy);
  }
  return policy;
}

/** Bills a generated log under a config with the engine (billRequests: any order, duplicates removed). */
export function billLog(rows: readonly LogRow[], config: BillConfig): BillResult {
  return billRequests(rows.map(toUsageRequest), { policy: policyFor(config), accounts: parseAccounts(config.accounts) });
}
