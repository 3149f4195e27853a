import type { Accounts } from '../accounts/accounts.js';
import { ABSENT, CHARGE_FEE, CHARGE_LIST, ROUTE_BYOK, ROUTE_FAILED, routeIndex } from '../kernel/codes.js';
import { type KernelOutcome, createKernelOutcome, decideOutcome } from '../kernel/decide.js';
import { type DecisionTerms, chargeIndex, decisionTerms, sameDecisions } from '../kernel/decisionTerms.js';
import type { Policy, PolicyVersion } from '../policy/policyTypes.js';
import { parsePeriod, formatPeriod } from '../time/periodCalendar.js';
import { assembleBill } from './assembleBill.js';
import type { Bill, InputSummary } from './billLine.js';
import { placeRequest } from './decideRequest.js';
import type { UsageRequest } from './usageRequest.js';
import { LineAccumulator } from './lineAccumulator.js';
import { UnitSum } from './unitSum.js';

/**
 * A bill line being summed, with the instants it is valid for: the intersection of its
 * period and its policy version's time in force. A request of the same scope whose instant
 * falls inside belongs to this line without asking the policy again.
 */
export class CompactLine extends LineAccumulator {
  /** The variants' allowances for this line, with what each counts within it; undefined without variants. */
  classes: WithinAllowance[] | undefined;
  /** Per variant: its class, and the version it bills this line under. */
  variantClass: number[] | undefined;
  variantVersion: PolicyVersion[] | undefined;
  /** A slot for an output writer's per-line cache (formatted cells), so it needs no map lookup per request. */
  writerCache: unknown = undefined;

  constructor(
    scope: string,
    period: string,
    terms: DecisionTerms,
    allowance: number,
    readonly fromMs: number,
    readonly toMs: number,
  ) {
    super(scope, period, terms, allowance);
  }
}

/**
 * Of one line, the counted requests within one allowance, by route: a variant with that
 * allowance splits the line's requests into free and billable by it.
 */
export class WithinAllowance {
  readonly count = [0, 0, 0];
  readonly cost = [new UnitSum(), new UnitSum(), new UnitSum()];
  constructor(readonly allowance: number) {}
}

/** What the last `decide` gave, for callers that write one record per request. */
export interface CompactOutcome extends KernelOutcome {
  line: CompactLine;
}

/** Requests as columns of numbers, in allowance order (see `decide` for each column's meaning). */
export interface CompactRequests {
  count: number;
  readonly user: Int32Array;
  readonly org: Int32Array;
  readonly epochMs: Float64Array;
  readonly key: Uint8Array;
  readonly platform: Uint8Array;
  readonly recorded: Uint8Array;
  readonly cost: Float64Array;
  /** Exact costs of the rows whose `cost` is NaN, by row. */
  readonly costBig: Map<number, bigint>;
}

export interface CompactLedgerOptions {
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
  /**
   * The caller's table of user and org ids. Requests name their user and org by index
   * into it, so a scope is found without building its name per request; the caller
   * appends new names before deciding a request that uses them.
   */
  readonly names: readonly string[];
  /**
   * What-if variants that decide every request as this ledger does but for their allowance
   * and fee rate (same versions, scopes, periods, routing, counting and charge rules: see
   * `sharesDecisions`). They cost a comparison per request and allowance instead of a
   * ledger each; `sharedBill` gives their bills.
   */
  readonly shared?: readonly { readonly policy: Policy; readonly accounts?: Accounts | undefined }[] | undefined;
}

export interface CompactLedger {
  /**
   * Decides one request given as plain numbers, in allowance order (the caller orders
   * and removes duplicates). `orgIndex` is -1 for a request without an org; `cost` is
   * the list cost in units of 10^-12 dollars when it is a safe integer, otherwise pass
   * `costBig`. Throws what the policy throws (no version in force).
   */
  decide(userIndex: number, orgIndex: number, epochMs: number, key: number, platform: number, recorded: number, cost: number, costBig: bigint | undefined): CompactOutcome;
  /**
   * Decides many requests given as columns (what-if variants are fed the requests another
   * ledger decided, a batch at a time: one tight loop per ledger instead of a call per request).
   */
  decideAll(requests: CompactRequests): void;
  /** Requests whose recorded route differs from the derived one. */
  readonly routeMismatches: number;
  /** Requests that failed because a strict scope's key failed. */
  readonly strictFailed: number;
  finish(input: InputSummary): Bill;
  /** The bill of `shared[index]`. */
  sharedBill(index: number, input: InputSummary): Bill;
  /** Rule name of the last outcome's route and charge. */
  routeRule(outcome: CompactOutcome): string;
  chargeRule(outcome: CompactOutcome): string;
}

