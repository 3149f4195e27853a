import { UsageError } from '../../exitCodes.js';

/**
 * Why `--engine clickhouse` or `byok load clickhouse` refused a run the user can change
 * (exit code 2, FORMATS.md): a server it cannot reach counts among them, as an
 * unreachable store does for `byok meter` (bad usage: a wrong URL, a server not started).
 */
export type ClickhouseRefusalCode =
  /** The options do not name one coherent target (no --url, several URLs without --cluster, a bad table name). */
  | 'CLICKHOUSE_USAGE'
  /** An option that has no meaning here (`--details`: the SQL bill has no per-request decisions). */
  | 'CLICKHOUSE_UNSUPPORTED_OPTION'
  /** The server cannot be reached (connection refused, unknown host, timeout). */
  | 'CLICKHOUSE_UNAVAILABLE'
  /** The table exists with other columns, or does not exist when billed in place. */
  | 'CLICKHOUSE_TABLE'
  /** A value the table's types cannot hold exactly (an amount past Decimal(38,12), an instant past Int64 nanoseconds). */
  | 'CLICKHOUSE_VALUE_OUT_OF_RANGE'
  /** The bill query refused the data (its own checks: a message starting "byok:"). */
  | 'CLICKHOUSE_QUERY_REFUSED'
  /** Two shards returned a line of the same scope and period: the table is not sharded by scope. */
  | 'CLICKHOUSE_NOT_SHARDED_BY_SCOPE'
  /** The server refused a statement of the load (no permission, read-only, out of space). */
  | 'CLICKHOUSE_SERVER';

export class ClickhouseRefusal extends UsageError {
  readonly refusal: ClickhouseRefusalCode;

  constructor(refusal: ClickhouseRefusalCode, message: string) {
    super(message);
    this.name = 'ClickhouseRefusal';
    this.refusal = refusal;
  }
}

/** The compiled query failed on the server for a reason of byok's own making (exit code 70). */
export class ClickhouseEngineBug extends Error {
  readonly code = 'CLICKHOUSE_ENGINE_BUG';

  constructor(message: string) {
    super(`--engine clickhouse: ${message}; please report this with the input that shows it`);
    this.name = 'ClickhouseEngineBug';
  }
}

/** Node's socket errors that mean the server was not reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** The server's own text of an error, without the wrapping 18.16 puts around it ("Code: N, e.displayText() = DB::Exception: …, e.what() = …"). */
export function serverMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const display = /e\.displayText\(\) = (?:DB::Exception: )?([\s\S]*?)(?:, e\.what\(\) = [\s\S]*)?$/.exec(message.trim());
  return (display?.[1] ?? message).trim();
}

/**
 * A failure talking to the server at `url`, as what the user is told: unreachable (a
 * refusal naming the URL), a refusal by the query's own checks (its `byok:` text, as it
 * is), or anything else the server said, through `other`.
 */
export function clickhouseFailure(error: unknown, url: string, other: (message: string) => Error): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new ClickhouseRefusal('CLICKHOUSE_UNAVAILABLE', `--url ${url}: ClickHouse cannot be reached (${(error as Error).message})`);
  }
  if (error instanceof ClickhouseRefusal || error instanceof ClickhouseEngineBug) return error;
  const message = serverMessage(error);
  if (/Decimal math overflow/i.test(message)) {
    // Decimal128 arithmetic that would pass 38 digits is an error in ClickHouse, never a wrapped value.
    return new ClickhouseRefusal(
      'CLICKHOUSE_VALUE_OUT_OF_RANGE',
      `the amounts are too large for ClickHouse's exact Decimal(38) arithmetic (ClickHouse at ${url}: ${message}); bill this log with --engine js`,
    );
  }
  const refusal = queryRefusal(message);
  if (refusal !== undefined) return new ClickhouseRefusal('CLICKHOUSE_QUERY_REFUSED', `${refusal} (ClickHouse at ${url})`);
  return other(`${url}: ${message}`);
}

/**
 * The bill query's own refusal in the server's message, without its "byok: ": the query
 * raises one by casting the problem's text to a number (18.16 has no throwIf with a
 * message), so the server reports "Cannot parse string 'byok: …' as Int32"; a message
 * that is the text itself is taken as it is.
 */
export function queryRefusal(message: string): string | undefined {
  const cast = /string '(byok: [\s\S]*)' as [A-Za-z0-9]+/.exec(message);
  const text = cast?.[1] ?? /(?:^|\s)byok: [\s\S]*$/.exec(message)?.[0];
  return text?.trim().replace(/^byok: /, '');
}
