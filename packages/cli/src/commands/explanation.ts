/**
 * What `byok explain` says, in an accountant's words and as data: the rendering of one
 * request's decision and of one bill line's tally, apart from how they were decided.
 */
import { type Decision, Money, type Policy, type PolicyVersion, ROUNDING_MODES, formatInstant, roundMoney } from '@byok-billing/core';
import { UsageError } from '../exitCodes.js';
import type { ProgramIO } from '../programIO.js';
import type { RowSource } from '../replay/rowSource.js';
import { writeOutput } from '../output/writeOutput.js';
import { type TierProgress, addToProgress, emptyTierProgress, feeTermsText, isTiered, progressData, progressText, scheduleText, tieredFeeArithmetic, tieredStatusText, tiersData } from './tierExplanation.js';

/** What is asked: one request (`--request`) or one bill line (`--scope` with `--period`). */
export interface ExplainAsk {
  readonly request?: string;
  readonly scope?: string;
  readonly period?: string;
  readonly format?: 'text' | 'json';
  readonly out?: string;
}

/** Checks that exactly one kind of explanation is asked for; true when it is a request. */
export function asksForRequest(ask: ExplainAsk): boolean {
  const byRequest = ask.request !== undefined;
  const byLine = ask.scope !== undefined || ask.period !== undefined;
  if (byRequest === byLine) throw new UsageError('give either --request ID, or --scope SCOPE with --period YYYY-MM');
  if (byLine && (ask.scope === undefined || ask.period === undefined)) throw new UsageError('--scope and --period go together');
  return byRequest;
}

const n = (v: number) => v.toLocaleString('en-US');

function ordinalWord(v: number): string {
  const mod100 = v % 100;
  const suffix = mod100 >= 11 && mod100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][v % 10] ?? 'th');
  return `${n(v)}${suffix}`;
}

function versionText(version: PolicyVersion): string {
  const from = version.effectiveFromMs === null ? 'from the start' : `from ${formatInstant({ epochMs: version.effectiveFromMs, nanos: 0 })}`;
  if (isTiered(version.feeTerms)) return `version ${version.version} (in force ${from}): ${feeTermsText(version.feeTerms)}`;
  return `version ${version.version} (in force ${from}): ${n(version.parameters.allowance)} free BYOK requests per scope per month, fee ${version.parameters.feeRate.toPercentString()}`;
}

