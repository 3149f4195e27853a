import type { Accounts } from '../accounts/accounts.js';
import { ABSENT, CHARGE_FEE, CHARGE_LIST, CHARGE_NONE, ROUTE_BYOK, ROUTE_FAILED, ROUTE_PLATFORM, routeIndex } from '../kernel/codes.js';
import { KEY_RESULTS, PLATFORM_RESULTS } from '../routing/routeTypes.js';
import { feeTermsShorthand } from '../policy/feeTerms.js';
import { type KernelOutcome, createKernelOutcome, decideOutcome } from '../kernel/decide.js';
import { type DecisionTerms, chargeIndex, sameDecisions } from '../kernel/decisionTerms.js';
import type { Money } from '../money/money.js';
import type { Policy } from '../policy/policyTypes.js';
import { keyOwnerOf } from '../scope/scope.js';
import { billOf, comparePeriods } from './assembleBill.js';
import type { Bill, BillLine, InputSummary } from './billLine.js';
import { type LineCounts, billLineOf, normalizedMoney, tieredBillLineOf, unitsIn } from './compactBill.js';
import {
  INDEXED_LINE_INTS,
  BYOK_COST,
  BYOK_REQUESTS,
  COUNTED,
  FAILED_COST,
  FAILED_REQUESTS,
  FEE_BASE,
  FREE_REQUESTS,
  LINE_FIELDS,
  LINE_INTS,
  LIST_CHARGE,
  PLACEMENT,
  PLATFORM_COST,
  PLATFORM_REQUESTS,
  RIDE_ALONG_FIELDS,
} from './compactLayout.js';
import { compareUtf8 } from './compareUtf8.js';
import { type LineIndex, type Placing, ScopeIndex, SharedIndex } from './lineIndex.js';
import { COST_SCALE } from './lineAccumulator.js';
import { type PlacedFees, cappedFee, tierPosition } from './tieredFee.js';
import { LineColumns } from './lineColumns.js';
import { type LinePlacement, PlacementTable, orgModeCode } from './linePlacements.js';
import { RideAlong, type SharedTerms } from './rideAlong.js';
import type { Placement } from './decideRequest.js';

/**
 * The lines of a compact ledger, by number (0 to `count` − 1, in the order they opened).
 * A line is a row of typed-array columns, not an object: ask the ledger about it here.
 */
export interface CompactLines {
  readonly count: number;
  /** `org:<id>` or `user:<id>` (made on each call: ask once per line). */
  scope(line: number): string;
  period(line: number): string;
  /** The line's decision tables: its policy version and failover mode. */
  terms(line: number): DecisionTerms;
  allowance(line: number): number;
  /** Requests counted toward the allowance so far: the last ordinal given. */
  counted(line: number): number;
  /** The line's fee terms in the pricing language (contract terms applied), or undefined on a shorthand line. */
  fees(line: number): PlacedFees | undefined;
}

/** What the last `decide` gave, for callers that write one record per request. */
export interface CompactOutcome extends KernelOutcome {
  /** The request's bill line, by number among `lines`. */
  line: number;
  /** The line's decision tables (policy version, failover mode, rule names). */
  terms: DecisionTerms;
  /** The lines of the ledger that decided. */
  readonly lines: CompactLines;
  /**
   * On a line with pricing-language terms (docs/pricing-language.md): the request's exact fee
   * in units of 10^-24 dollars (0 when its charge is not a fee); undefined on a shorthand
   * line, whose fee is its cost × the version's `feeRate`.
   */
  tieredFee: bigint | undefined;
  /**
   * On a pricing-language line, for a counted request (else -1 and 0n): the index of the
   * schedule it paid by, its fee before the cap (10^-24 $, 0 unless its charge is a fee),
   * and the line's fee state before it (`FeeState` of decideRequest.ts: the cumulative list
   * cost of its counted requests, 10^-12 $, and the fees paid, 10^-24 $), so an audit or an
   * explanation can say how the tiers and the cap priced it without a ledger of its own.
   */
  tieredSchedule: number;
  tieredUncapped: bigint;
  tieredListUsdBefore: bigint;
  tieredFeesBefore: bigint;
}

