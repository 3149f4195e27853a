import type { ProgramIO } from '../../programIO.js';
import type { FastDecided } from '../../replay/fast/fastReplay.js';
import { rowRequest } from '../../replay/fast/rowRequest.js';
import { type ReplayCliOptions, type ReplayRun, runReplay } from '../../replay/runReplay.js';
import { ClickhouseRefusal } from './clickhouseErrors.js';
import { costFits, epochNanoseconds, requestRowTsv } from './requestRowTsv.js';
import { RowSpool } from './rowSpool.js';

/** The reorder window's default (runReplay's option): any other value was asked for. */
const DEFAULT_REORDER_WINDOW = '15m';

/** The logs read and checked by the default engine, and its accepted rows spooled for the server. */
export interface AcceptedRows {
  /** The default engine's run: the input accounting, route mismatches, policy and accounts. */
  readonly run: ReplayRun;
  /** The accepted rows as TabSeparated lines, each with its scope (the caller disposes of it). */
  readonly spool: RowSpool;
}

/**
 * Reads the logs exactly as `byok bill` does, through the default engine's own pipeline
 * (the same reader, row parser, duplicate and conflict rules, accounting, --rejects, exit
 * codes and messages), and keeps each accepted row with the scope the ledger placed it
 * in. The whole input is sorted (on disk, in bounded memory), as --engine duckdb does:
 * rows may come in any order, --sort is what it always does and --reorder-window changes
 * nothing. --details is refused: the SQL bill has no per-request decisions.
 */
export async function readAcceptedRows(logs: readonly string[], options: ReplayCliOptions, io: ProgramIO, engine: string): Promise<AcceptedRows> {
  if (options.details !== undefined) {
    throw new ClickhouseRefusal('CLICKHOUSE_UNSUPPORTED_OPTION', `--details is not available with ${engine} (the SQL bill has no per-request decisions); use --engine js`);
  }
  const reorderWindow = options.reorderWindow ?? DEFAULT_REORDER_WINDOW;
  const spool = new RowSpool();
  try {
    const run = await runReplay(logs, { ...options, reorderWindow, sort: true }, io, {
      // Told again when a replay starts over: its rows are written afresh.
      onPolicy: () => spool.reset(),
      onDecided: (decided) => spool.write(rowLine(decided, options.inputTimezone)),
    });
    spool.flush();
    if (reorderWindow !== DEFAULT_REORDER_WINDOW && !options.quiet) {
      io.stderr(`byok: warning: --reorder-window has no effect with ${engine}: it sorts the whole input, so rows may come in any order\n`);
    }
    return { run, spool };
  } catch (error) {
    spool.dispose();
    throw error;
  }
}

/** A decided row as the table's line: every field read again by the one row parser, and the ledger's scope. */
function rowLine(decided: FastDecided, inputTimeZone: string | undefined): string {
  const { batch, row, header, file, line, outcome } = decided;
  const request = rowRequest(batch, row, header, file, line, inputTimeZone);
  const ns = epochNanoseconds(request);
  if (ns === undefined) {
    throw new ClickhouseRefusal(
      'CLICKHOUSE_VALUE_OUT_OF_RANGE',
      `${file}, line ${line}: the timestamp is outside the years 1677-2262, which ClickHouse's Int64 epoch nanoseconds cannot hold; bill this log with --engine js`,
    );
  }
  if (!costFits(request)) {
    throw new ClickhouseRefusal(
      'CLICKHOUSE_VALUE_OUT_OF_RANGE',
      `${file}, line ${line}: cost_usd ${request.cost.toString()} is 10^26 dollars or more, beyond ClickHouse's exact Decimal(38,12); bill this log with --engine js`,
    );
  }
  return requestRowTsv(request, ns, outcome.lines.scope(outcome.line));
}
