import { StoreError } from './storeError.js';

/** Calls grouped into one transaction by default: large enough to amortise a durable commit. */
export const DEFAULT_MAX_BATCH = 512;

/**
 * The SQLite store's default. A SQLite commit rewrites every page the transaction
 * touched (a page of counters for every few scopes) and waits for the disk, while the
 * work per call is small, so the fewer commits the better: 8192 takes all that
 * `byok meter` keeps in flight (4096 rows) in one transaction.
 */
export const SQLITE_DEFAULT_MAX_BATCH = 8192;

export function checkMaxBatch(value: number | undefined, fallback = DEFAULT_MAX_BATCH): number {
  const maxBatch = value ?? fallback;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
    throw new StoreError('STORE_OPTION', `maxBatch must be a positive integer, not ${String(value)}`);
  }
  return maxBatch;
}

/** Table prefixes go into SQL text, so only plain identifiers are allowed. */
export function checkTablePrefix(value: string | undefined): string {
  const prefix = value ?? '';
  if (!/^(?:[A-Za-z_][A-Za-z0-9_]{0,39})?$/.test(prefix)) {
    throw new StoreError('STORE_OPTION', `tablePrefix ${JSON.stringify(prefix)} must be letters, digits and _ (not starting with a digit), at most 40`);
  }
  return prefix;
}
