import { type Bill, DEFAULT_THRESHOLD_NAMES, InvalidThresholdError, type Meter, type MeterStore, type UsageRequest, compareInstants, createMeter, parseThresholds } from '@byok-billing/core';
import { DEFAULT_MAX_BATCH, SQLITE_DEFAULT_MAX_BATCH, StoreError, openStore, parseStoreSpec } from '@byok-billing/stores';
import { type Command, Option } from 'commander';
import { UsageError } from '../exitCodes.js';
import { MAX_LINE_BYTES_HELP } from '../io/readLimits.js';
import { fileSink } from '../io/outputSink.js';
import { BILL_FORMATS, type BillFormat, formatBill } from '../output/billFormats.js';
import { writeStoredDecisions } from '../output/storedDecisions.js';
import { writeChargedLog } from '../output/chargedLog.js';
import { writeOutput } from '../output/writeOutput.js';
import type { ProgramIO } from '../programIO.js';
import { presentationOf, runReplay } from '../replay/runReplay.js';
import { RunIds } from '../meter/runIds.js';
import { type EventsFile, openEventsFile } from '../meter/eventsFile.js';

export interface MeterCliOptions {
  /** `memory`, `sqlite:PATH` or `postgres:URL`. */
  readonly store: string;
  readonly tablePrefix?: string;
  /** Requests per transaction (text as given on the command line). */
  readonly batchSize?: string;
  readonly baseDir?: string;
  readonly policy?: string;
  readonly accounts?: string;
  readonly inputTimezone?: string;
  readonly rejects?: string;
  readonly quiet?: boolean;
  /** `--max-line-bytes` as written. */
  readonly maxLineBytes?: string;
  readonly format?: BillFormat;
  readonly out?: string;
  readonly details?: string;
  readonly chargedLog?: string;
  /** Where the store's threshold events go (NDJSON, appended after the file's last seq). */
  readonly events?: string;
  /** `--thresholds`: comma-separated threshold names (default 50%,80%,100%,first-billable). */
  readonly thresholds?: string;
}

/**
 * `byok meter`: feeds request logs, in file order, to the online meter with a durable
 * store, then prints the bill of every decision the store holds. Each request is decided
 * when it arrives and the decision is final, as a gateway would bill it; a request
 * already in the store (a retry, or a re-run after a crash) keeps its decision and
 * counts once.
 *
 * The bill's lines cover every decision in the store; `input` accounts for the rows of this
 * run (rows = accepted + duplicates + rejected, as in every command), and `store` says how many
 * decisions the store holds and how many this run recorded. On a store that holds exactly
 * these logs, the lines add up to `input.accepted` as `byok bill`'s do.
 */
