import { type DecisionTerms, decisionTerms } from '../kernel/decisionTerms.js';
import { FAILOVER_MODES, type FailoverMode } from '../routing/routeTypes.js';
import type { Policy, PolicyVersion } from '../policy/policyTypes.js';
import { formatPeriod, parsePeriod } from '../time/periodCalendar.js';
import type { Placement } from './decideRequest.js';

/**
 * What a compact line shares with many others: its period, terms and allowance, the
 * instants it covers, and how the variants riding along bill it. Lines keep only the
 * number of their placement, so a month of many scopes holds a handful of these.
 */
export interface LinePlacement {
  readonly period: string;
  readonly terms: DecisionTerms;
  readonly allowance: number;
  /**
   * The instants (epoch ms) the line is valid for: the intersection of its period and its
   * version's time in force. A request of the same scope whose instant falls inside belongs
   * to the line without asking the policy again.
   */
  readonly fromMs: number;
  readonly toMs: number;
  /** The version's scope mode is `org` (a request with an org is then not a user's). */
  readonly orgMode: boolean;
  /**
   * Under scope mode `user`, the tables an org member's request is routed by (its org's
   * account's failover mode, not the line's): by `orgModeCode`, the version's default first,
   * then each of `FAILOVER_MODES`. Undefined under scope mode `org`, where a line's terms
   * route all its requests.
   */
  readonly orgRouting: readonly DecisionTerms[] | undefined;
  /** The number of the line's version and period: one scope has one line per segment. */
  readonly segment: number;
  /** How the variants riding along bill lines of this placement; undefined without variants. */
  readonly variants: VariantPlacement | undefined;
}

/** Where each variant riding along places a line: its version, and its allowance's class. */
export interface VariantPlacement {
  /** Per variant: the version it bills the line under. */
  readonly versions: readonly PolicyVersion[];
  /** Per variant: its allowance's index in `allowances`. */
  readonly classOf: readonly number[];
  /** The variants' distinct allowances: each splits the line's counted requests once. */
  readonly allowances: readonly number[];
}

/** The placements and segments of one ledger, each made once and numbered. */
export class PlacementTable {
  readonly placements: LinePlacement[] = [];
  private readonly placementIds = new Map<string, number>();
  private readonly segmentIds = new Map<string, number>();
  private readonly segmentBounds: [number, number][] = [];
  private readonly termsIds = new Map<DecisionTerms, number>();
  private readonly variantIds = new Map<VariantPlacement, number>();

  constructor(private readonly policy: Policy) {}

  /** The number of `placement`'s version and period. */
  segmentOf(placement: Placement, epochMs: number): number {
    const versionIndex = this.policy.versions.indexOf(placement.version);
    const key = `${versionIndex}\n${placement.period}`;
    let id = this.segmentIds.get(key);
    if (id === undefined) {
      id = this.segmentBounds.push(coveredInstants(this.policy, versionIndex, placement.period, epochMs)) - 1;
      this.segmentIds.set(key, id);
    }
    return id;
  }

  /** The number of a line placement (made on first use). */
  numberOf(segment: number, placement: Placement, variants: VariantPlacement | undefined): number {
    let terms = this.termsIds.get(placement.terms);
    if (terms === undefined) this.termsIds.set(placement.terms, (terms = this.termsIds.size));
    let shared = variants === undefined ? -1 : this.variantIds.get(variants);
    if (shared === undefined) this.variantIds.set(variants!, (shared = this.variantIds.size));
    const key = `${segment}\n${terms}\n${placement.allowance}\n${shared}`;
    let id = this.placementIds.get(key);
    if (id === undefined) {
      const [fromMs, toMs] = this.segmentBounds[segment]!;
      id = this.placements.length;
      this.placements.push({
        period: placement.period,
        terms: placement.terms,
        allowance: placement.allowance,
        fromMs,
        toMs,
        orgMode: placement.version.parameters.scopeMode === 'org',
        orgRouting: placement.version.parameters.scopeMode === 'org' ? undefined : orgRoutingOf(placement.version),
        segment,
        variants,
      });
      this.placementIds.set(key, id);
    }
    return id;
  }
}

/** A failover mode's index in `LinePlacement.orgRouting`: 0 for none (the version's default), else 1 + its index in `FAILOVER_MODES`. */
export function orgModeCode(mode: FailoverMode | undefined): number {
  return mode === undefined ? 0 : 1 + FAILOVER_MODES.indexOf(mode);
}

function orgRoutingOf(version: PolicyVersion): DecisionTerms[] {
  return [decisionTerms(version, version.parameters.defaultFailoverMode), ...FAILOVER_MODES.map((mode) => decisionTerms(version, mode))];
}

/** The instants a line of this version and period covers: the period within the version's time in force. */
function coveredInstants(policy: Policy, versionIndex: number, period: string, epochMs: number): [number, number] {
  const version = policy.versions[versionIndex]!;
  const following = policy.versions[versionIndex + 1];
  const [periodFrom, periodTo] = periodBounds(version, period, epochMs);
  return [Math.max(periodFrom, version.effectiveFromMs ?? -Infinity), Math.min(periodTo, following?.effectiveFromMs ?? Infinity)];
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
