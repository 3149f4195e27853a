import { resolve } from 'node:path';
import { type AdjustmentReport, type InvoiceLine, type RequestCharge, adjustmentReport, detectInvoiceRounding, linesToAdjust, requestChanges, chargeFingerprint, sameCharge } from '@byok-billing/core';
import { lineKey } from '@byok-billing/core/internal';
import { UsageError } from '../exitCodes.js';
import { loadInvoiceFile } from '../io/loadInvoiceFile.js';
import type { ProgramIO } from '../programIO.js';
import { type ReplayCliOptions, type ReplayRun, logsRereadable, presentationOf, runReplay } from '../replay/runReplay.js';
import { type ChargeFilter, requestChargeCollector } from './requestChargeCollector.js';

/** What an adjustment is computed from, besides the logs as they stand now. */
export interface AdjustTerms extends ReplayCliOptions {
  readonly invoice?: string;
  /** The log(s) the closed invoice was billed from: with them, notes name the requests. */
  readonly billedFrom?: readonly string[];
}

/**
 * The adjustment of a closed invoice: the logs as they stand now are billed as `byok bill`
 * bills them; each invoiced scope-month whose total now, rounded as the invoice was, is not
 * the invoiced total gets a note (core adjust/adjustmentNotes.ts). With the billed-from log,
 * the requests of those scope-months are compared request by request, then and now
 * (core adjust/requestChanges.ts); they are gathered in passes after the bills, only for
 * the scope-months that need a note, so a month that still agrees costs one bill per log.
 */
export async function computeAdjustment(logs: readonly string[], options: AdjustTerms, io: ProgramIO): Promise<AdjustmentReport> {
  if (options.invoice === undefined) throw new UsageError('give --invoice FILE: the closed invoice (scope,period,total_usd) to adjust');
  const billedFrom = options.billedFrom;
  if (billedFrom !== undefined && billedFrom.includes('-')) throw new UsageError('--billed-from: give the file(s) the invoice was billed from; standard input (-) is only for the logs as they stand now');
  const warn = (message: string) => {
    if (!options.quiet) io.stderr(`byok: warning: ${message}\n`);
  };
  const invoice: InvoiceLine[] = await loadInvoiceFile(resolveIn(options.baseDir, options.invoice), warn);

  // Standard input cannot be read again: then every request is kept in the one pass.
  const keepAll = billedFrom !== undefined && !logsRereadable(logs);
  const everything = requestChargeCollector({ all: true });
  const nowRun = await runReplay(logs, options, io, keepAll ? { onPolicy: () => everything.reset(), onDecided: everything.observe } : {});
  // The billed-from log is billed under the same policy and accounts; its refused rows, if
  // any, are an error (its bill is the invoice's, and the invoice cannot have billed them).
  const thenRun = billedFrom === undefined ? undefined : await runReplay(billedFrom, { ...options, rejects: undefined, details: undefined, quiet: true }, io);
  const rounding = detectInvoiceRounding(invoice, presentationOf(nowRun.policy), thenRun?.bill);
  const input = { now: nowRun.bill, invoice, rounding, then: thenRun?.bill };
  if (thenRun === undefined) return adjustmentReport(input);

  const lines = new Set(linesToAdjust(input).map((l) => lineKey(l.scope, l.period)));
  if (lines.size === 0) return adjustmentReport(input, () => []);
  const { then, now } = await (keepAll ? changedFromMemory(everything.charges, thenRun, lines) : changedRequests(nowRun, thenRun, lines));
  return adjustmentReport(input, (scope, period) => requestChanges(scope, period, then, now));
}

/**
 * The requests of the lines to adjust that are not billed alike then and now, on both sides
 * (requestChanges.ts decides what each is). A month of requests is held as one short
 * fingerprint each (the request as billed now), never as records: the billed-from log is read
 * keeping only the requests whose fingerprint differs, then the log as it stands now again
 * for the records of those (and of requests that left the lines: corrected or removed).
 */
async function changedRequests(nowRun: ReplayRun, thenRun: ReplayRun, lines: ReadonlySet<string>) {
  const fingerprints = new Map<string, string>();
  await collect(nowRun, {
    lines,
    keep: (r) => {
      fingerprints.set(r.requestId, chargeFingerprint(r));
      return false;
    },
  });
  const idsNow = new Set(fingerprints.keys());
  // Then: the requests of those lines, and wherever the requests now on them were.
  const then = await collect(thenRun, {
    lines,
    ids: idsNow,
    keep: (before) => {
      if (fingerprints.get(before.requestId) !== chargeFingerprint(before)) return true;
      fingerprints.delete(before.requestId);
      return false;
    },
  });
  const differing = new Set([...fingerprints.keys(), ...then.keys()]);
  fingerprints.clear();
  const now = differing.size === 0 ? new Map<string, RequestCharge>() : await collect(nowRun, { ids: differing });
  return { then, now };
}

/** `changedRequests` when the logs as they stand now were read once into memory (standard input). */
async function changedFromMemory(everything: Map<string, RequestCharge>, thenRun: ReplayRun, lines: ReadonlySet<string>) {
  const idsNow = new Set([...everything.values()].filter((r) => lines.has(lineKey(r.scope, r.period))).map((r) => r.requestId));
  const then = await collect(thenRun, {
    lines,
    ids: idsNow,
    keep: (before) => {
      const after = everything.get(before.requestId);
      if (after === undefined || !sameCharge(before, after)) return true;
      // Billed alike then and now: no change, on either side.
      everything.delete(before.requestId);
      return false;
    },
  });
  return { then, now: everything };
}

async function collect(run: ReplayRun, filter: ChargeFilter): Promise<Map<string, RequestCharge>> {
  const collector = requestChargeCollector(filter);
  await run.replayAgain!({ terms: [{ policy: run.policy, accounts: run.accounts }], onDecided: collector.observe });
  return collector.charges;
}

function resolveIn(baseDir: string | undefined, path: string): string {
  return baseDir === undefined ? path : resolve(baseDir, path);
}