/** The decision for one request, in an accountant's words and as data. */
export function explainRequest(decision: Decision, source: RowSource, policy: Policy) {
  const r = decision.request;
  const version = policy.versionAt(r.instant);
  const p = version.parameters;
  const scopeWhy =
    p.scopeMode === 'user'
      ? `allowances are per user under this policy (user ${r.userId})`
      : r.orgId
        ? `the request was made under org ${r.orgId}, whose members share one allowance`
        : `user ${r.userId} made it without an org, so it draws on their own allowance`;
  let status: string;
  if (decision.route !== 'byok') {
    status = decision.counted
      ? `not served by the key, but the key was tried, and this policy counts attempts: ordinal ${n(decision.ordinal!)}`
      : `not a BYOK request, so it does not count toward the allowance`;
  } else if (decision.tiers !== undefined) {
    status = tieredStatusText(decision, decision.tiers);
  } else if (decision.status === 'free') {
    status = `free: it is the ${ordinalWord(decision.ordinal!)} BYOK request of ${decision.scope} in ${decision.period}, within the allowance of ${n(decision.allowance)}`;
  } else {
    status = `billable: it is the ${ordinalWord(decision.ordinal!)} BYOK request of ${decision.scope} in ${decision.period}, past the allowance of ${n(decision.allowance)}${decision.ordinal === decision.allowance + 1 ? ' (the first billable request of the period: the allowance ran out here)' : ''}`;
  }
  let arithmetic: string;
  switch (decision.chargeKind) {
    case 'fee':
      if (decision.tiers !== undefined) {
        arithmetic = tieredFeeArithmetic(decision, decision.tiers);
        break;
      }
      arithmetic = `fee = ${p.feeRate.toPercentString()} × $${r.cost.toString()} list cost = $${decision.fee.toString()}`;
      break;
    case 'list':
      arithmetic = `list cost on platform credits = $${r.cost.toString()}`;
      break;
    default:
      arithmetic = `no charge (${decision.route === 'failed' ? 'the request failed' : 'within the free allowance'}); list cost $${r.cost.toString()}`;
  }
  const presentation = p.presentation;
  const presented = roundMoney(decision.charge, presentation.scale, ROUNDING_MODES[presentation.rounding]).rounded.toFixedScale(presentation.scale);
  const data = {
    requestId: r.requestId,
    source: { file: source.file, line: source.line },
    written: source.timestamp,
    instantUtc: formatInstant(r.instant),
    scope: decision.scope,
    scopeReason: scopeWhy,
    period: decision.period,
    resetTimeZone: p.resetTimeZone,
    policy: { id: policy.id, version: version.version, effectiveFrom: version.effectiveFromMs === null ? null : formatInstant({ epochMs: version.effectiveFromMs, nanos: 0 }), allowance: decision.allowance, feeRate: p.feeRate.toString() },
    failoverMode: decision.failoverMode,
    keyResult: r.keyResult ?? null,
    platformResult: r.keyResult === undefined ? null : (r.platformResult ?? 'ok'),
    recordedRoute: r.recordedRoute ?? null,
    route: decision.route,
    routeRule: decision.routeRule,
    routeMismatch: decision.routeMismatch,
    ordinal: decision.ordinal,
    status: decision.status,
    statusReason: status,
    chargeRule: decision.chargeRule,
    costUsd: r.cost.toString(),
    feeUsd: decision.fee.toString(),
    chargeUsd: decision.charge.toString(),
    arithmetic,
    ...(decision.tiers === undefined ? {} : { tiers: tiersData(decision, decision.tiers) }),
  };
  // Allowances per user do not move routing: an org member's request keeps its org's failover mode.
  const modeOwner = p.scopeMode === 'user' && r.orgId ? ` of org ${r.orgId}, which owns the keys (allowances per user do not change routing)` : '';
  const routeWhy =
    r.keyResult === undefined
      ? `${decision.route}, as the gateway recorded it (the log has no key_result)`
      : `${decision.route}: key ${r.keyResult}, platform ${r.platformResult ?? 'ok'} under the ${decision.failoverMode} failover mode${modeOwner} (rule "${decision.routeRule}")${decision.routeMismatch ? `; the log recorded ${r.recordedRoute}, which this mode does not give` : ''}`;
  const text = [
    `Request ${r.requestId} (${source.file}, line ${source.line})`,
    `  Written   ${source.timestamp}  =  ${formatInstant(r.instant)} UTC`,
    `  Scope     ${decision.scope}: ${scopeWhy}`,
    `  Period    ${decision.period}: the calendar month in ${p.resetTimeZone === 'UTC' ? 'UTC (the count resets at midnight UTC)' : p.resetTimeZone}`,
    `  Policy    ${policy.id}, ${versionText(version)}${decision.allowance !== p.allowance ? `; this scope's account sets its allowance to ${n(decision.allowance)}` : ''}`,
    `  Route     ${routeWhy}`,
    ...(decision.tiers === undefined ? [] : [`  Schedule  ${scheduleText(decision.tiers)}`]),
    `  Status    ${status}`,
    `  Charge    ${arithmetic} (rule "${decision.chargeRule}"); presented $${presented}`,
  ].join('\n');
  return { data, text: `${text}\n` };
}

export interface LineTally {
  byok: number;
  free: number;
  billable: number;
  platform: number;
  failed: number;
  byokCost: Money;
  billableCost: Money;
  fee: Money;
  platformCost: Money;
  total: Money;
  allowance: number;
  firstBillable?: { decision: Decision; source: RowSource };
  lastFree?: { decision: Decision; source: RowSource };
  version?: PolicyVersion;
  /** The tier progression of a line priced in the pricing language (its counted requests' tiers). */
  tiers?: TierProgress;
}

export function explainLine(scope: string, period: string, t: LineTally, policy: Policy) {
  const version = t.version!;
  const p = version.parameters;
  const round = (m: Money) => roundMoney(m, p.presentation.scale, ROUNDING_MODES[p.presentation.rounding]).rounded.toFixedScale(p.presentation.scale);
  const first = t.firstBillable;
  const data = {
    scope,
    period,
    policy: { id: policy.id, version: version.version, feeRate: p.feeRate.toString() },
    allowance: t.allowance,
    requests: { byok: t.byok, free: t.free, billable: t.billable, platform: t.platform, failed: t.failed },
    firstBillableRequest: first ? { requestId: first.decision.request.requestId, instantUtc: formatInstant(first.decision.request.instant), written: first.source.timestamp, file: first.source.file, line: first.source.line } : null,
    byokCostUsd: t.byokCost.toString(),
    billableCostUsd: t.billableCost.toString(),
    feeUsd: t.fee.toString(),
    platformCostUsd: t.platformCost.toString(),
    totalUsd: t.total.toString(),
    totalPresentedUsd: round(t.total),
    ...(t.tiers === undefined ? {} : { tiers: progressData(t.tiers) }),
  };
  if (t.tiers !== undefined) return { data, text: `${tieredLineText(scope, period, t, t.tiers, policy, version, round).join('\n')}\n` };
  const lines = [
    `${scope}, ${period} — policy ${policy.id}, ${versionText(version)}`,
    `  Requests    ${n(t.byok)} BYOK, ${n(t.platform)} on platform credits, ${n(t.failed)} failed`,
    `  Allowance   ${n(t.allowance)} free BYOK requests${t.allowance !== p.allowance ? ' (set by this scope\'s account)' : ''}`,
    `  Free        ${n(t.free)} BYOK request${t.free === 1 ? '' : 's'}${t.free > 0 ? ` (ordinals 1–${n(t.free)})` : ''}`,
    `  Billable    ${n(t.billable)} BYOK request${t.billable === 1 ? '' : 's'}${t.billable > 0 ? ` (ordinals ${n(t.free + 1)}–${n(t.free + t.billable)})` : ''}`,
    first
      ? `  Ran out     the allowance ran out at request ${first.decision.request.requestId}, ${formatInstant(first.decision.request.instant)} UTC (${first.source.file}, line ${first.source.line}): the first billable request`
      : `  Ran out     the allowance did not run out this period`,
    `  Fee         ${p.feeRate.toPercentString()} × $${t.billableCost.toString()} (summed list cost of the billable requests) = $${t.fee.toString()}`,
    `  Platform    $${t.platformCost.toString()} list cost of the requests on platform credits`,
    `  Total       $${t.fee.toString()} + $${t.platformCost.toString()} = $${t.total.toString()}, presented $${round(t.total)}`,
  ];
  return { data, text: `${lines.join('\n')}\n` };
}