/**
 * What a line with pricing-language terms keeps beside its columns (only such lines have
 * one, so shorthand lines keep the typed-array path): its placed terms, the cumulative list
 * cost of its counted requests (10^-12 $, what `list-usd` tiers count) and the fees paid
 * (10^-24 $, what the cap counts and the line's fee).
 */
interface TieredLine {
  readonly fees: PlacedFees;
  listUsd: bigint;
  feeUnits: bigint;
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
  /** `provider` and `model` as indexes into `names` (-1: `''`); given when the ledger is `withFacts`. */
  readonly provider?: Int32Array | undefined;
  readonly model?: Int32Array | undefined;
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
  readonly shared?: readonly SharedTerms[] | undefined;
  /**
   * A ledger (without variants riding along) deciding the same requests before this one
   * does: when its policy places every request in the same scope, version and period
   * (`sharesLines`), this ledger numbers its lines as that ledger does and keeps no index
   * of its own (what-if variants that cannot ride along: other failover modes or counting).
   */
  readonly lineIndex?: CompactLedger | undefined;
  /**
   * Whether the caller gives each request's `provider` and `model` (`decide`'s last two
   * arguments). A policy that chooses fee schedules by them (`ScheduleChooser.byProviderOrModel`)
   * needs them: without, the ledger would choose with `''` and bill the wrong schedule, so it
   * refuses to be made. A caller that does not need them (a plain bill) need not read them.
   */
  readonly withFacts?: boolean | undefined;
}

