import { UsageError } from '../exitCodes.js';

/** Why one generation record cannot be imported, and which of its fields is at fault. */
export class RecordProblem extends Error {
  constructor(
    readonly reason: string,
    /** The field as the record names it (snake_case or camelCase), when one field is at fault. */
    readonly field?: string,
  ) {
    super(reason);
    this.name = 'RecordProblem';
  }
}

/** Where a record is: the file, the physical line it starts on, and its array index for a JSON document. */
export interface RecordLocation {
  readonly file: string;
  readonly line: number;
  /** 0-based index in the document's array of records; undefined for JSON Lines. */
  readonly index?: number | undefined;
}

export function formatRecordLocation(location: RecordLocation, field?: string): string {
  let text = `${location.file}, line ${location.line}`;
  if (location.index !== undefined) text += `, record [${location.index}]`;
  if (field !== undefined) text += `, field ${field}`;
  return text;
}

/**
 * A record refused without --rejects: exit code 2 (a UsageError, like the CSV reader's
 * InputError) with a message naming the file, line, array index and field.
 */
export class RecordError extends UsageError {
  constructor(
    readonly location: RecordLocation,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(`${formatRecordLocation(location, field)}: ${reason}`);
    this.name = 'RecordError';
  }
}
