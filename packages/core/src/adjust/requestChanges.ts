import { Money } from '../money/money.js';
import type { RequestCharge } from './requestCharge.js';

/**
 * Why a request bills a scope-month differently than when the invoice was made:
 * - `added-late`: its id is not in the log the invoice was billed from;
 * - `removed`: it was billed then and is not in the log now;
 * - `changed`: same id, other content (a corrected row; it may have moved to another scope-month);
 * - `shifted-past-allowance` / `shifted-into-allowance`: the same request, whose free or
 *   billable status changed because requests before it arrived (or went);
 * - `fee-shifted`: the same request, still billable, whose fee changed (a tier or a cap moved).
 */
export const CHANGE_CAUSES = ['added-late', 'changed', 'removed', 'shifted-past-allowance', 'shifted-into-allowance', 'fee-shifted'] as const;
export type ChangeCause = (typeof CHANGE_CAUSES)[number];

export interface RequestSide {
  readonly scope: string;
  readonly period: string;
  readonly status: string;
  readonly ordinal: number | null;
  readonly chargeUsd: Money;
  readonly source: string;
}

export interface RequestChange {
  readonly requestId: string;
  readonly cause: ChangeCause;
  /** As billed when invoiced (absent when added late). */
  readonly before?: RequestSide | undefined;
  /** As the log bills it now (absent when removed). */
  readonly after?: RequestSide | undefined;
  /** What the request changes on this scope-month's total, exact: now − then, on this line only. */
  readonly differenceUsd: Money;
}

function side(r: RequestCharge): RequestSide {
  return { scope: r.scope, period: r.period, status: r.status, ordinal: r.ordinal, chargeUsd: r.chargeUsd, source: `${r.file}, line ${r.line}` };
}

function causeOf(before: RequestCharge | undefined, after: RequestCharge | undefined): ChangeCause {
  if (before === undefined) return 'added-late';
  if (after === undefined) return 'removed';
  if (before.content !== after.content || before.scope !== after.scope || before.period !== after.period) return 'changed';
  if (before.status === 'free' && after.status === 'billable') return 'shifted-past-allowance';
  if (before.status === 'billable' && after.status === 'free') return 'shifted-into-allowance';
  return 'fee-shifted';
}

/**
 * The requests that make one scope-month bill differently now than when invoiced, each with
 * its exact contribution to the line: (its charge now if it is on this line now) − (its
 * charge then if it was on this line then). The contributions sum to the line's total
 * now − then exactly (a line's total is the sum of its requests' charges); a request that
 * is the same and charged the same is left out (its ordinal may have moved, its charge did not). `then` and `now` are the requests by id, for this line and for
 * any id of this line on the other side (so a moved request is seen as changed, not as added
 * or removed); a request on neither side of this line is ignored.
 */
export function requestChanges(
  scope: string,
  period: string,
  then: ReadonlyMap<string, RequestCharge>,
  now: ReadonlyMap<string, RequestCharge>,
): RequestChange[] {
  const on = (r: RequestCharge | undefined) => r !== undefined && r.scope === scope && r.period === period;
  const ids = new Set<string>();
  for (const [id, r] of then) if (on(r)) ids.add(id);
  for (const [id, r] of now) if (on(r)) ids.add(id);
  const changes: RequestChange[] = [];
  for (const id of ids) {
    const before = then.get(id);
    const after = now.get(id);
    const difference = (on(after) ? after!.chargeUsd : Money.ZERO).subtract(on(before) ? before!.chargeUsd : Money.ZERO);
    const cause = causeOf(before, after);
    // A request added, removed or corrected is a change even when free (it moves the others'
    // ordinals); the same request charged the same is not.
    if (difference.isZero() && (cause === 'fee-shifted' || cause.startsWith('shifted'))) continue;
    changes.push({
      requestId: id,
      cause,
      before: before === undefined ? undefined : side(before),
      after: after === undefined ? undefined : side(after),
      differenceUsd: difference,
    });
  }
  // Largest effect first, then by id: the order a reader looks for the cause in.
  return changes.sort((a, b) => absolute(b.differenceUsd).compare(absolute(a.differenceUsd)) || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
}

export function absolute(m: Money): Money {
  return m.isNegative() ? m.negate() : m;
}
