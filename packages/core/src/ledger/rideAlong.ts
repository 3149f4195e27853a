import type { Accounts } from '../accounts/accounts.js';
import { CHARGE_FEE, CHARGE_LIST, ROUTE_BYOK } from '../kernel/codes.js';
import { chargeIndex, decisionTerms } from '../kernel/decisionTerms.js';
import type { Policy, PolicyVersion } from '../policy/policyTypes.js';
import { type Units, minus, plus, unitsIn } from './compactBill.js';
import { BYOK_COST, COUNTED_BYOK, COUNTED_COST, FAILED_COST, PLATFORM_COST } from './compactLayout.js';
import { placeRequest } from './decideRequest.js';
import { LineColumns } from './lineColumns.js';
import type { LinePlacement, VariantPlacement } from './linePlacements.js';
import type { UsageRequest } from './usageRequest.js';

/** A variant that decides as the ledger does but for its allowance and fee rate. */
export interface SharedTerms {
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
}

/** Of a line past an allowance, what it had counted within it: its counted BYOK requests… */
const CROSSED_BYOK = 0;
/** …and its counted requests' list costs, by route code (`CROSSED_COST + route`). */
const CROSSED_COST = 1;
const CROSSED_FIELDS = 4;

/** What a variant bills differently on a line: its version, free requests and the sums its rules charge. */
export interface VariantSplit {
  readonly version: PolicyVersion;
  readonly freeRequests: number;
  readonly feeBase: Units;
  readonly listCharge: Units;
}

/**
 * The what-if variants riding along with a compact ledger's decisions (same routes and
 * ordinals; their own allowance and fee rate). A variant with allowance A bills a line's
 * counted requests with ordinal ≤ A as within it — the first A the line counted. So the
 * ledger keeps, per line, only the running count and costs of its counted requests, and
 * when a line's counter first passes a variant's allowance those running sums are set
 * aside for it (rare: only lines past an allowance). A variant then needs no sums of its
 * own per line, whatever the number of variants.
 */
export class RideAlong {
  /** Sums set aside when a line passed an allowance (a row of `crossed`), by line × classes + class. */
  private readonly crossings = new Map<number, number>();
  private readonly crossed = new LineColumns(CROSSED_FIELDS, 0, 64);
  private readonly placements = new Map<string, VariantPlacement>();

  constructor(
    readonly shared: readonly SharedTerms[],
    private readonly columns: LineColumns,
  ) {}

  /** How the variants place a new line (one object for all the lines they place alike). */
  placementOf(request: Pick<UsageRequest, 'instant' | 'userId' | 'orgId'>): VariantPlacement {
    const versions = [];
    const allowances: number[] = [];
    const classOf: number[] = [];
    for (const variant of this.shared) {
      const placement = placeRequest(variant.policy, variant.accounts, request);
      let index = allowances.indexOf(placement.allowance);
      if (index < 0) index = allowances.push(placement.allowance) - 1;
      classOf.push(index);
      versions.push(placement.version);
    }
    const key = versions.map((v, i) => `${v.version}\n${allowances[classOf[i]!]}`).join('\n');
    let found = this.placements.get(key);
    if (found === undefined) this.placements.set(key, (found = { versions, classOf, allowances }));
    return found;
  }

  /** Counts a request the ledger counted (`ordinal` > 0) on `line`; the one past an allowance first sets aside what that allowance holds. */
  count(line: number, variants: VariantPlacement, route: number, ordinal: number, cost: number, costBig: bigint | undefined): void {
    const { allowances } = variants;
    // The request past an allowance: the sums so far are what that allowance holds.
    for (let c = 0; c < allowances.length; c++) if (ordinal - 1 === allowances[c]) this.setAside(line, c);
    const columns = this.columns;
    const at = line * columns.stride;
    if (route === ROUTE_BYOK) columns.values[at + COUNTED_BYOK]!++;
    if (costBig === undefined) columns.addUnits(at + COUNTED_COST + route, cost);
    else columns.addBig(at + COUNTED_COST + route, costBig);
  }

  private setAside(line: number, c: number): void {
    const { columns, crossed } = this;
    const at = line * columns.stride;
    const row = crossed.allocate();
    const to = row * CROSSED_FIELDS;
    crossed.values[to + CROSSED_BYOK] = columns.values[at + COUNTED_BYOK]!;
    for (let route = 0; route < CROSSED_FIELDS - CROSSED_COST; route++) {
      const from = at + COUNTED_COST + route;
      if (columns.isSmall(from)) crossed.values[to + CROSSED_COST + route] = columns.values[from]!;
      else crossed.addBig(to + CROSSED_COST + route, columns.total(from));
    }
    this.crossings.set(line * this.shared.length + c, row);
  }

  /**
   * Variant `variant`'s view of `line`: its free requests are the counted BYOK ones within
   * its allowance; each route's costs within the allowance, and the rest, pay what the
   * variant version's charge table says.
   */
  split(line: number, placement: LinePlacement, variant: number): VariantSplit {
    const variants = placement.variants!;
    const version = variants.versions[variant]!;
    const terms = decisionTerms(version, placement.terms.failoverMode);
    const columns = this.columns;
    const at = line * columns.stride;
    const crossing = this.crossings.size > 0 ? this.crossings.get(line * this.shared.length + variants.classOf[variant]!) : undefined;
    const crossedAt = crossing === undefined ? -1 : crossing * CROSSED_FIELDS;
    let feeBase: Units = 0;
    let listCharge: Units = 0;
    const routeCosts = [BYOK_COST, PLATFORM_COST, FAILED_COST];
    for (let route = 0; route < routeCosts.length; route++) {
      const all = unitsIn(columns, at + routeCosts[route]!);
      const within = crossing === undefined ? unitsIn(columns, at + COUNTED_COST + route) : unitsIn(this.crossed, crossedAt + CROSSED_COST + route);
      for (const inside of [true, false]) {
        const amount = inside ? within : minus(all, within);
        const kind = terms.charge[chargeIndex(route, inside)];
        if (kind === CHARGE_FEE) feeBase = plus(feeBase, amount);
        else if (kind === CHARGE_LIST) listCharge = plus(listCharge, amount);
      }
    }
    const freeRequests = crossing === undefined ? columns.values[at + COUNTED_BYOK]! : this.crossed.values[crossedAt + CROSSED_BYOK]!;
    return { version, freeRequests, feeBase, listCharge };
  }
}
