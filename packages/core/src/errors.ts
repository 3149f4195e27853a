/**
 * Typed errors of the core. Every error carries a stable `code` so callers (the CLI,
 * a billing backend) can map it to an exit code or an API response without parsing
 * messages. Messages name the offending value; the caller adds file/line/column.
 */
export type ErrorCode =
  | 'INVALID_MONEY'
  | 'INVALID_RATE'
  | 'INVALID_TIMESTAMP'
  | 'NONEXISTENT_LOCAL_TIME'
  | 'INVALID_TIME_ZONE'
  | 'INVALID_PERIOD'
  | 'INVALID_POLICY'
  | 'INVALID_ACCOUNTS'
  | 'INVALID_REQUEST'
  | 'OUT_OF_ORDER'
  | 'CONFLICTING_DUPLICATE'
  | 'LATE_ARRIVAL'
  | 'NO_POLICY_VERSION'
  | 'UNSUPPORTED_POLICY'
  | 'INVALID_THRESHOLD';

export class ByokError extends Error {
  readonly code: ErrorCode;
  /** The request field (log column) the problem is in, when there is one. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.field = field;
  }
}

/** A money or rate literal that is not a plain decimal the policy accepts. */
export class InvalidMoneyError extends ByokError {
  constructor(message: string, field?: string) {
    super('INVALID_MONEY', message, field);
  }
}

export class InvalidRateError extends ByokError {
  constructor(message: string, field?: string) {
    super('INVALID_RATE', message, field);
  }
}

export class InvalidTimestampError extends ByokError {
  constructor(message: string, field?: string) {
    super('INVALID_TIMESTAMP', message, field);
  }
}

/** A local wall-clock time that a daylight-saving jump skips in the given zone. */
export class NonexistentLocalTimeError extends ByokError {
  constructor(message: string, field?: string) {
    super('NONEXISTENT_LOCAL_TIME', message, field);
  }
}

export class InvalidTimeZoneError extends ByokError {
  constructor(message: string, field?: string) {
    super('INVALID_TIME_ZONE', message, field);
  }
}

/** A billing period label that is not `YYYY-MM` (a month 01–12). */
export class InvalidPeriodError extends ByokError {
  constructor(message: string, field?: string) {
    super('INVALID_PERIOD', message, field);
  }
}

/** A policy document that fails validation; `path` is the JSON path of the problem. */
export class PolicyValidationError extends ByokError {
  readonly path: string;

  constructor(path: string, problem: string) {
    super('INVALID_POLICY', `${path}: ${problem}`);
    this.path = path;
  }
}

export class InvalidAccountsError extends ByokError {
  constructor(message: string, field?: string) {
    super('INVALID_ACCOUNTS', message, field);
  }
}

export class InvalidRequestError extends ByokError {
  constructor(message: string, field?: string) {
    super('INVALID_REQUEST', message, field);
  }
}

/** The ledger was fed a request earlier than one it already decided. */
export class OutOfOrderError extends ByokError {
  constructor(message: string) {
    super('OUT_OF_ORDER', message, 'timestamp');
  }
}

/** Two requests share a `request_id` but differ in content (POLICY.md D6). */
export class ConflictingDuplicateError extends ByokError {
  /** Where the first request with this id came from, when the caller tagged it. */
  readonly first: unknown;

  constructor(message: string, first?: unknown) {
    super('CONFLICTING_DUPLICATE', message, 'request_id');
    this.first = first;
  }
}

export class NoPolicyVersionError extends ByokError {
  constructor(message: string) {
    super('NO_POLICY_VERSION', message, 'timestamp');
  }
}

/**
 * A policy (or accounts file) that is valid but that an engine cannot bill exactly, e.g. the
 * fast replay's compact ledger and fee schedules chosen by `provider`/`model` (cells it does
 * not read). Refused, never billed approximately.
 */
export class UnsupportedPolicyError extends ByokError {
  constructor(message: string) {
    super('UNSUPPORTED_POLICY', message);
  }
}

/**
 * A request that arrives later than the reorder window allows: it would precede requests
 * already decided. `latest` describes the arrival it is too far behind.
 */
export class LateArrivalError extends ByokError {
  constructor(
    message: string,
    readonly latest: unknown,
  ) {
    super('LATE_ARRIVAL', message, 'timestamp');
  }
}

/*
 * Errors a CALLER's bug causes (an argument no valid input can produce), as opposed to
 * the input problems above. They carry a code like ByokError but deliberately do NOT
 * extend it: the CLI treats every ByokError as the user's input (a refused row, exit
 * code 2) and anything else as a bug in byok (exit code 70), and these must stay on the
 * bug side. They extend RangeError, which they were before they had a class, so code
 * that catches or asserts RangeError keeps working.
 */
export type ProgrammingErrorCode = 'INVALID_ARGUMENT' | 'INEXACT_ARITHMETIC';

/** An argument outside its domain, e.g. a scale that is not a non-negative integer. */
export class InvalidArgumentError extends RangeError {
  readonly code: ProgrammingErrorCode = 'INVALID_ARGUMENT';

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Exact arithmetic asked to do what it cannot without losing digits. */
export class ArithmeticError extends RangeError {
  readonly code: ProgrammingErrorCode = 'INEXACT_ARITHMETIC';

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A threshold name `createMeter` cannot read (`parseThresholds`). */
export class InvalidThresholdError extends ByokError {
  constructor(message: string) {
    super('INVALID_THRESHOLD', message);
  }
}
