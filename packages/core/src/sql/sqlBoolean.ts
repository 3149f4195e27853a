/**
 * A boolean SQL expression, with the constants kept apart so that conditions a rule
 * decides for every value of a fact fold away instead of cluttering the query.
 */
export type SqlBoolean = { readonly constant: boolean } | { readonly sql: string };

export const SQL_TRUE: SqlBoolean = { constant: true };
export const SQL_FALSE: SqlBoolean = { constant: false };

export function sqlAnd(parts: readonly SqlBoolean[]): SqlBoolean {
  const open: string[] = [];
  for (const part of parts) {
    if ('constant' in part) {
      if (!part.constant) return SQL_FALSE;
    } else {
      open.push(part.sql);
    }
  }
  if (open.length === 0) return SQL_TRUE;
  return { sql: open.length === 1 ? open[0]! : open.map((s) => `(${s})`).join(' AND ') };
}

export function sqlOr(parts: readonly SqlBoolean[]): SqlBoolean {
  const open: string[] = [];
  for (const part of parts) {
    if ('constant' in part) {
      if (part.constant) return SQL_TRUE;
    } else {
      open.push(part.sql);
    }
  }
  if (open.length === 0) return SQL_FALSE;
  return { sql: open.length === 1 ? open[0]! : open.map((s) => `(${s})`).join(' OR ') };
}

export function sqlNot(part: SqlBoolean): SqlBoolean {
  return 'constant' in part ? { constant: !part.constant } : { sql: `NOT (${part.sql})` };
}

/** The expression's text (`TRUE`/`FALSE` for constants). */
export function sqlBooleanText(part: SqlBoolean): string {
  return 'constant' in part ? (part.constant ? 'TRUE' : 'FALSE') : part.sql;
}
