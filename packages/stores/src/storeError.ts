/**
 * Typed errors of the stores. `code` lets a billing backend (or the CLI) tell a store it
 * cannot reach from a bug without parsing messages.
 */
export type StoreErrorCode =
  /** The database cannot be opened or reached (bad path, connection refused, bad credentials). */
  | 'STORE_UNAVAILABLE'
  /** Other writers kept the store locked past the wait limit, or retries ran out. */
  | 'STORE_BUSY'
  /** The store was closed before this call. */
  | 'STORE_CLOSED'
  /** The database holds tables of another format, or a record that is not a decision. */
  | 'STORE_FORMAT'
  /** An option or store spec that is not valid. */
  | 'STORE_OPTION';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(`byok-billing store: ${message}`, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
