import { type Accounts, type Decision, FEE_SCALE, MAX_MONEY_FRACTION_DIGITS, Money, type Policy, decideRequest } from '@byok-billing/core';
import { CHARGE_CODE, type CompactOutcome, placeRequest } from '@byok-billing/core/internal';
import { parseQuotedRecord } from '../io/csvRecords.js';
import { rowToRequest } from '../io/rowToRequest.js';
import type { FastDecided } from '../replay/fast/fastReplay.js';
import { type RowBatch, rowText } from '../replay/fast/rowBatch.js';
import type { RowSource } from '../replay/rowSource.js';

/** A decided request's list cost, exact. */
export function costOf(d: FastDecided): Money {
  const cost = d.batch.cost[d.row]!;
  return new Money(cost === cost ? BigInt(cost) : d.batch.side.get(d.row)!.costBig!, MAX_MONEY_FRACTION_DIGITS);
}

/**
 * A decided request's fee, exact: a pricing-language line's is the ledger's tiered fee; a
 * shorthand line's, its cost × the version's rate; 0 unless its charge kind is `fee`.
 */
export function feeOf(d: FastDecided, cost: Money = costOf(d)): Money {
  const { outcome } = d;
  if (outcome.chargeKind !== CHARGE_CODE.fee) return Money.ZERO;
  return outcome.tieredFee !== undefined ? new Money(outcome.tieredFee, FEE_SCALE).normalize() : cost.multiply(outcome.terms.version.parameters.feeRate);
}

/**
 * The record replay's `Decision` (and row source) for one request the fast replay decided:
 * the row is read again by the record reader, and decided by the core's `decideRequest`
 * with the counter its line had before it, so the explanation is the record replay's own.
 */
export function fullDecision(d: FastDecided, policy: Policy, accounts: Accounts | undefined, inputTimeZone: string | undefined): { decision: Decision; source: RowSource } {
  const text = rowText(d.batch, d.row);
  const quoted = d.batch.side.get(d.row)?.text !== undefined;
  const fields = quoted ? parseQuotedRecord(text, d.file, d.line) : text.split(',');
  const request = rowToRequest(fields, d.header, { inputTimeZone });
  const { ordinal } = d.outcome;
  // The line has already counted this request when it counts.
  const countedBefore = ordinal > 0 ? ordinal - 1 : d.outcome.lines.counted(d.outcome.line);
  // A pricing-language line's fee state before the request (list-usd counter, fees paid for the cap), as the ledger had it.
  const { outcome } = d;
  const feeState = outcome.tieredFee === undefined ? undefined : { listUsdSoFar: outcome.tieredListUsdBefore, feesSoFar: outcome.tieredFeesBefore };
  const decision = decideRequest(placeRequest(policy, accounts, request), countedBefore, request, feeState);
  return { decision, source: { file: d.file, line: d.line, text, timestamp: fields[d.header.index.timestamp] ?? '' } };
}

/** Whether a row's request id is `id`, compared as UTF-8 bytes where the row has them (no string per row). */
export function idMatcher(id: string): (batch: RowBatch, row: number) => boolean {
  const target = new TextEncoder().encode(id);
  return (batch, row) => {
    const side = batch.side.size > 0 ? batch.side.get(row) : undefined;
    if (side?.idBytes !== undefined) return sameBytes(side.idBytes, 0, side.idBytes.length, target);
    return sameBytes(batch.bytes, batch.idStart[row]!, batch.idEnd[row]!, target);
  };
}

function sameBytes(bytes: Uint8Array, start: number, end: number, target: Uint8Array): boolean {
  if (end - start !== target.length) return false;
  for (let i = 0; i < target.length; i++) if (bytes[start + i] !== target[i]) return false;
  return true;
}

/**
 * Whether an outcome's compact line is the bill line `scope`/`period` (any scope's line of
 * `period` when `scope` is undefined); asked once per line, not per request.
 */
export function compactLineMatcher(scope: string | undefined, period: string): (outcome: CompactOutcome) => boolean {
  let lastLines: CompactOutcome['lines'] | undefined;
  let last = -1;
  let lastMatches = false;
  return ({ line, lines }) => {
    if (line !== last || lines !== lastLines) {
      last = line;
      lastLines = lines;
      lastMatches = lines.period(line) === period && (scope === undefined || lines.scope(line) === scope);
    }
    return lastMatches;
  };
}