/** explainLine's words for a line priced by tiers: counts, the tier progression, the cap, the fee. */
function tieredLineText(scope: string, period: string, t: LineTally, tiers: TierProgress, policy: Policy, version: PolicyVersion, round: (m: Money) => string): string[] {
  return [
    `${scope}, ${period} — policy ${policy.id}, ${versionText(version)}`,
    `  Requests    ${n(t.byok)} BYOK, ${n(t.platform)} on platform credits, ${n(t.failed)} failed`,
    `  Free        ${n(t.free)} BYOK request${t.free === 1 ? '' : 's'} (all of each within its schedule's free tier)`,
    `  Billable    ${n(t.billable)} BYOK request${t.billable === 1 ? '' : 's'}`,
    ...progressText(tiers),
    `  Fee         $${t.fee.toString()}`,
    `  Platform    $${t.platformCost.toString()} list cost of the requests on platform credits`,
    `  Total       $${t.fee.toString()} + $${t.platformCost.toString()} = $${t.total.toString()}, presented $${round(t.total)}`,
  ];
}

export const emptyLineTally = (): LineTally => ({
  byok: 0, free: 0, billable: 0, platform: 0, failed: 0,
  byokCost: Money.ZERO, billableCost: Money.ZERO, fee: Money.ZERO, platformCost: Money.ZERO, total: Money.ZERO,
  allowance: 0,
});

/**
 * Adds one request of the bill line to its tally; `decided` is asked for only by the first
 * billable request and by counted requests priced by tiers (`tiered`: their tier progression).
 */
export function tallyRequest(
  tally: LineTally,
  request: { route: 'byok' | 'platform' | 'failed'; free: boolean; cost: Money; fee: Money; charge: Money; tiered?: boolean },
  decide: () => { decision: Decision; source: RowSource },
): void {
  let made: { decision: Decision; source: RowSource } | undefined;
  const decided = () => (made ??= decide());
  if (request.tiered) {
    const { decision, source } = decided();
    tally.tiers ??= emptyTierProgress(decision.tiers!.unit);
    addToProgress(tally.tiers, decision, decision.tiers!, source);
  }
  const { cost } = request;
  if (request.route === 'byok') {
    tally.byok++;
    tally.byokCost = tally.byokCost.add(cost);
    if (request.free) tally.free++;
    else {
      tally.billable++;
      tally.billableCost = tally.billableCost.add(cost);
      tally.firstBillable ??= decided();
    }
  } else if (request.route === 'platform') {
    tally.platform++;
    tally.platformCost = tally.platformCost.add(cost);
  } else tally.failed++;
  tally.fee = tally.fee.add(request.fee);
  tally.total = tally.total.add(request.charge);
}

/** Renders what was found (a request's decision, or a line's tally) and writes it as text or JSON. */
export function writeExplanation(
  ask: ExplainAsk,
  found: { decision: Decision; source: RowSource } | undefined,
  tally: LineTally | undefined,
  policy: Policy,
  io: ProgramIO,
): void {
  let result: { data: unknown; text: string };
  if (ask.request !== undefined) {
    if (found === undefined) throw new UsageError(`request ${JSON.stringify(ask.request)} is not in the log`);
    result = explainRequest(found.decision, found.source, policy);
  } else {
    if (tally === undefined) throw new UsageError(`the log has no requests for ${ask.scope} in ${ask.period}`);
    result = explainLine(ask.scope!, ask.period!, tally, policy);
  }
  writeOutput(ask.format === 'json' ? `${JSON.stringify(result.data, null, 2)}\n` : result.text, ask.out, io);
}
