import type { UsageRequest } from '@byok-billing/core';

/*
 * One accepted request as a line of ClickHouse's TabSeparated format, in REQUEST_COLUMNS'
 * order. The values go to the server as data, never as SQL text (18.16 has no query
 * parameters): strings escaped as TabSeparated reads them back, money as its exact
 * decimal text, the instant as integer epoch nanoseconds.
 */

/** The characters TabSeparated cannot carry as they are, with their escapes. */
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u0000': '\\0', '\b': '\\b', '\f': '\\f' };
const NEEDS_ESCAPE = /[\\\t\n\r\u0000\b\f]/g;

/** A string as a TabSeparated field: ClickHouse reads back exactly `text`. */
export function tsvField(text: string): string {
  return text.replace(NEEDS_ESCAPE, (c) => ESCAPES[c]!);
}

/** Int64's range: instants past about 1677 and 2262 have no epoch nanoseconds in it. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The instant as epoch nanoseconds, or undefined when Int64 cannot hold it. */
export function epochNanoseconds(request: UsageRequest): bigint | undefined {
  const ns = BigInt(request.instant.epochMs) * 1_000_000n + BigInt(request.instant.nanos);
  return ns < INT64_MIN || ns > INT64_MAX ? undefined : ns;
}

/** The largest cost the table takes: below 10^26 dollars, what Decimal(38,12) holds (26 integer digits). */
export const COST_LIMIT_DOLLARS = 10n ** 26n;

/** Whether the request's cost is below COST_LIMIT_DOLLARS (at most 12 fractional digits is the log's own rule). */
export function costFits(request: UsageRequest): boolean {
  const { units, scale } = request.cost;
  return (units < 0n ? -units : units) < COST_LIMIT_DOLLARS * 10n ** BigInt(scale);
}

/**
 * The request's line (with its newline). `ns` is epochNanoseconds(request), checked by
 * the caller; `scope` is the row's scope under the policy, as the ledger placed it.
 */
export function requestRowTsv(request: UsageRequest, ns: bigint, scope: string): string {
  return `${[
    tsvField(request.requestId),
    ns.toString(),
    tsvField(request.userId),
    tsvField(request.orgId ?? ''),
    tsvField(request.model ?? ''),
    tsvField(request.provider ?? ''),
    request.cost.toString(),
    request.keyResult ?? '',
    request.platformResult ?? '',
    request.recordedRoute ?? '',
    tsvField(scope),
  ].join('\t')}\n`;
}
