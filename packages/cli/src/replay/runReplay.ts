import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type Accounts, type Bill, type Decision, type Policy, assertTimeZone, feeUnitsOf } from '@byok-billing/core';
import type { Command } from 'commander';
import { UsageError } from '../exitCodes.js';
import { parseDuration } from '../io/duration.js';
import { loadAccountsFile } from '../io/loadAccountsFile.js';
import { loadPolicyFile } from '../io/loadPolicyFile.js';
import { type InputSource, inputSource } from '../io/openInput.js';
import { fileSink } from '../io/outputSink.js';
import { createProgress } from '../io/progress.js';
import { compactDecisionRecordWriter } from '../output/compactDecisionRecords.js';
import { decisionRecordWriter } from '../output/decisionRecords.js';
import { rejectsWriter } from '../output/rejectsWriter.js';
import type { ProgramIO } from '../programIO.js';
import type { ArrivalHandler } from './arrivals.js';
import type { BatchSource } from './fast/batchSource.js';
import { type FastDecided, type FastReplayResult, type FastReplayTerms, fastReplay } from './fast/fastReplay.js';
import { ConflictReplan, type Exclusions, LateRowReplan, mergeExclusions } from './replans.js';
import { spoolStdin } from '../io/stdinSpool.js';
import { FirstRefusal } from './firstRefusal.js';
import { MAX_LINE_BYTES_HELP, parseMaxLineBytes } from '../io/readLimits.js';
import { InputError } from '../io/inputError.js';
import type { Rejection } from './rowSource.js';
import { parallelScan } from './fast/parallelScan.js';
import { type ReplayResult, replayLog } from './replayLog.js';
import type { RowSource } from './rowSource.js';

/** The options every log-replaying command shares (bill, audit, explain, whatif). */
export interface ReplayCliOptions {
  /** Directory relative log paths are read from (default: the working directory). */
  readonly baseDir?: string;
  readonly policy?: string;
  readonly accounts?: string;
  readonly inputTimezone?: string;
  readonly reorderWindow: string;
  readonly sort?: boolean;
  readonly rejects?: string;
  readonly details?: string;
  readonly quiet?: boolean;
  readonly threads?: string;
  /** `--max-line-bytes` as written (default: io/readLimits.ts). */
  readonly maxLineBytes?: string;
}


/** Adds the log options shared by every command that replays logs. */
export function addReplayOptions(command: Command): Command {
  return command
    .option('--policy <file>', 'policy document (JSON); default: the built-in BYOK policy')
    .option('--accounts <file>', 'per-scope settings CSV: scope,failover_mode,free_requests')
    .option('--input-timezone <zone>', 'IANA zone for timestamps written without an offset, e.g. Europe/Berlin')
    .option('--reorder-window <duration>', 'how far a row may arrive behind the latest one and be put in order in one pass; a later row makes the run start again, sorted', '15m')
    .option('--sort', 'sort the whole input (on disk, in bounded memory) from the start instead of trying the window first')
    .option('--rejects <file>', 'write refused rows (file, line, column, reason, original row) here and go on')
    .option('--threads <n>', 'threads that scan a large plain log file beside the one that decides (default: one per other core; 0: none)')
    .option('--max-line-bytes <n>', MAX_LINE_BYTES_HELP)
    .option('-q, --quiet', 'no progress display and no warnings on standard error');
}

