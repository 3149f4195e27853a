import { InputError, type InputLocation } from './inputError.js';

/** A CSV header that names one column twice: exit code 2, naming the second one. */
export class DuplicateColumnError extends InputError {
  constructor(
    location: InputLocation,
    /** 1-based position of the column named first. */
    readonly firstColumn: number,
  ) {
    super(location, `column ${JSON.stringify(location.columnName)} appears twice in the header (also column ${firstColumn})`);
    this.name = 'DuplicateColumnError';
  }
}

/**
 * The column names of a CSV input's header row, trimmed. Every CSV the CLI reads (logs,
 * invoices, accounts) goes through here: a name given twice is refused, because a reader
 * picks one of the two columns (an invoice compared on its last `total_usd` "matches"
 * whatever the first one says), and which one the writer meant is unknowable.
 */
export function readHeaderNames(fields: readonly string[], file: string, line = 1): string[] {
  const names = fields.map((f) => f.trim());
  const first = new Map<string, number>();
  names.forEach((name, i) => {
    const earlier = first.get(name);
    if (earlier !== undefined) throw new DuplicateColumnError({ file, line, column: i + 1, columnName: name }, earlier + 1);
    first.set(name, i);
  });
  return names;
}
