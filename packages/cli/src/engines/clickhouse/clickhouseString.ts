import { sqlString } from '@byok-billing/core/internal';

/**
 * A ClickHouse string literal, by the core's quoting: the only way a value of byok's
 * reaches ClickHouse SQL text (18.16 has no query parameters; rows go as data, see
 * insertRows).
 */
export function clickhouseString(text: string): string {
  return sqlString(text, 'clickhouse');
}