export async function meterCommand(logs: readonly string[], options: MeterCliOptions, io: ProgramIO): Promise<Bill> {
  const batchSize = parseBatchSize(options.batchSize);
  const thresholds = parseThresholdList(options.thresholds);
  // Checked (and locked) before anything is recorded: a file that is not an events file stops the run first.
  const eventsFile: EventsFile | undefined = options.events === undefined ? undefined : openEventsFile(options.events);
  let store: MeterStore;
  try {
    store = storeErrorsAsUsage(() => openStore(parseStoreSpec(options.store), { maxBatch: batchSize, tablePrefix: options.tablePrefix }));
  } catch (error) {
    eventsFile?.release();
    throw error;
  }
  let meter: Meter | undefined;
  // Ids answered in this run: a second row with one of them is a duplicate in the summary.
  const seen = new RunIds();
  let latest: UsageRequest | undefined;
  let lateRows = 0;
  let recorded = 0;
  let failed = false;
  try {
    const run = await runReplay(logs, { ...options, reorderWindow: '0', details: undefined }, io, {
      onPolicy(policy, accounts) {
        meter = createMeter({ policy, accounts, store, thresholds });
      },
      // Not an async function: one call per row, and a `.then` keeps less alive than an
      // `await`'s frame while thousands of rows wait for their transaction.
      onArrival(request) {
        const late = latest !== undefined && compareInstants(request.instant, latest.instant) < 0;
        if (!late) latest = request;
        // Answers arrive in call order (the store settles them in order), so `seen`
        // is filled in file order.
        return meter!.record(request).then((outcome) => {
          if (!outcome.replayed) recorded++;
          if (late && !outcome.replayed) lateRows++;
          return seen.repeat(request.requestId, outcome) ? 'duplicate' : 'accepted';
        });
      },
    });
    const warn = (message: string) => {
      if (!options.quiet) io.stderr(`byok: warning: ${message}\n`);
    };
    if (lateRows > 0) {
      warn(
        `${lateRows.toLocaleString('en-US')} request(s) came after a row with a later timestamp; the meter decided them in ` +
          'arrival order, so their allowance ordinals can differ from what byok bill gives',
      );
    }
    const stored = await meter!.bill();
    const bill: Bill = { ...stored, input: run.bill.input };
    const storeSummary = { decisions: stored.input.accepted, recordedByThisRun: recorded };
    if (bill.routeMismatches > 0) {
      warn(`${bill.routeMismatches.toLocaleString('en-US')} stored decision(s) have a recorded route that differs from the route their failover mode gives`);
    }
    if (options.details !== undefined) await writeStoredDecisions(meter!.records(), fileSink(options.details), options.details);
    if (options.chargedLog !== undefined) await writeChargedLog(meter!.records(), fileSink(options.chargedLog));
    // Every event the store holds after the file's cursor: this run's, other processes', and
    // those a crashed run stored but never delivered.
    if (eventsFile !== undefined) await eventsFile.append(meter!.events(eventsFile.cursor));
    const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
    const notes = [
      `store: ${describeStore(options.store)}; ${storeSummary.decisions.toLocaleString('en-US')} decision(s) stored, ${storeSummary.recordedByThisRun.toLocaleString('en-US')} recorded by this run`,
      ...(bill.routeMismatches > 0 ? [`route mismatches: ${bill.routeMismatches.toLocaleString('en-US')} (recorded route differs from the failover mode's route)`] : []),
    ];
    writeOutput(formatBill(bill, format, presentationOf(run.policy), notes, { store: storeSummary }), options.out, io);
    return bill;
  } catch (error) {
    failed = true;
    throw asUsageError(error);
  } finally {
    // Closing waits for transactions in flight: everything answered is committed.
    eventsFile?.release();
    await store.close().catch((error: unknown) => {
      if (!failed) throw asUsageError(error);
    });
  }
}

/** `--thresholds` as names, checked before anything is recorded. */
function parseThresholdList(text: string | undefined): readonly string[] {
  if (text === undefined) return DEFAULT_THRESHOLD_NAMES;
  const names = text === '' || text === 'none' ? [] : text.split(',').map((name) => name.trim());
  try {
    parseThresholds(names);
  } catch (error) {
    if (error instanceof InvalidThresholdError) throw new UsageError(`--thresholds ${JSON.stringify(text)}: ${error.message}`);
    throw error;
  }
  return names;
}

