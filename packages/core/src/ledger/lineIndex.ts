import type { Accounts } from '../accounts/accounts.js';
import type { Policy } from '../policy/policyTypes.js';
import { PLACEMENT, PREVIOUS, SCOPE } from './compactLayout.js';
import { type Placement, failoverModeOf, placeRequest, routedUnder } from './decideRequest.js';
import type { LineColumns } from './lineColumns.js';
import type { LinePlacement, PlacementTable, VariantPlacement } from './linePlacements.js';
import type { UsageRequest } from './usageRequest.js';

/** How a compact ledger finds the line of a request: by its scope, version and period. */
export interface LineIndex {
  /** The line of a request (opened when it is the first of its scope-month). */
  lineOf(userIndex: number, orgIndex: number, epochMs: number): number;
  /** `org:<id>` or `user:<id>` of a line. */
  scope(line: number): string;
}

/** What a ledger's placements are made from. */
export interface Placing {
  readonly policy: Policy;
  readonly accounts: Accounts | undefined;
  readonly names: readonly string[];
  readonly table: PlacementTable;
  /** How the variants riding along place a new line, when there are any. */
  readonly variants?: ((request: Pick<UsageRequest, 'instant' | 'userId' | 'orgId'>) => VariantPlacement) | undefined;
  /** Told of each line as it opens, with its placement (the ledger keeps a line's pricing-language `fees` beside its columns). */
  readonly opened?: ((line: number, placement: Placement) => void) | undefined;
}

/** The request a ledger places: its user, org and instant as the core's placement takes them. */
function requestOf(names: readonly string[], userIndex: number, orgIndex: number, epochMs: number) {
  return { userId: names[userIndex]!, orgId: orgIndex < 0 ? '' : names[orgIndex]!, instant: { epochMs, nanos: 0 } };
}

/**
 * The placement of a request's line. A user's line under scope mode `user` is placed as the
 * user's own requests are (their account's failover mode): the requests an org member makes
 * on it are routed by their org's account instead (`LinePlacement.orgRouting`), so a line's
 * placement never depends on which request opened it.
 */
function linePlacement(placing: Placing, userIndex: number, orgIndex: number, epochMs: number): Placement {
  const { names, policy, accounts } = placing;
  const placement = placeRequest(policy, accounts, requestOf(names, userIndex, orgIndex, epochMs));
  if (orgIndex < 0 || placement.version.parameters.scopeMode === 'org') return placement;
  return routedUnder(placement, failoverModeOf(accounts, requestOf(names, userIndex, -1, epochMs), placement.version));
}

/**
 * A ledger's own index. Per name, the latest line of its user scope and of its org scope
 * (typed arrays, −1 for none): where the name's next request most often belongs, and the
 * start of the scope's chain of lines (each line links to its scope's previous one). No
 * map, string or object per line.
 */
export class ScopeIndex implements LineIndex {
  private byUser = new Int32Array(0);
  private byOrg = new Int32Array(0);

  constructor(
    private readonly columns: LineColumns,
    private readonly placing: Placing,
  ) {}

  placementOf(line: number): LinePlacement {
    return this.placing.table.placements[this.columns.ints[line * this.columns.intStride + PLACEMENT]!]!;
  }

  private covers(line: number, epochMs: number): boolean {
    const placement = this.placementOf(line);
    return epochMs >= placement.fromMs && epochMs < placement.toMs;
  }

  lineOf(userIndex: number, orgIndex: number, epochMs: number): number {
    if (userIndex >= this.byUser.length || orgIndex >= this.byOrg.length) this.grow(userIndex, orgIndex);
    // Most requests fall in the line of their scope's previous request.
    let line = orgIndex >= 0 ? this.byOrg[orgIndex]! : -1;
    if (line >= 0 && this.covers(line, epochMs)) return line;
    line = this.byUser[userIndex]!;
    if (line >= 0 && this.covers(line, epochMs) && !(orgIndex >= 0 && this.placementOf(line).orgMode)) return line;
    return this.place(userIndex, orgIndex, epochMs, true);
  }