/**
 * The ledger of `createLedger` for requests given as numbers instead of objects: the
 * same placements, rules and sums, without allocating per request. The log replay's fast
 * path decides through it; the property tests hold it equal to `createLedger`.
 */
export function createCompactLedger(options: CompactLedgerOptions): CompactLedger {
  const { policy, accounts, names } = options;
  const shared = options.shared ?? [];
  const lines = new Map<string, CompactLine>();
  const byOrg: (CompactLine | undefined)[] = [];
  const byUser: (CompactLine | undefined)[] = [];
  let routeMismatches = 0;
  let strictFailed = 0;
  const outcome: CompactOutcome = { ...createKernelOutcome(), line: undefined as unknown as CompactLine };

  /** Places a new line under each shared variant: its allowance picks (or opens) a class. */
  function attachVariants(line: CompactLine, request: Pick<UsageRequest, 'instant' | 'userId' | 'orgId'>): void {
    line.classes = [];
    line.variantClass = [];
    line.variantVersion = [];
    for (const variant of shared) {
      const placement = placeRequest(variant.policy, variant.accounts, request);
      let index = line.classes.findIndex((c) => c.allowance === placement.allowance);
      if (index < 0) index = line.classes.push(new WithinAllowance(placement.allowance)) - 1;
      line.variantClass.push(index);
      line.variantVersion.push(placement.version);
    }
  }

  function placeLine(userIndex: number, orgIndex: number, epochMs: number): CompactLine {
    const request = { userId: names[userIndex]!, orgId: orgIndex < 0 ? '' : names[orgIndex]!, instant: { epochMs, nanos: 0 } };
    const placement = placeRequest(policy, accounts, request);
    const key = `${placement.scope}\n${placement.period}\n${placement.version.version}`;
    let line = lines.get(key);
    if (line === undefined) {
      const { version } = placement;
      const index = policy.versions.indexOf(version);
      const following = policy.versions[index + 1];
      const [periodFrom, periodTo] = periodBounds(version, placement.period, epochMs);
      const fromMs = Math.max(periodFrom, version.effectiveFromMs ?? -Infinity);
      const toMs = Math.min(periodTo, following?.effectiveFromMs ?? Infinity);
      line = new CompactLine(placement.scope, placement.period, placement.terms, placement.allowance, fromMs, toMs);
      if (shared.length > 0) attachVariants(line, request);
      lines.set(key, line);
    }
    if (orgIndex >= 0 && line.scope.startsWith('org:')) byOrg[orgIndex] = line;
    else byUser[userIndex] = line;
    return line;
  }

  /** Keeps the per-name caches dense arrays as the name table grows (sparse ones are slow). */
  function growCaches(): void {
    while (byUser.length < names.length) {
      byUser.push(undefined);
      byOrg.push(undefined);
    }
  }

  function decide(userIndex: number, orgIndex: number, epochMs: number, key: number, platform: number, recorded: number, cost: number, costBig: bigint | undefined): CompactOutcome {
    if (userIndex >= byUser.length || orgIndex >= byOrg.length) growCaches();
    // Most requests fall in the line of their scope's previous request.
    let line = orgIndex >= 0 ? byOrg[orgIndex] : undefined;
    if (line === undefined || epochMs < line.fromMs || epochMs >= line.toMs) {
      line = byUser[userIndex];
      if (line === undefined || epochMs < line.fromMs || epochMs >= line.toMs || (orgIndex >= 0 && line.terms.version.parameters.scopeMode === 'org')) {
        line = placeLine(userIndex, orgIndex, epochMs);
      }
    }
    const index = routeIndex(key, platform, recorded);
    decideOutcome(line.terms, index, line.counted, line.allowance, outcome);
    const { route, ordinal } = outcome;
    line.add(route, outcome.chargeKind, ordinal, outcome.within, cost, costBig);
    if (key !== ABSENT && recorded !== ABSENT && recorded !== route) routeMismatches++;
    if (route === ROUTE_FAILED && line.failoverMode === 'strict') strictFailed++;
    const classes = line.classes;
    if (classes !== undefined) {
      if (ordinal > 0) {
        for (let c = 0; c < classes.length; c++) {
          const cls = classes[c]!;
          if (ordinal > cls.allowance) continue;
          cls.count[route]!++;
          if (costBig === undefined) cls.cost[route]!.add(cost);
          else cls.cost[route]!.addBig(costBig);
        }
      }
    }
    outcome.line = line;
    return outcome;
  }

  function decideAll(requests: CompactRequests): void {
    const { user, org, epochMs, key, platform, recorded, cost, costBig } = requests;
    for (let i = 0; i < requests.count; i++) {
      const c = cost[i]!;
      decide(user[i]!, org[i]!, epochMs[i]!, key[i]!, platform[i]!, recorded[i]!, c, c === c ? undefined : costBig.get(i));
    }
  }

  return {
    decide,
    decideAll,
    get routeMismatches() {
      return routeMismatches;
    },
    get strictFailed() {
      return strictFailed;
    },
    finish(input) {
      return assembleBill(policy, lines.values(), input, routeMismatches);
    },
    sharedBill(index, input) {
      const variant = shared[index]!;
      return assembleBill(variant.policy, [...lines.values()].map((line) => variantAccumulator(line, index)), input, routeMismatches);
    },
    routeRule: (o) => o.line.terms.routeRule[o.routeIndex]!,
    chargeRule: (o) => o.line.terms.chargeRule[chargeIndex(o.route, o.within)]!,
  };
}

