/*
 * A reference implementation of POLICY.md, written from the documents for the tests:
 * a plain two-pass program (dedupe, sort, decide, sum) with bigint money. It shares
 * nothing with the engine but the timestamp parser (a parse helper), so a bill that
 * matches it on generated logs is a strong check of the whole ledger.
 *
 * It bills two kinds of config: today's (`RefConfig`: an allowance and a fee rate) and a policy
 * in the pricing language of issue 16 (`FeeConfig`, docs/pricing-language.md: tiered schedules,
 * schedules chosen by provider/model, a cap, contract terms), whose fees referenceFees.ts decides.
 */
import { parseTimestamp } from '@byok-billing/core';
import {
  COST_SCALE,
  FREE_TIER_FROM_MS,
  type OracleKey,
  type OracleMode,
  type OraclePlatform,
  type OracleRoute,
  ROUTING,
  allowanceOrder,
  formatDecimal,
  keyTried,
  readDecimal,
  scopeFor,
  unitsAt,
  utcMonth,
  utf8Compare,
} from './policyOracle.js';
import { FEE_SCALE, type FeeConfig, ReferenceFees, type RefFeeAccount } from './referenceFees.js';

/** A log row as text (the shape of FORMATS.md's columns). */
export interface RefRow {
  readonly requestId: string;
  readonly timestamp: string;
  readonly userId: string;
  readonly orgId?: string | undefined;
  readonly model?: string | undefined;
  readonly provider?: string | undefined;
  readonly cost: string;
  readonly keyResult?: OracleKey | undefined;
  readonly platformResult?: OraclePlatform | undefined;
  readonly recordedRoute?: OracleRoute | undefined;
}

/** The policy's what-if parameters and the accounts file, as text. */
export interface RefConfig {
  /** Free BYOK requests per scope and month from 2025-10-01 (0 before). */
  readonly allowance: number;
  readonly feeRate: string;
  readonly counts: 'served' | 'attempted';
  readonly scopeMode: 'org' | 'user';
  readonly defaultFailoverMode: OracleMode;
  readonly accounts: readonly { readonly scope: string; readonly failover_mode?: string | undefined; readonly free_requests?: string | undefined }[];
}

export interface RefAmounts {
  byokRequests: number;
  freeRequests: number;
  billableRequests: number;
  byokCostUsd: string;
  feeUsd: string;
  platformRequests: number;
  platformCostUsd: string;
  failedRequests: number;
  totalUsd: string;
}

export interface RefDecision {
  readonly scope: string;
  readonly period: string;
  readonly route: OracleRoute;
  readonly ordinal: number | null;
  readonly status: 'free' | 'billable' | null;
  readonly fee: string;
  readonly charge: string;
  readonly routeMismatch: boolean;
}

export interface RefBill {
  readonly input: { rows: number; accepted: number; rejected: number; duplicates: number };
  readonly lines: ({ scope: string; period: string } & RefAmounts)[];
  readonly totals: RefAmounts;
  readonly routeMismatches: number;
  /** By request id. */
  readonly decisions: ReadonlyMap<string, RefDecision>;
}

interface Parsed {
  readonly requestId: string;
  readonly epochMs: number;
  readonly nanos: number;
  readonly userId: string;
  readonly orgId: string;
  readonly model: string;
  readonly provider: string;
  readonly costUnits: bigint;
  readonly keyResult: OracleKey | undefined;
  readonly platformResult: OraclePlatform;
  readonly recordedRoute: OracleRoute | undefined;
}

function parseRow(row: RefRow): Parsed {
  const instant = parseTimestamp(row.timestamp);
  const cost = readDecimal(row.cost);
  if (cost.units < 0n) throw new Error('reference: negative cost');
  return {
    requestId: row.requestId,
    epochMs: instant.epochMs,
    nanos: instant.nanos,
    userId: row.userId,
    orgId: row.orgId ?? '',
    model: row.model ?? '',
    provider: row.provider ?? '',
    costUnits: unitsAt(cost, COST_SCALE),
    keyResult: row.keyResult,
    platformResult: row.platformResult ?? 'ok',
    recordedRoute: row.recordedRoute,
  };
}

function sameContent(a: Parsed, b: Parsed): boolean {
  return (Object.keys(a) as (keyof Parsed)[]).every((k) => a[k] === b[k]);
}

interface Acc {
  byok: number;
  free: number;
  billable: number;
  byokCost: bigint; // scale 12
  fee: bigint; // scale 12 + rate scale
  platform: number;
  platformCost: bigint; // scale 12
  failed: number;
}

const isFeeConfig = (config: RefConfig | FeeConfig): config is FeeConfig => 'versions' in config;

