import { UsageError } from '../exitCodes.js';

/** Where in an input a problem is: file, 1-based line, and the column when known. */
export interface InputLocation {
  readonly file: string;
  readonly line?: number | undefined;
  /** 1-based field index. */
  readonly column?: number | undefined;
  readonly columnName?: string | undefined;
}

export function formatLocation(location: InputLocation): string {
  let text = location.file;
  if (location.line !== undefined) text += `, line ${location.line}`;
  if (location.column !== undefined) {
    text += `, column ${location.column}${location.columnName ? ` (${location.columnName})` : ''}`;
  } else if (location.columnName) {
    text += `, column ${location.columnName}`;
  }
  return text;
}

/** Bad input, located: exit code 2 with a message naming file, line and column. */
export class InputError extends UsageError {
  readonly location: InputLocation;
  readonly reason: string;

  constructor(location: InputLocation, reason: string) {
    super(`${formatLocation(location)}: ${reason}`);
    this.name = 'InputError';
    this.location = location;
    this.reason = reason;
  }
}