/**
 * The instants (epoch ms) a period spans. At the edges of the years a timestamp can write
 * (December 9999, before year 0) the next period has no label: the line is then valid for
 * its own millisecond only, and the next request asks the policy again.
 */
function periodBounds(version: PolicyVersion, period: string, epochMs: number): [number, number] {
  try {
    const { year, month } = parsePeriod(period);
    if (year >= 9999 && month === 12) return [version.calendar.periodStartMs(period), Infinity];
    const next = month === 12 ? formatPeriod(year + 1, 1) : formatPeriod(year, month + 1);
    return [version.calendar.periodStartMs(period), version.calendar.periodStartMs(next)];
  } catch {
    return [epochMs, epochMs + 1];
  }
}

/**
 * A line as a variant sharing the ledger's decisions bills it: the same requests, routes and
 * ordinals; its allowance splits the counted ones into free and billable, its rules charge
 * each part, and its rate prices the fees.
 */
function variantAccumulator(line: CompactLine, variant: number): LineAccumulator {
  const cls = line.classes![line.variantClass![variant]!]!;
  const terms = decisionTerms(line.variantVersion![variant]!, line.failoverMode);
  const out = new LineAccumulator(line.scope, line.period, terms, cls.allowance);
  out.byokRequests = line.byokRequests;
  out.platformRequests = line.platformRequests;
  out.failedRequests = line.failedRequests;
  out.counted = line.counted;
  out.freeRequests = cls.count[ROUTE_BYOK]!;
  out.billableRequests = line.byokRequests - out.freeRequests;
  out.byokCost.addBig(line.byokCost.total());
  out.platformCost.addBig(line.platformCost.total());
  out.failedCost.addBig(line.failedCost.total());
  const routeCost = [line.byokCost.total(), line.platformCost.total(), line.failedCost.total()];
  // Each route's counted requests within the variant's allowance, and the rest, pay what its tables say.
  for (let route = 0; route < routeCost.length; route++) {
    const within = cls.cost[route]!.total();
    for (const [inside, amount] of [[true, within], [false, routeCost[route]! - within]] as const) {
      const kind = terms.charge[chargeIndex(route, inside)];
      if (kind === CHARGE_FEE) out.feeBase.addBig(amount);
      else if (kind === CHARGE_LIST) out.listCharge.addBig(amount);
    }
  }
  return out;
}

/**
 * Whether a variant decides every request as `base` does but for allowance and fee rate: the
 * same versions in force at the same instants, with the same scope mode, counting, default
 * failover mode, reset zone and rules, and the same failover mode for every account.
 */
export function sharesDecisions(base: { readonly policy: Policy; readonly accounts?: Accounts | undefined }, variant: { readonly policy: Policy; readonly accounts?: Accounts | undefined }): boolean {
  const a = base.policy.versions;
  const b = variant.policy.versions;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.effectiveFromMs !== y.effectiveFromMs) return false;
    const p = x.parameters;
    const q = y.parameters;
    if (p.scopeMode !== q.scopeMode || p.defaultFailoverMode !== q.defaultFailoverMode || p.resetTimeZone !== q.resetTimeZone) return false;
    if (!sameDecisions(x, y)) return false;
  }
  const scopes = new Set([...(base.accounts?.keys() ?? []), ...(variant.accounts?.keys() ?? [])]);
  for (const scope of scopes) {
    if (base.accounts?.get(scope)?.failoverMode !== variant.accounts?.get(scope)?.failoverMode) return false;
  }
  return true;
}