/** The batch size asked for; undefined (each store's own default) when none is. */
function parseBatchSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--batch-size ${JSON.stringify(text)}: expected a whole number of requests, 1 or more`);
  }
  return n;
}

function asUsageError(error: unknown): unknown {
  return error instanceof StoreError ? new UsageError(`--store: ${error.message}`) : error;
}

function storeErrorsAsUsage<T>(open: () => T): T {
  try {
    return open();
  } catch (error) {
    throw asUsageError(error);
  }
}

/** The store for messages, without a PostgreSQL password. */
function describeStore(spec: string): string {
  return spec.replace(/(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

export function registerMeter(program: Command, io: ProgramIO): void {
  program
    .command('meter')
    .summary('meter request logs into a durable store, in arrival order, and bill what it holds')
    .description(
      'Feed request logs (CSV, .csv.gz, or - for standard input) to the online meter in file order, as a gateway ' +
        'would at request time: each request is decided when it arrives, atomically with its scope\'s monthly ' +
        'counter, and the decision is final. Decisions are kept in the store; a request_id the store already holds ' +
        '(a retry, or a re-run after a crash) keeps its first decision and counts once. Then print the bill of every ' +
        'decision in the store, in the formats of byok bill.',
    )
    .argument('<log...>', 'request log files (.csv, .csv.gz) or - for standard input')
    .option('--store <store>', 'where decisions are kept: memory, sqlite:PATH or postgres:URL', 'memory')
    .option('--table-prefix <prefix>', 'prefix of the store\'s table names (counters, decisions, threshold_events), to keep several stores in one database')
    .option(
      '--batch-size <n>',
      `most requests written per transaction (group commit); 1 commits each request alone (default: ${SQLITE_DEFAULT_MAX_BATCH} with SQLite, ${DEFAULT_MAX_BATCH} with PostgreSQL)`,
    )
    .option('--policy <file>', 'policy document (JSON); default: the built-in BYOK policy')
    .option('--accounts <file>', 'per-scope settings CSV: scope,failover_mode,free_requests,fee_rate,fee_cap_usd')
    .option('--input-timezone <zone>', 'IANA zone for timestamps written without an offset, e.g. Europe/Berlin')
    .option('--rejects <file>', 'write refused rows (file, line, column, reason, original row) here and go on')
    .option('--max-line-bytes <n>', MAX_LINE_BYTES_HELP)
    .addOption(new Option('--format <format>', 'bill format (default: table on a terminal, json otherwise)').choices(BILL_FORMATS))
    .option('--out <file>', 'write the bill to this file instead of standard output')
    .option('--details <file>', 'write every decision the store holds here, in store order (.csv, or .ndjson for JSON lines)')
    .option('--charged-log <file>', 'write the stored decisions as a request log with charged_usd (audit it with byok audit --per-request)')
    .option(
      '--events <file>',
      'append the store\'s threshold events (50%, 80%, 100% of the allowance, first billable request) to this NDJSON file, each once: the file is its own cursor (events after its last seq are appended)',
    )
    .option(
      '--thresholds <list>',
      'thresholds this run records, comma-separated percentages of each scope-month\'s allowance and first-billable, or none (default: 50%,80%,100%,first-billable)',
    )
    .option('-q, --quiet', 'no progress display and no warnings on standard error')
    .addHelpText(
      'after',
      `
Examples:
  $ byok meter --store sqlite:meter.db requests.csv            # decide and store; bill of the store
  $ byok meter --store sqlite:meter.db requests.csv            # again: nothing changes (every id is known)
  $ byok meter --store sqlite:meter.db today.csv --format csv --out bill.csv
  $ byok meter --store postgres:postgres://byok:secret@db:5432/billing --table-prefix byok_ node-*.csv.gz
  $ byok meter --store sqlite:meter.db --details decisions.ndjson --rejects rejects.csv requests.csv
  $ byok meter requests.csv                                    # in memory: arrival-order bill, nothing kept
  $ byok meter --store sqlite:meter.db --charged-log charged.csv late.csv && byok audit charged.csv --per-request
  $ byok meter --store sqlite:meter.db --events events.ndjson requests.csv   # threshold events, once each
  $ byok meter --store sqlite:meter.db --events events.ndjson --thresholds 90%,100% requests.csv

Stores:
  memory           in this process only; nothing is kept
  sqlite:PATH      one SQLite file (WAL); several processes on one machine may write to it at once
  postgres:URL     a PostgreSQL database; any number of processes and machines; tables made on first use

Decisions are final in arrival order. The allowance is consumed in the order requests reach
the meter, not by timestamp: a request that arrives after requests with later timestamps
takes the next ordinal of its scope's month (and is still billed in the month of its own
timestamp). On a log in timestamp order, the bill is exactly byok bill's. A warning counts
rows that arrived out of timestamp order.

A run that is stopped (a crash, kill -9) loses only requests whose transaction had not
committed; run it again on the same logs and store and they are recorded, while those
already stored keep their decisions. Without --rejects the first bad row stops the run
(exit code 2); rows read with it may already be recorded, and a re-run keeps them.
The bill's lines cover every decision in the store; "input" accounts for this run's rows
(rows = accepted + duplicates + rejected) and "store" gives the decisions the store holds
and how many this run recorded.

Threshold events (--events FILE): one JSON object per line {seq, scope, period, threshold,
requestId, instant, count, listUsd}, for each scope-month's 50%, 80% and 100% of its
allowance and its first billable request, each reported once by the store whatever the
retries, processes and re-runs. The file is its consumer's cursor: a run appends every
stored event after the file's last seq (a torn last line left by a crash is cut off and
written again whole). One file is one consumer: give each process its own file (a second
run on a file in use is refused); each gets every event once. Idempotency key for e-mails
and webhooks: scope + period + threshold.`,
    )
    .action(async (logs: string[], options: MeterCliOptions) => {
      await meterCommand(logs, options, io);
    });
}