  /** The line of a request this index has placed, without opening any (−1 when there is none). */
  find(userIndex: number, orgIndex: number, epochMs: number): number {
    if (userIndex >= this.byUser.length || orgIndex >= this.byOrg.length) this.grow(userIndex, orgIndex);
    // A request already decided: its line is on its scope's chain, most often at its start.
    for (let line = orgIndex >= 0 ? this.byOrg[orgIndex]! : -1; line >= 0; line = this.previous(line)) {
      if (this.covers(line, epochMs)) return line;
    }
    for (let line = this.byUser[userIndex]!; line >= 0; line = this.previous(line)) {
      if (this.covers(line, epochMs) && !(orgIndex >= 0 && this.placementOf(line).orgMode)) return line;
    }
    return this.place(userIndex, orgIndex, epochMs, false);
  }

  scope(line: number): string {
    const scope = this.columns.ints[line * this.columns.intStride + SCOPE]!;
    return scope < 0 ? `org:${this.placing.names[-1 - scope]}` : `user:${this.placing.names[scope]}`;
  }

  private previous(line: number): number {
    return this.columns.ints[line * this.columns.intStride + PREVIOUS]!;
  }

  /**
   * The line of a request its scope's latest line does not hold, asked of the policy: an
   * earlier line of the scope with the same version and period, or a new one (`open`).
   */
  private place(userIndex: number, orgIndex: number, epochMs: number, open: boolean): number {
    const { names, table } = this.placing;
    const request = requestOf(names, userIndex, orgIndex, epochMs);
    const placement = linePlacement(this.placing, userIndex, orgIndex, epochMs);
    const segment = table.segmentOf(placement, epochMs);
    const inOrg = orgIndex >= 0 && placement.scope.startsWith('org:');
    const heads = inOrg ? this.byOrg : this.byUser;
    const name = inOrg ? orgIndex : userIndex;
    for (let line = heads[name]!; line >= 0; line = this.previous(line)) {
      if (this.placementOf(line).segment === segment) return line;
    }
    if (!open) return -1;
    const line = this.open(heads, name, inOrg ? -1 - orgIndex : userIndex, table.numberOf(segment, placement, this.placing.variants?.(request)));
    this.placing.opened?.(line, placement);
    return line;
  }

  /** A new line at the start of its scope's chain. */
  private open(heads: Int32Array, name: number, scope: number, placement: number): number {
    const { columns } = this;
    const line = columns.allocate();
    const at = line * columns.intStride;
    columns.ints[at + PLACEMENT] = placement;
    columns.ints[at + SCOPE] = scope;
    columns.ints[at + PREVIOUS] = heads[name]!;
    heads[name] = line;
    return line;
  }

  /** Grows the per-name heads with the name table. */
  private grow(userIndex: number, orgIndex: number): void {
    const size = Math.max(this.placing.names.length, userIndex + 1, orgIndex + 1, this.byUser.length * 2);
    const grow = (old: Int32Array) => {
      const grown = new Int32Array(size).fill(-1);
      grown.set(old);
      return grown;
    };
    this.byUser = grow(this.byUser);
    this.byOrg = grow(this.byOrg);
  }
}

/**
 * The index of another ledger that decides the same requests first and places every one
 * in the same scope, version and period (`sharesLines`): its line numbers are this
 * ledger's, so only this ledger's own placement (terms, allowance) is kept per line.
 */
export class SharedIndex implements LineIndex {
  constructor(
    private readonly columns: LineColumns,
    private readonly placing: Placing,
    private readonly index: ScopeIndex,
  ) {}

  lineOf(userIndex: number, orgIndex: number, epochMs: number): number {
    const line = this.index.find(userIndex, orgIndex, epochMs);
    if (line < 0) throw new Error('byok-billing: a ledger sharing lines was given a request the other ledger has not decided');
    const { columns } = this;
    while (columns.count <= line) columns.ints[columns.allocate() * columns.intStride + PLACEMENT] = -1;
    if (columns.ints[line * columns.intStride + PLACEMENT]! < 0) columns.ints[line * columns.intStride + PLACEMENT] = this.placementNumber(line, userIndex, orgIndex, epochMs);
    return line;
  }

  /** Whether this ledger has decided a request on `line` (lines of the other ledger it never saw are not its own). */
  has(line: number): boolean {
    return line < this.columns.count && this.columns.ints[line * this.columns.intStride + PLACEMENT]! >= 0;
  }

  scope(line: number): string {
    return this.index.scope(line);
  }

  private placementNumber(line: number, userIndex: number, orgIndex: number, epochMs: number): number {
    const { table } = this.placing;
    const placement = linePlacement(this.placing, userIndex, orgIndex, epochMs);
    const number = table.numberOf(table.segmentOf(placement, epochMs), placement, undefined);
    this.placing.opened?.(line, placement);
    return number;
  }
}
