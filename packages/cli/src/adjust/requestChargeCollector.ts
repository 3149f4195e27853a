import { Money, ROUTES, type RequestCharge, formatInstant } from '@byok-billing/core';
import { lineKey } from '@byok-billing/core/internal';
import type { FastDecided } from '../replay/fast/fastReplay.js';
import { rowId } from '../replay/fast/rowBatch.js';

/** Which requests to keep: by the scope-month they bill, or by id. */
export interface ChargeFilter {
  readonly lines?: ReadonlySet<string> | undefined;
  readonly ids?: ReadonlySet<string> | undefined;
  /** Keep every request (standard input, which cannot be read a second time). */
  readonly all?: boolean | undefined;
}

export interface RequestChargeCollector {
  /** For the replay's `onDecided`. */
  observe(d: FastDecided): void;
  /** Forget everything: the replay started over (a row later than the reorder window). */
  reset(): void;
  readonly charges: Map<string, RequestCharge>;
}

/**
 * Keeps, by request id, the requests of the scope-months an adjustment is about, as the fast
 * replay charged them (the numbers `--details` writes: fee_usd, charge_usd). Only the kept
 * requests cost an id string and an object; a line's key is made once per line of a pass.
 */
export function requestChargeCollector(filter: ChargeFilter): RequestChargeCollector {
  const charges = new Map<string, RequestCharge>();
  let linesOf: unknown;
  let keyOfLine: (string | undefined)[] = [];
  const keyOf = (d: FastDecided): string => {
    const { lines, line } = d.outcome;
    if (lines !== linesOf) {
      linesOf = lines;
      keyOfLine = [];
    }
    return (keyOfLine[line] ??= lineKey(lines.scope(line), lines.period(line)));
  };
  return {
    charges,
    reset() {
      charges.clear();
      linesOf = undefined;
      keyOfLine = [];
    },
    observe(d) {
      const key = keyOf(d);
      let id: string | undefined;
      if (!filter.all && !filter.lines?.has(key)) {
        if (filter.ids === undefined) return;
        id = rowId(d.batch, d.row);
        if (!filter.ids.has(id)) return;
      }
      id ??= rowId(d.batch, d.row);
      const { outcome } = d;
      const [scope, period] = key.split('\n') as [string, string];
      const route = ROUTES[outcome.route]!;
      const cost = costOf(d);
      charges.set(id, {
        requestId: id,
        scope,
        period,
        content: `${formatInstant({ epochMs: d.epochMs, nanos: d.nanos })} ${scope} ${cost.toString()} ${route}`,
        status: outcome.route === 0 ? (outcome.within ? 'free' : 'billable') : route,
        ordinal: outcome.ordinal === 0 ? null : outcome.ordinal,
        chargeUsd: chargeOf(d, cost),
        source: `${d.file}, line ${d.line}`,
      });
    },
  };
}

/** The request's list cost, exact (10^-12 $ units, as the log batch holds it). */
function costOf(d: FastDecided): Money {
  const cost = d.batch.cost[d.row]!;
  return new Money(cost === cost ? BigInt(cost) : d.batch.side.get(d.row)!.costBig!, 12);
}

/** What the request is charged, exact: as `--details` writes charge_usd (output/compactDecisionRecords.ts). */
function chargeOf(d: FastDecided, cost: Money): Money {
  const { outcome } = d;
  if (outcome.chargeKind === 2) return cost;
  if (outcome.chargeKind !== 1) return Money.ZERO;
  // A line with pricing-language terms: the request's exact fee as the ledger summed it (10^-24 $).
  if (outcome.tieredFee !== undefined) return new Money(outcome.tieredFee, 24);
  const rate = outcome.terms.version.parameters.feeRate;
  return new Money(cost.units * rate.units, cost.scale + rate.scale);
}