export function referenceBill(rows: readonly RefRow[], config: RefConfig | FeeConfig): RefBill {
  // D6: the same id with the same content counts once; with other content it is an error.
  const byId = new Map<string, Parsed>();
  let duplicates = 0;
  for (const row of rows) {
    const parsed = parseRow(row);
    const seen = byId.get(parsed.requestId);
    if (seen === undefined) byId.set(parsed.requestId, parsed);
    else if (sameContent(seen, parsed)) duplicates++;
    else throw new Error(`reference: conflicting duplicate ${parsed.requestId}`);
  }
  // D1: time order, ties by request_id in UTF-8 byte order.
  const requests = [...byId.values()].sort(allowanceOrder);

  // Today's config: one rate, fees at the cost's scale plus the rate's. A FeeConfig: the fee
  // oracle's fees, at FEE_SCALE (10^-24 dollars), the rate unused but for the platform charge.
  const tiered = isFeeConfig(config) ? new ReferenceFees(config) : null;
  const rate = isFeeConfig(config) ? { units: 1n, scale: FEE_SCALE - COST_SCALE } : readDecimal(config.feeRate);
  const feeScale = COST_SCALE + rate.scale;
  const accounts = new Map<string, RefFeeAccount>(config.accounts.map((a) => [a.scope, a]));

  const counters = new Map<string, number>();
  const accs = new Map<string, { scope: string; period: string; acc: Acc }>();
  const decisions = new Map<string, RefDecision>();
  let routeMismatches = 0;

  for (const r of requests) {
    const scope = scopeFor(r.userId, r.orgId, config.scopeMode);
    const period = utcMonth(r.epochMs);
    const account = accounts.get(scope);
    // The failover mode is set by whoever owns the keys: the org for a request made under one,
    // else the user — whatever pools the allowance (README, scope mode `user`).
    const keyOwner = accounts.get(r.orgId !== '' ? `org:${r.orgId}` : `user:${r.userId}`);
    const mode = (keyOwner?.failover_mode || config.defaultFailoverMode) as OracleMode;
    // An account's free_requests replaces the allowance of a version that grants one; before
    // the free tier (or in a version without an allowance) every BYOK request pays.
    const policyAllowance = isFeeConfig(config) ? 0 : r.epochMs >= FREE_TIER_FROM_MS ? config.allowance : 0;
    const allowance =
      policyAllowance > 0 && account?.free_requests !== undefined && account.free_requests !== ''
        ? Number(account.free_requests)
        : policyAllowance;

    let route: OracleRoute;
    let tried: boolean;
    if (r.keyResult !== undefined) {
      route = ROUTING[mode][r.keyResult][r.platformResult];
      tried = keyTried(mode, r.keyResult, r.platformResult);
    } else {
      route = r.recordedRoute!;
      tried = route === 'byok';
    }
    const routeMismatch = r.recordedRoute !== undefined && r.recordedRoute !== route;
    if (routeMismatch) routeMismatches++;

    const key = `${scope}\u0000${period}`;
    let line = accs.get(key);
    if (line === undefined) {
      line = { scope, period, acc: { byok: 0, free: 0, billable: 0, byokCost: 0n, fee: 0n, platform: 0, platformCost: 0n, failed: 0 } };
      accs.set(key, line);
    }
    const acc = line.acc;

    const counts = config.counts === 'served' ? route === 'byok' : tried;
    let ordinal: number | null = null;
    if (counts) {
      ordinal = (counters.get(key) ?? 0) + 1;
      counters.set(key, ordinal);
    }
    // The pricing language: the request's position in its scope-month's tiers (a counted one
    // moves the counter) decides free or billable and the fee, in its own schedule, capped.
    const step =
      tiered === null
        ? null
        : tiered.next({ line: key, account, epochMs: r.epochMs, counted: counts, ordinal, byok: route === 'byok', costUnits: r.costUnits, provider: r.provider, model: r.model });
    let status: 'free' | 'billable' | null = null;
    let fee = 0n; // feeScale
    let charge = 0n; // feeScale
    if (route === 'byok') {
      acc.byok++;
      acc.byokCost += r.costUnits;
      if (step !== null ? step.status === 'free' : ordinal !== null && ordinal <= allowance) {
        status = 'free';
        acc.free++;
      } else {
        status = 'billable';
        acc.billable++;
        fee = step !== null ? step.fee : r.costUnits * rate.units;
        charge = fee;
        acc.fee += fee;
      }
    } else if (route === 'platform') {
      acc.platform++;
      acc.platformCost += r.costUnits;
      charge = r.costUnits * 10n ** BigInt(rate.scale);
    } else {
      acc.failed++;
    }
    decisions.set(r.requestId, {
      scope,
      period,
      route,
      ordinal,
      status,
      fee: formatDecimal(fee, feeScale),
      charge: formatDecimal(charge, feeScale),
      routeMismatch,
    });
  }

  const amounts = (a: Acc): RefAmounts => ({
    byokRequests: a.byok,
    freeRequests: a.free,
    billableRequests: a.billable,
    byokCostUsd: formatDecimal(a.byokCost, COST_SCALE),
    feeUsd: formatDecimal(a.fee, feeScale),
    platformRequests: a.platform,
    platformCostUsd: formatDecimal(a.platformCost, COST_SCALE),
    failedRequests: a.failed,
    totalUsd: formatDecimal(a.fee + a.platformCost * 10n ** BigInt(rate.scale), feeScale),
  });

  const sorted = [...accs.values()].sort((a, b) => utf8Compare(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  const total: Acc = { byok: 0, free: 0, billable: 0, byokCost: 0n, fee: 0n, platform: 0, platformCost: 0n, failed: 0 };
  for (const { acc } of sorted) {
    total.byok += acc.byok;
    total.free += acc.free;
    total.billable += acc.billable;
    total.byokCost += acc.byokCost;
    total.fee += acc.fee;
    total.platform += acc.platform;
    total.platformCost += acc.platformCost;
    total.failed += acc.failed;
  }
  return {
    input: { rows: rows.length, accepted: requests.length, rejected: 0, duplicates },
    lines: sorted.map(({ scope, period, acc }) => ({ scope, period, ...amounts(acc) })),
    totals: amounts(total),
    routeMismatches,
    decisions,
  };
}
