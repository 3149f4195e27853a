import { type FeeState, NO_FEES } from '@byok-billing/core';
import { StoreError } from './storeError.js';

/*
 * A counter's fee state as the stores keep it: each amount a whole number of units (10^-12
 * dollars of list cost, 10^-24 dollars of fees) written as decimal text, never a float, so
 * that it comes back exactly however large it grows.
 */

const UNITS = /^(0|[1-9][0-9]*)$/;

/** The text an amount of units is kept as. */
export function unitsText(units: bigint): string {
  return units.toString();
}

/** Units kept as text (or a number/bigint a driver gave); NULL is 0 (rows written before fee states were kept); anything else is a format error. */
export function parseUnits(value: unknown, what: string): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && UNITS.test(value)) return BigInt(value);
  throw new StoreError('STORE_FORMAT', `${what} holds ${JSON.stringify(String(value))}, not a whole number of units`);
}

/** The fee state of two stored amounts; the shared `NO_FEES` when both are 0. */
export function feeStateOf(listUsd: unknown, fees: unknown, key: string): FeeState {
  const listUsdSoFar = parseUnits(listUsd, `counter ${JSON.stringify(key)}'s list_usd`);
  const feesSoFar = parseUnits(fees, `counter ${JSON.stringify(key)}'s fees`);
  return listUsdSoFar === 0n && feesSoFar === 0n ? NO_FEES : { listUsdSoFar, feesSoFar };
}

/** Whether two fee states are the same amounts. */
export function sameFees(a: FeeState, b: FeeState): boolean {
  return a === b || (a.listUsdSoFar === b.listUsdSoFar && a.feesSoFar === b.feesSoFar);
}