export interface CompactLedger {
  /**
   * Decides one request given as plain numbers, in allowance order (the caller orders
   * and removes duplicates). `orgIndex` is -1 for a request without an org; `cost` is
   * the list cost in units of 10^-12 dollars when it is a safe integer, otherwise pass
   * `costBig`. `providerIndex` and `modelIndex` name the log's `provider` and `model` in
   * `names` (-1: `''`, the default); read only when a schedule is chosen by them (`withFacts`).
   * Throws what the policy throws (no version in force).
   */
  decide(userIndex: number, orgIndex: number, epochMs: number, key: number, platform: number, recorded: number, cost: number, costBig: bigint | undefined, providerIndex?: number, modelIndex?: number): CompactOutcome;
  /**
   * Decides many requests given as columns (what-if variants are fed the requests another
   * ledger decided, a batch at a time: one tight loop per ledger instead of a call per request).
   */
  decideAll(requests: CompactRequests): void;
  /** The lines opened so far. */
  readonly lines: CompactLines;
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

/** A line's counts, refilled for each line a bill states (no object per line). */
type Counts = { -readonly [K in keyof LineCounts]: LineCounts[K] };

/** The lines in the bill's order, with what every bill of them shares (scopes, list costs). */
interface BillOrder {
  /** `decisions` when it was made: a later decision makes it stale. */
  readonly decisions: number;
  /** Line numbers, sorted by scope (UTF-8 byte order), then period. */
  readonly order: readonly number[];
  /** Scope by line number. */
  readonly scopes: readonly string[];
  /** List costs by position in `order`: the same in every variant's bill, so made once. */
  readonly byokCost: readonly Money[];
  readonly platformCost: readonly Money[];
}

/** What a ledger lends a ledger that shares its lines (`CompactLedgerOptions.lineIndex`). */
interface LineSharing {
  readonly policy: Policy;
  readonly index: ScopeIndex;
  orderForBill(): BillOrder;
}

const lineSharing = new WeakMap<CompactLedger, LineSharing>();

/**
 * The ledger of `createLedger` for requests given as numbers instead of objects: the
 * same placements, rules and sums, without allocating per request or per line. Lines are
 * rows of typed-array columns (`LineColumns`); what many lines share (period, terms,
 * allowance) is a `LinePlacement` they point to by number. The log replay's fast path
 * decides through it; the property tests hold it equal to `createLedger`.
 */
export function createCompactLedger(options: CompactLedgerOptions): CompactLedger {
  const { policy, accounts, names } = options;
  const shared = options.shared ?? [];
  if (options.withFacts !== true) requireNoFacts(policy);
  /** The lines with pricing-language terms, by line number (none for today's shorthand policies). */
  const tiered = new Map<number, TieredLine>();
  const lender = options.lineIndex === undefined ? undefined : lineSharing.get(options.lineIndex);
  const borrowing = lender !== undefined && shared.length === 0 && sharesLines(lender.policy, policy);
  const columns = new LineColumns(shared.length > 0 ? RIDE_ALONG_FIELDS : LINE_FIELDS, borrowing ? INDEXED_LINE_INTS : LINE_INTS);
  const table = new PlacementTable(policy);
  const placements = table.placements;
  const rideAlong = shared.length > 0 ? new RideAlong(shared, columns) : undefined;
  const opened = (line: number, placement: Placement): void => {
    if (placement.fees === undefined) return;
    // sharesDecisions keeps variants with pricing-language terms (either side's) from riding along.
    if (rideAlong !== undefined) throw new Error('byok-billing: a line with pricing-language fee terms in a ledger with variants riding along');
    tiered.set(line, { fees: placement.fees, listUsd: 0n, feeUnits: 0n });
  };
  const placing: Placing = { policy, accounts, names, table, variants: rideAlong === undefined ? undefined : (request) => rideAlong.placementOf(request), opened };
  const ownIndex = borrowing ? undefined : new ScopeIndex(columns, placing);
  const sharedIndex = borrowing ? new SharedIndex(columns, placing, lender.index) : undefined;
  const index: LineIndex = ownIndex ?? sharedIndex!;
  let routeMismatches = 0;
  let strictFailed = 0;
  let decisions = 0;
  let billOrder: BillOrder | undefined;
  /** Per org name: 1 + `orgModeCode` of its account's failover mode, 0 while not looked up. */
  let orgModes = new Uint8Array(0);

  const placementOf = (line: number): LinePlacement => placements[columns.ints[line * columns.intStride + PLACEMENT]!]!;
  const lines: CompactLines = {
    get count() {
      return columns.count;
    },
    scope: (line) => index.scope(line),
    period: (line) => placementOf(line).period,
    terms: (line) => placementOf(line).terms,
    allowance: (line) => placementOf(line).allowance,
    counted: (line) => columns.values[line * columns.stride + COUNTED]!,
    fees: (line) => (tiered.size > 0 ? tiered.get(line)?.fees : undefined),
  };
  const outcome: CompactOutcome = {
    ...createKernelOutcome(),
    line: -1,
    terms: undefined as unknown as DecisionTerms,
    lines,
    tieredFee: undefined,
    tieredSchedule: -1,
    tieredUncapped: 0n,
    tieredListUsdBefore: 0n,
    tieredFeesBefore: 0n,
  };

  /** Sums one decided request into the line whose numbers start at `at`. */
  function sum(at: number, route: number, chargeKind: number, ordinal: number, within: boolean, cost: number, costBig: bigint | undefined): void {
    const values = columns.values;
    if (ordinal > values[at + COUNTED]!) values[at + COUNTED] = ordinal;
    const routeCost = route === ROUTE_BYOK ? BYOK_COST : route === ROUTE_PLATFORM ? PLATFORM_COST : FAILED_COST;
    if (costBig === undefined) {
      if (chargeKind === CHARGE_FEE) columns.addUnits(at + FEE_BASE, cost);
      else if (chargeKind === CHARGE_LIST) columns.addUnits(at + LIST_CHARGE, cost);
      columns.addUnits(at + routeCost, cost);
    } else {
      if (chargeKind === CHARGE_FEE) columns.addBig(at + FEE_BASE, costBig);
      else if (chargeKind === CHARGE_LIST) columns.addBig(at + LIST_CHARGE, costBig);
      columns.addBig(at + routeCost, costBig);
    }
    if (route === ROUTE_BYOK) {
      values[at + BYOK_REQUESTS]!++;
      if (within) values[at + FREE_REQUESTS]!++;
    } else if (route === ROUTE_PLATFORM) {
      values[at + PLATFORM_REQUESTS]!++;
    } else {
      values[at + FAILED_REQUESTS]!++;
    }
  }

  /**
   * The tables an org member's request on a user's line (scope mode `user`) is routed by:
   * its org's account's failover mode (the keys are the org's), looked up once per org.
   */
  function orgRouting(orgIndex: number, routing: readonly DecisionTerms[]): DecisionTerms {
    if (orgIndex >= orgModes.length) {
      const grown = new Uint8Array(Math.max(names.length, orgIndex + 1, orgModes.length * 2));
      grown.set(orgModes);
      orgModes = grown;
    }
    let code = orgModes[orgIndex]!;
    if (code === 0) orgModes[orgIndex] = code = 1 + orgModeCode(accounts?.get(keyOwnerOf({ userId: '', orgId: names[orgIndex] }))?.failoverMode);
    return routing[code - 1]!;
  }

  function decide(userIndex: number, orgIndex: number, epochMs: number, key: number, platform: number, recorded: number, cost: number, costBig: bigint | undefined, providerIndex = -1, modelIndex = -1): CompactOutcome {
    const line = index.lineOf(userIndex, orgIndex, epochMs);
    const placement = placementOf(line);
    const terms = orgIndex < 0 || placement.orgRouting === undefined ? placement.terms : orgRouting(orgIndex, placement.orgRouting);
    const at = line * columns.stride;
    const tieredLine = tiered.size > 0 ? tiered.get(line) : undefined;
    if (tieredLine === undefined) {
      decideOutcome(terms, routeIndex(key, platform, recorded), columns.values[at + COUNTED]!, placement.allowance, outcome);
      outcome.tieredFee = undefined;
      if (rideAlong !== undefined && outcome.ordinal > 0) rideAlong.count(line, placement.variants!, outcome.route, outcome.ordinal, cost, costBig);
      sum(at, outcome.route, outcome.chargeKind, outcome.ordinal, outcome.within, cost, costBig);
    } else {
      decideTiered(tieredLine, terms, at, key, platform, recorded, cost, costBig, providerIndex, modelIndex);
    }
    const { route } = outcome;
    if (key !== ABSENT && recorded !== ABSENT && recorded !== route) routeMismatches++;
    if (route === ROUTE_FAILED && terms.failoverMode === 'strict') strictFailed++;
    decisions++;
    outcome.line = line;
    outcome.terms = terms;
    return outcome;
  }

  /**
   * `decide` on a line with pricing-language terms, as `decideRequest` decides it for the
   * record ledger (`decideTiered`): the kernel gives the route and count; a counted request's
   * position in the tiers of its schedule (tieredFee.ts) gives free or billable and its fee,
   * capped per scope-month. The schedule is chosen by the request's facts (`provider` and
   * `model` are `''` when the caller does not read them: only for versions whose choice does
   * not depend on them, `requireNoFacts`). A row without a `key_result` is chosen for with
   * `keyResult` `ok`, as `chooseRecorded` does.
   */
  function decideTiered(line: TieredLine, terms: DecisionTerms, at: number, key: number, platform: number, recorded: number, cost: number, costBig: bigint | undefined, providerIndex: number, modelIndex: number): void {
    const counted = columns.values[at + COUNTED]!;
    decideOutcome(terms, routeIndex(key, platform, recorded), counted, 0, outcome);
    const { route, ordinal } = outcome;
    let free = false;
    let feeUnits = 0n;
    if (ordinal > 0) {
      const { fees } = line;
      const costUnits = costBig ?? BigInt(cost);
      const provider = providerIndex < 0 ? '' : names[providerIndex]!;
      const model = modelIndex < 0 ? '' : names[modelIndex]!;
      const choice = terms.version.scheduleChooser.choose(provider, model, terms.failoverMode, key === ABSENT ? 'ok' : KEY_RESULTS[key]!, platform === ABSENT ? 'ok' : PLATFORM_RESULTS[platform]!);
      const before = fees.terms.unit === 'requests' ? BigInt(counted) : line.listUsd;
      const position = tierPosition(fees.terms.schedules[choice.schedule]!, fees.terms.unit, before, costUnits);
      free = position.free;
      if (terms.charge[chargeIndex(route, free)] === CHARGE_FEE) feeUnits = cappedFee(position.feeUnits, fees.capUnits, line.feeUnits);
      line.listUsd += costUnits;
      line.feeUnits += feeUnits;
      outcome.tieredSchedule = choice.schedule;
      outcome.tieredUncapped = terms.charge[chargeIndex(route, free)] === CHARGE_FEE ? position.feeUnits : 0n;
      outcome.tieredListUsdBefore = line.listUsd - costUnits;
      outcome.tieredFeesBefore = line.feeUnits - feeUnits;
    } else {
      outcome.tieredSchedule = -1;
      outcome.tieredUncapped = 0n;
      outcome.tieredListUsdBefore = line.listUsd;
      outcome.tieredFeesBefore = line.feeUnits;
    }
    const chargeKind = terms.charge[chargeIndex(route, free)]!;
    outcome.within = free;
    outcome.chargeKind = chargeKind;
    outcome.tieredFee = feeUnits;
    // The fee is summed as it is (`TieredLine.feeUnits`), so the cost goes in as one that pays nothing by rate.
    sum(at, route, chargeKind === CHARGE_FEE ? CHARGE_NONE : chargeKind, ordinal, free, cost, costBig);
  }

  function decideAll(requests: CompactRequests): void {
    const { user, org, epochMs, key, platform, recorded, cost, costBig, provider, model } = requests;
    for (let i = 0; i < requests.count; i++) {
      const c = cost[i]!;
      decide(user[i]!, org[i]!, epochMs[i]!, key[i]!, platform[i]!, recorded[i]!, c, c === c ? undefined : costBig.get(i), provider === undefined ? -1 : provider[i]!, model === undefined ? -1 : model[i]!);
    }
  }

  /** The bill's order and shared amounts, made once for the ledger's bill and every variant's. */
  function orderForBill(): BillOrder {
    if (billOrder !== undefined && billOrder.decisions === decisions) return billOrder;
    const { order, scopes } = lender !== undefined && sharedIndex !== undefined ? lentOrder(lender, sharedIndex) : ownOrder();
    const costOf = (field: number) => order.map((line) => normalizedMoney(unitsIn(columns, line * columns.stride + field), COST_SCALE));
    billOrder = { decisions, order, scopes, byokCost: costOf(BYOK_COST), platformCost: costOf(PLATFORM_COST) };
    return billOrder;
  }

  /** The bill lines in the bill's order, made by `lineAt(line, position, counts)`. */
  function billLines(lineAt: (line: number, position: number, counts: Counts) => BillLine): BillLine[] {
    const { order } = orderForBill();
    const counts = { byokRequests: 0, freeRequests: 0, platformRequests: 0, failedRequests: 0 };
    return order.map((line, position) => {
      const at = line * columns.stride;
      counts.byokRequests = columns.values[at + BYOK_REQUESTS]!;
      counts.freeRequests = columns.values[at + FREE_REQUESTS]!;
      counts.platformRequests = columns.values[at + PLATFORM_REQUESTS]!;
      counts.failedRequests = columns.values[at + FAILED_REQUESTS]!;
      return lineAt(line, position, counts);
    });
  }

  function finish(input: InputSummary): Bill {
    const { scopes, byokCost, platformCost } = orderForBill();
    const lineAt = (line: number, position: number, counts: Counts): BillLine => {
      const placement = placementOf(line);
      const at = line * columns.stride;
      const tieredLine = tiered.size > 0 ? tiered.get(line) : undefined;
      if (tieredLine !== undefined) return tieredBillLineOf(scopes[line]!, placement.period, counts, byokCost[position]!, platformCost[position]!, tieredLine.feeUnits, unitsIn(columns, at + LIST_CHARGE));
      const rate = placement.terms.version.parameters.feeRate;
      return billLineOf(scopes[line]!, placement.period, counts, byokCost[position]!, platformCost[position]!, unitsIn(columns, at + FEE_BASE), unitsIn(columns, at + LIST_CHARGE), rate, COST_SCALE);
    };
    return billOf(policy, billLines(lineAt), input, routeMismatches);
  }

  /**
   * A variant riding along bills the same requests, routes and ordinals; its allowance
   * splits the counted ones into free and billable, its rules charge each part, and its
   * rate prices the fees.
   */
  function sharedBill(variant: number, input: InputSummary): Bill {
    const { scopes, byokCost, platformCost } = orderForBill();
    const lineAt = (line: number, position: number, counts: Counts): BillLine => {
      const placement = placementOf(line);
      const split = rideAlong!.split(line, placement, variant);
      counts.freeRequests = split.freeRequests;
      const rate = split.version.parameters.feeRate;
      return billLineOf(scopes[line]!, placement.period, counts, byokCost[position]!, platformCost[position]!, split.feeBase, split.listCharge, rate, COST_SCALE);
    };
    return billOf(shared[variant]!.policy, billLines(lineAt), input, routeMismatches);
  }

  /** The lines sorted by scope (UTF-8 byte order), then period, and their scopes. */
  function ownOrder(): { order: number[]; scopes: string[] } {
    const count = columns.count;
    const scopes: string[] = [];
    for (let line = 0; line < count; line++) scopes.push(index.scope(line));
    const order = Array.from({ length: count }, (_, line) => line);
    order.sort((a, b) => compareUtf8(scopes[a]!, scopes[b]!) || comparePeriods(placementOf(a).period, placementOf(b).period));
    return { order, scopes };
  }

  const ledger: CompactLedger = {
    decide,
    decideAll,
    lines,
    get routeMismatches() {
      return routeMismatches;
    },
    get strictFailed() {
      return strictFailed;
    },
    finish,
    sharedBill,
    routeRule: (o) => o.terms.routeRule[o.routeIndex]!,
    chargeRule: (o) => o.terms.chargeRule[chargeIndex(o.route, o.within)]!,
  };
  if (ownIndex !== undefined) lineSharing.set(ledger, { policy, index: ownIndex, orderForBill });
  return ledger;
}

/** The lender's order and scope strings, of the lines this ledger decided on (the same lines: one set of scope strings for both bills). */
function lentOrder(lender: LineSharing, index: SharedIndex): { order: readonly number[]; scopes: readonly string[] } {
  const { order, scopes } = lender.orderForBill();
  return { order: order.filter((line) => index.has(line)), scopes };
}

/**
 * Whether a ledger under `variant` places every request in the same scope, version and
 * period as one under `base` (the same versions in force at the same instants, with the
 * same scope mode and reset zone): then it can share `base`'s line numbers.
 */
export function sharesLines(base: Policy, variant: Policy): boolean {
  const a = base.versions;
  const b = variant.versions;
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    return x.effectiveFromMs === y.effectiveFromMs && x.parameters.scopeMode === y.parameters.scopeMode && x.parameters.resetTimeZone === y.parameters.resetTimeZone;
  });
}

