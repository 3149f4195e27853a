import { StoreError } from './storeError.js';

/** Thrown inside a batch when another process stored one of its request_ids first. */
export class RacedRetryError extends Error {
  constructor() {
    super('a request_id of the batch was recorded by another writer meanwhile');
    this.name = 'RacedRetryError';
  }
}

/**
 * Errors after which the same transaction can simply run again: a deadlock or a
 * serialization failure (PostgreSQL aborted it), or a retried request that another
 * process stored between our look-up and our insert (the next attempt finds it).
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RacedRetryError) return true;
  const code = (error as { code?: unknown }).code;
  return code === '40001' || code === '40P01';
}

/** Maps what pg throws to store errors a caller can act on; anything else is passed on as is. */
export function asPostgresStoreError(error: unknown, where: string): unknown {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (error instanceof RacedRetryError || code === '40001' || code === '40P01') {
    return new StoreError('STORE_BUSY', `${where}: gave up after repeated conflicts with other writers (${message})`, { cause: error });
  }
  if (typeof code !== 'string') {
    // pg reports a connection it cannot make without a code in some versions.
    return /connect|terminat|timeout/i.test(message) ? new StoreError('STORE_UNAVAILABLE', `${where}: ${message}`, { cause: error }) : error;
  }
  // Node's socket errors (ECONNREFUSED, ENOTFOUND), and SQLSTATE classes 08 (connection),
  // 28 (authorization), 3D (no such database), 53 (resources), 57 (server shut down).
  if (code.startsWith('E') || /^(08|28|3D|53|57)/.test(code)) {
    return new StoreError('STORE_UNAVAILABLE', `${where}: ${message} (${code})`, { cause: error });
  }
  if (code.startsWith('42')) {
    return new StoreError('STORE_FORMAT', `${where}: the tables are not a meter store's (${message}, ${code})`, { cause: error });
  }
  return error;
}
