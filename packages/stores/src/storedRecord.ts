import type { DecisionRecord } from '@byok-billing/core';
import { StoreError } from './storeError.js';

/**
 * A decision as a store keeps it: the record's JSON text. Money is already in exact
 * decimal strings there, so the text round-trips without ever becoming a JS number.
 */
export function encodeRecord(record: DecisionRecord): string {
  return JSON.stringify(record);
}

/**
 * The record a stored JSON text holds for `requestId`: it must carry that id (or one
 * `sameId` accepts, for a store that returns some ids altered).
 */
export function decodeRecord(text: string, requestId: string, sameId = (id: string) => id === requestId): DecisionRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoreError('STORE_FORMAT', `the stored decision of request_id ${JSON.stringify(requestId)} is not JSON`);
  }
  const record = value as DecisionRecord;
  if (typeof value !== 'object' || value === null || typeof record.requestId !== 'string' || !sameId(record.requestId) || typeof record.feeUsd !== 'string') {
    throw new StoreError('STORE_FORMAT', `the stored decision of request_id ${JSON.stringify(requestId)} is not a decision record`);
  }
  return record;
}
