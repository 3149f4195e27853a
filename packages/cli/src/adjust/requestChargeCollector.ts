import { Money, ROUTES, type RequestCharge } from '@byok-billing/core';
import { lineKey } from '@byok-billing/core/internal';
import type { FastDecided } from '../replay/fast/fastReplay.js';
import { rowId } from '../replay/fast/rowBatch.js';

/** Which requests to keep: by the scope-month they bill, or by id. */
export interface ChargeFilter {
  readonly lines?: ReadonlySet<string> | undefined;
  readonly ids?: ReadonlySet<string> | undefined;
  /** Keep every request (standard input, which cannot be read a second time). */
  readonly all?: boolean | undefined;
  /**
   * Told each request that passes the filter: whether to keep it in `charges` (default: yes).
   * It may hold what it needs of the request elsewhere instead (a fingerprint).
   */
  readonly keep?: ((charge: RequestCharge) => boolean) | undefined;
}

export interface RequestChargeCollector {
  /** For the replay's `onDecided`. */
  observe(d: FastDecided): void;
  /** Forget everything: the replay started over (a row later than the reorder window). */
  reset(): void;
  readonly charges: Map<string, RequestCharge>;
}

interface LineNames {
  readonly key: string;
  readonly scope: string;
  readonly period: string;
}

/**
 * Keeps, by request id, the requests of the scope-months an adjustment is about, as the fast
 * replay charged them (the numbers `--details` writes: charge_usd). Only the kept requests
 * cost an id string and an object; what repeats (a line's scope and period, a file's name)
 * is one string shared by all, so a month of a million requests stays in memory.
 */
export function requestChargeCollector(filter: ChargeFilter): RequestChargeCollector {
  const charges = new Map<string, RequestCharge>();
  let linesOf: unknown;
  let namesOfLine: (LineNames | undefined)[] = [];
  const namesOf = (d: FastDecided): LineNames => {
    const { lines, line } = d.outcome;
    if (lines !== linesOf) {
      linesOf = lines;
      namesOfLine = [];
    }
    let names = namesOfLine[line];
    if (names === undefined) {
      const scope = lines.scope(line);
      const period = lines.period(line);
      names = namesOfLine[line] = { key: lineKey(scope, period), scope, period };
    }
    return names;
  };
  return {
    charges,
    reset() {
      charges.clear();
      linesOf = undefined;
      namesOfLine = [];
    },
    observe(d) {
      const names = namesOf(d);
      let id: string | undefined;
      if (!filter.all && !filter.lines?.has(names.key)) {
        if (filter.ids === undefined) return;
        id = rowId(d.batch, d.row);
        if (!filter.ids.has(id)) return;
      }
      id ??= rowId(d.batch, d.row);
      const { outcome } = d;
      const cost = d.batch.cost[d.row]!;
      const costUnits = cost === cost ? BigInt(cost) : d.batch.side.get(d.row)!.costBig!;
      const charge: RequestCharge = {
        requestId: id,
        scope: names.scope,
        period: names.period,
        // Instant and cost in their exact units, and the route: what a corrected row changes.
        content: `${d.epochMs}.${d.nanos} ${costUnits} ${outcome.route}`,
        status: outcome.route === 0 ? (outcome.within ? 'free' : 'billable') : ROUTES[outcome.route]!,
        ordinal: outcome.ordinal === 0 ? null : outcome.ordinal,
        chargeUsd: chargeOf(d, costUnits),
        file: d.file,
        line: d.line,
      };
      if (filter.keep !== undefined && !filter.keep(charge)) return;
      charges.set(id, charge);
    },
  };
}

/** What the request is charged, exact: as `--details` writes charge_usd (output/compactDecisionRecords.ts). */
function chargeOf(d: FastDecided, costUnits: bigint): Money {
  const { outcome } = d;
  // The cost is in 10^-12 $ (pico-dollars), as the log batch holds it.
  if (outcome.chargeKind === 2) return new Money(costUnits, 12);
  if (outcome.chargeKind !== 1) return Money.ZERO;
  // A line with pricing-language terms: the request's exact fee as the ledger summed it (10^-24 $).
  if (outcome.tieredFee !== undefined) return new Money(outcome.tieredFee, 24);
  const rate = outcome.terms.version.parameters.feeRate;
  return new Money(costUnits * rate.units, 12 + rate.scale);
}