/**
 * A caller that does not give requests' `provider` and `model` (CompactLedgerOptions.withFacts)
 * cannot bill a policy whose fee schedules are chosen by them: a programming error, never a
 * bill with the wrong schedule (the fast replay reads them whenever a policy needs them).
 */
function requireNoFacts(policy: Policy): void {
  const version = policy.versions.find((v) => v.scheduleChooser.byProviderOrModel);
  if (version === undefined) return;
  throw new Error(`byok-billing: policy version ${JSON.stringify(version.version)} chooses fee schedules by provider/model; create the compact ledger withFacts and give them`);
}

/** Whether a policy and accounts bill only today's shorthand (no pricing-language terms on any line). */
function shorthandOnly(terms: { readonly policy: Policy; readonly accounts?: Accounts | undefined }): boolean {
  if (!terms.policy.versions.every((v) => feeTermsShorthand(v.feeTerms) !== undefined)) return false;
  for (const scope of terms.accounts?.keys() ?? []) {
    const account = terms.accounts!.get(scope);
    if (account?.feeRate !== undefined || account?.feeCapUsd !== undefined) return false;
  }
  return true;
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
  // Variants riding along bill by allowance and rate only: pricing-language terms (tiers, list-usd, caps, per-scope rates) get their own ledger.
  if (!shorthandOnly(base) || !shorthandOnly(variant)) return false;
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