/** Extra listeners a command can attach to a replay (audits, explanations). */
export interface ReplayHooks {
  /** Replay under this policy instead of --policy (what-if variants). */
  readonly policyOverride?: Policy;
  /** Adjust the accounts the replay uses (what-if variants that force a failover mode). */
  readonly accountsOverride?: (accounts: Accounts | undefined) => Accounts | undefined;
  /**
   * Told the policy once it is loaded, before any decision, and again when the replay starts
   * over in allowance order (a row later than the reorder window): listeners start afresh here.
   */
  readonly onPolicy?: (policy: Policy, accounts: Accounts | undefined) => void;
  readonly onDecision?: (decision: Decision, source: RowSource) => void;
  /** Arrival mode (`byok meter`): rows go here in file order; no reorder window, no ledger (see replayLog). */
  readonly onArrival?: ArrivalHandler;
  /**
   * More policies to bill the same requests under, in the same pass (what-if variants);
   * their bills come back in `variantBills`. Called once policy and accounts are loaded.
   */
  readonly variants?: (policy: Policy, accounts: Accounts | undefined, loadedAccounts: Accounts | undefined) => readonly FastReplayTerms[];
  /**
   * Each request as the fast replay decided it (audits, explanations): cheaper than
   * `onDecision`, which builds a `Decision` per request and takes the record replay.
   */
  readonly onDecided?: (decided: FastDecided) => void;
  /** Terms whose outcomes `onDecided` sees beside the bill's, request by request (see fastReplay). */
  readonly alongside?: (policy: Policy, accounts: Accounts | undefined) => readonly FastReplayTerms[];
}

/** Another pass of the fast replay over the same inputs, silent (no progress, warnings or records). */
export interface ReplayAgainOptions {
  readonly terms: readonly [FastReplayTerms, ...FastReplayTerms[]];
  readonly alongside?: readonly FastReplayTerms[];
  readonly onDecided?: (decided: FastDecided) => void;
}

export interface ReplayRun extends ReplayResult {
  readonly policy: Policy;
  readonly warnings: readonly string[];
  /** Bills of `hooks.variants`, in order. */
  readonly variantBills: readonly Bill[];
  /** Requests that failed because a strict scope's key failed: the bill's, then each variant's. */
  readonly strictFailed: readonly number[];
  /** The accounts the replay used. */
  readonly accounts: Accounts | undefined;
  /**
   * Replays the same inputs again; undefined when one cannot be read twice (standard input),
   * so a caller that may need a second pass asks for everything in the first one instead.
   */
  readonly replayAgain: ((again: ReplayAgainOptions) => Promise<FastReplayResult>) | undefined;
}

/** Whether every log can be read a second time (a file; standard input cannot). */
export function logsRereadable(logs: readonly string[]): boolean {
  return !logs.includes('-');
}

