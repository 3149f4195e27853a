/*
 * Every value byok writes into DuckDB's SQL text (file paths, column names, vocabularies)
 * goes through these two functions, so no file name can end a literal early.
 */

/** A DuckDB string literal: quotes doubled; a NUL (which would end the C string) as chr(0). */
export function duckdbString(text: string): string {
  const quoted = (part: string) => `'${part.replaceAll("'", "''")}'`;
  return text.includes('\u0000') ? `(${text.split('\u0000').map(quoted).join(' || chr(0) || ')})` : quoted(text);
}

/** A DuckDB identifier, always quoted (log columns such as `timestamp` are keywords). */
export function duckdbIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `('a', 'b', ...)` for an IN list. */
export function duckdbStringList(values: readonly string[]): string {
  return `(${values.map(duckdbString).join(', ')})`;
}
