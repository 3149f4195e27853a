import type { DecisionRecord, DecisionShape } from '@byok-billing/core';
import { StoreError } from './storeError.js';
import { plainText as plain } from './storedText.js';


/** How many keys a DecisionRecord has. */
const RECORD_KEYS = 20;

/**
 * How many enumerable keys an object has (inherited ones too: a record with any is kept
 * as JSON, which is safe), without making the array `Object.keys` would.
 */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/**
 * True when every field of the record has the type DecisionRecord gives it, it has no
 * field beyond them, and its text can be kept in SQLite as it is: then the record is
 * exactly its columns plus its shape. Any other object (a field added to DecisionRecord
 * later, a test's partial record) is kept whole as JSON instead, so nothing a caller
 * stores is ever lost.
 */
export function fitsColumns(r: DecisionRecord): boolean {
  return (
    typeof r.requestId === 'string' &&
    typeof r.instant === 'string' &&
    typeof r.scope === 'string' &&
    typeof r.period === 'string' &&
    typeof r.policyVersion === 'string' &&
    typeof r.failoverMode === 'string' &&
    typeof r.route === 'string' &&
    typeof r.routeRule === 'string' &&
    (r.recordedRoute === null || typeof r.recordedRoute === 'string') &&
    typeof r.routeMismatch === 'boolean' &&
    typeof r.counted === 'boolean' &&
    (r.ordinal === null || Number.isSafeInteger(r.ordinal)) &&
    Number.isSafeInteger(r.allowance) &&
    (r.status === null || typeof r.status === 'string') &&
    typeof r.chargeKind === 'string' &&
    typeof r.chargeRule === 'string' &&
    typeof r.costUsd === 'string' &&
    typeof r.feeUsd === 'string' &&
    typeof r.chargeUsd === 'string' &&
    (r.chargedUsd === null || typeof r.chargedUsd === 'string') &&
    keyCount(r) === RECORD_KEYS &&
    plain(r.requestId) &&
    plain(r.instant) &&
    plain(r.scope) &&
    plain(r.period) &&
    plain(r.costUsd) &&
    plain(r.feeUsd) &&
    plain(r.chargeUsd) &&
    (r.chargedUsd === null || plain(r.chargedUsd))
  );
}

/** Whether a record has the shape `t` (strings compared by value). */
export function sameShape(t: DecisionShape, r: DecisionRecord): boolean {
  return (
    t.route === r.route &&
    t.status === r.status &&
    t.chargeKind === r.chargeKind &&
    t.routeRule === r.routeRule &&
    t.chargeRule === r.chargeRule &&
    t.policyVersion === r.policyVersion &&
    t.failoverMode === r.failoverMode &&
    t.recordedRoute === r.recordedRoute &&
    t.routeMismatch === r.routeMismatch &&
    t.counted === r.counted &&
    t.allowance === r.allowance
  );
}


/**
 * The text a shape is kept and looked up by: JSON of its fields in a fixed order, so one
 * shape always has one text.
 */
export function shapeText(t: DecisionShape): string {
  return JSON.stringify([
    t.policyVersion,
    t.failoverMode,
    t.route,
    t.routeRule,
    t.recordedRoute,
    t.routeMismatch,
    t.counted,
    t.allowance,
    t.status,
    t.chargeKind,
    t.chargeRule,
  ]);
}

/** Reads the text `shapeText` wrote; a stored text of any other shape is a format error. */
export function parseShape(text: string, id: number): DecisionShape {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const a = v as unknown[];
  const str = (x: unknown) => typeof x === 'string';
  const strOrNull = (x: unknown) => x === null || typeof x === 'string';
  if (
    !Array.isArray(a) ||
    a.length !== 11 ||
    !str(a[0]) || !str(a[1]) || !str(a[2]) || !str(a[3]) || !strOrNull(a[4]) ||
    typeof a[5] !== 'boolean' || typeof a[6] !== 'boolean' || !Number.isSafeInteger(a[7]) ||
    !strOrNull(a[8]) || !str(a[9]) || !str(a[10])
  ) {
    throw new StoreError('STORE_FORMAT', `decision shape ${id} is not a meter store's`);
  }
  return {
    policyVersion: a[0],
    failoverMode: a[1],
    route: a[2],
    routeRule: a[3],
    recordedRoute: a[4],
    routeMismatch: a[5],
    counted: a[6],
    allowance: a[7],
    status: a[8],
    chargeKind: a[9],
    chargeRule: a[10],
  } as DecisionShape;
}

/** The record again, its keys in `toDecisionRecord`'s order so that its JSON is the same text. */
export function joinRecord(
  requestId: string,
  t: DecisionShape,
  instant: string,
  scope: string,
  period: string,
  ordinal: number | null,
  cost: string,
  fee: string,
  charge: string,
  charged: string | null,
): DecisionRecord {
  return {
    requestId,
    instant,
    scope,
    period,
    policyVersion: t.policyVersion,
    failoverMode: t.failoverMode,
    route: t.route,
    routeRule: t.routeRule,
    recordedRoute: t.recordedRoute,
    routeMismatch: t.routeMismatch,
    counted: t.counted,
    ordinal,
    allowance: t.allowance,
    status: t.status,
    chargeKind: t.chargeKind,
    chargeRule: t.chargeRule,
    costUsd: cost,
    feeUsd: fee,
    chargeUsd: charge,
    chargedUsd: charged,
  };
}