/** Loads policy and accounts, replays the logs, writes details and rejects. */
export async function runReplay(logs: readonly string[], options: ReplayCliOptions, io: ProgramIO, hooks: ReplayHooks = {}): Promise<ReplayRun> {
  if (logs.length === 0) throw new UsageError('no log given; pass one or more CSV files, or - for standard input');
  if (logs.filter((l) => l === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const warnings: string[] = [];
  const warn = (message: string) => {
    // A pass that starts again says again what the first said (an unknown column): once is enough.
    if (warnings.includes(message)) return;
    warnings.push(message);
    if (!options.quiet) io.stderr(`byok: warning: ${message}\n`);
  };
  if (options.inputTimezone !== undefined) {
    try {
      assertTimeZone(options.inputTimezone);
    } catch (error) {
      throw new UsageError(`--input-timezone: ${(error as Error).message}`);
    }
  }
  const maxLineBytes = parseMaxLineBytes(options.maxLineBytes);
  const windowMs = hooks.onArrival || options.sort ? Number.POSITIVE_INFINITY : parseDuration(options.reorderWindow, '--reorder-window');
  const policy = hooks.policyOverride ?? loadPolicyFile(options.policy === undefined ? undefined : resolveIn(options.baseDir, options.policy));
  // free_requests reads in the units the policy's versions count (dollars under list-usd).
  const loaded = await loadAccountsFile(options.accounts === undefined ? undefined : resolveIn(options.baseDir, options.accounts), feeUnitsOf(policy));
  const accounts = hooks.accountsOverride ? hooks.accountsOverride(loaded) : loaded;
  hooks.onPolicy?.(policy, accounts);
  // A row later than the reorder window makes the default plan start again on the whole log,
  // sorted on disk: standard input is kept in a file as it is read, to be read again.
  const stdinIndex = logs.indexOf('-');
  const spooled = hooks.onArrival === undefined && stdinIndex >= 0 ? spoolStdin(io.stdin ?? process.stdin) : undefined;
  let inputs = logs.map((log, k) => (k === stdinIndex && spooled !== undefined ? spooled.source : inputSource(log, io.stdin, options.baseDir)));
  const totalBytes = inputs.every((i) => i.size !== undefined) ? inputs.reduce((s, i) => s + i.size!, 0) : undefined;
  let progress = createProgress(io.stderrIsTTY === true && !options.quiet, totalBytes, io.stderr);
  // Bills, decision records and compact listeners (`onDecided`: audit, explain) take the fast
  // replay; listeners of `Decision` objects (`onDecision`) and the meter's arrivals take the record replay.
  // (The fast replay reads the log's provider and model when a policy chooses fee schedules by them.)
  const fastPath = hooks.onDecision === undefined && hooks.onArrival === undefined;
  if (!fastPath && (hooks.onDecided !== undefined || hooks.alongside !== undefined)) throw new Error('onDecided and alongside are for the fast replay only');
  let details = options.details === undefined || fastPath ? undefined : decisionRecordWriter(fileSink(options.details), options.details);
  let compactDetails = options.details === undefined || !fastPath ? undefined : compactDecisionRecordWriter(options.details);
  let rejects = options.rejects === undefined ? undefined : rejectsWriter(fileSink(options.rejects));
  // Without --rejects: the meter stops at the first row refused as it arrives (it has stored
  // the rows before it); any other run reads everything and names the first refused row in
  // input order (FirstRefusal), which no plan or engine can answer differently.
  const refusals = () => (rejects !== undefined || hooks.onArrival !== undefined ? undefined : new FirstRefusal(inputs.map((i) => i.name)));
  let strict = refusals();
  const onReject = (rejection: Rejection, decided?: boolean) => {
    if (rejects !== undefined) rejects.reject(rejection);
    else if (strict !== undefined) strict.reject(rejection, decided);
    else throw new InputError(rejection, rejection.reason);
  };
  // The meter's arrivals are decided in file order: no window, nothing to start again for.
  let sorted = windowMs === Number.POSITIVE_INFINITY;
  let exclude: Exclusions | undefined;
  try {
    let result: ReplayResult;
    let variantBills: readonly Bill[] = [];
    let strictFailed: readonly number[] = [];
    for (;;) {
      try {
        if (fastPath) {
          const fast = await fastReplay({
            inputs,
            terms: [{ policy, accounts }, ...(hooks.variants?.(policy, accounts, loaded) ?? [])],
            inputTimeZone: options.inputTimezone,
            maxLineBytes,
            windowMs: sorted ? Number.POSITIVE_INFINITY : windowMs,
            late: 'replan',
            exclude,
            onReject,
            onWarning: warn,
            onBytes: progress.bytes,
            onRows: progress.rows,
            onDecided:
              compactDetails && hooks.onDecided
                ? (d) => {
                    compactDetails!.decision(d);
                    hooks.onDecided!(d);
                  }
                : (compactDetails?.decision ?? hooks.onDecided),
            alongside: hooks.alongside?.(policy, accounts),
            onDuplicate: compactDetails?.duplicate,
            batches: scanPlan(options.threads),
          });
          result = { bill: fast.bills[0]!, routeMismatches: fast.routeMismatches };
          variantBills = fast.bills.slice(1);
          strictFailed = fast.strictFailed;
        } else {
          if (hooks.variants !== undefined) throw new Error('variants are decided by the fast replay only');
          const recordDetails = details;
          result = await replayLog({
            inputs,
            policy,
            accounts,
            inputTimeZone: options.inputTimezone,
            maxLineBytes,
            windowMs: sorted ? Number.POSITIVE_INFINITY : windowMs,
            late: hooks.onArrival === undefined ? 'replan' : 'reject',
            exclude,
            onDecision:
              recordDetails && hooks.onDecision
                ? (d, s) => {
                    recordDetails.decision(d, s);
                    hooks.onDecision!(d, s);
                  }
                : (recordDetails?.decision ?? hooks.onDecision),
            onDuplicate: recordDetails?.duplicate,
            onReject,
            onWarning: warn,
            onBytes: progress.bytes,
            onRow: progress.row,
            onArrival: hooks.onArrival,
          });
        }
        strict?.throwIfAny();
        break;
      } catch (error) {
        if (error instanceof LateRowReplan && !sorted) {
          sorted = true;
          warn(`${error.message} (${options.reorderWindow}); billing the whole log in allowance order instead (sorted on disk)`);
        } else if (error instanceof ConflictReplan) {
          // Rows repeat an id with other content where the pass could not refuse them in their
          // place: refused (into --rejects) by a pass that starts again.
          exclude = mergeExclusions(exclude, error.exclude);
        } else {
          if (error instanceof InputError) strict?.throwIfAnyRead();
          throw error;
        }
        // Start again: outputs and listeners begin afresh, as if this were the first pass.
        progress.done();
        progress = createProgress(io.stderrIsTTY === true && !options.quiet, totalBytes, io.stderr);
        details?.close();
        details = details === undefined ? undefined : decisionRecordWriter(fileSink(options.details!), options.details!);
        compactDetails?.close();
        compactDetails = compactDetails === undefined ? undefined : compactDecisionRecordWriter(options.details!);
        rejects?.close();
        rejects = options.rejects === undefined ? undefined : rejectsWriter(fileSink(options.rejects));
        strict = refusals();
        if (spooled !== undefined) inputs[stdinIndex] = await spooled.reread();
        inputs = inputs.map((input, k) => (k === stdinIndex ? input : inputSource(logs[k]!, io.stdin, options.baseDir)));
        hooks.onPolicy?.(policy, accounts);
      }
    }
    if (result.routeMismatches > 0) {
      warn(`${result.routeMismatches.toLocaleString('en-US')} request(s) have a recorded route that differs from the route their failover mode gives (listed in --details as route_mismatch=true)`);
    }
    if (result.bill.input.rejected > 0) warn(`${result.bill.input.rejected.toLocaleString('en-US')} row(s) rejected; see ${options.rejects}`);
    const replayAgain = logsRereadable(logs)
      ? (again: ReplayAgainOptions) =>
          fastReplay({
            inputs: logs.map((log) => inputSource(log, io.stdin, options.baseDir)),
            terms: again.terms,
            alongside: again.alongside,
            inputTimeZone: options.inputTimezone,
            maxLineBytes,
            // The first pass chose the plan: sorted if any row came later than the window.
            windowMs: sorted ? Number.POSITIVE_INFINITY : windowMs,
            exclude,
            // The first pass reported every rejected row; this one only skips them.
            onReject: () => {},
            onDecided: again.onDecided,
            batches: scanPlan(options.threads),
          })
      : undefined;
    return { ...result, policy, warnings, variantBills, strictFailed, accounts, replayAgain };
  } finally {
    progress.done();
    details?.close();
    compactDetails?.close();
    rejects?.close();
    spooled?.close();
  }
}

/** Files big enough to pay for starting threads (about 400,000 rows). */
const PARALLEL_MIN_BYTES = 48 << 20;
const PIECE_BYTES = 4 << 20;

/** Large plain files are scanned by threads; everything else on this thread as it is read. */
function scanPlan(threadsOption: string | undefined): (input: InputSource) => BatchSource | undefined {
  // The main thread orders and decides; the other cores scan.
  let threads = availableParallelism() - 1;
  if (threadsOption !== undefined) {
    threads = Number(threadsOption);
    if (!Number.isSafeInteger(threads) || threads < 0 || threads > 64) throw new UsageError(`--threads ${JSON.stringify(threadsOption)}: expected a whole number from 0 to 64`);
  }
  return (input) =>
    threads > 0 && input.plainPath !== undefined && input.size !== undefined && input.size >= PARALLEL_MIN_BYTES
      ? parallelScan(input.plainPath, input.size, { workers: threads, pieceBytes: PIECE_BYTES })
      : undefined;
}

function resolveIn(baseDir: string | undefined, path: string): string {
  return baseDir === undefined ? path : resolve(baseDir, path);
}


export function presentationOf(policy: Policy) {
  return policy.versions[policy.versions.length - 1]!.parameters.presentation;
}
