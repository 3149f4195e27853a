import { resolve } from 'node:path';
import { type AuditReport, ByokError, type InvoiceLine, type Money, parseMoney, reconcileInvoice } from '@byok-billing/core';
import { UsageError } from '../exitCodes.js';
import { loadInvoiceFile } from '../io/loadInvoiceFile.js';
import type { ProgramIO } from '../programIO.js';
import type { ReplayCliOptions } from '../replay/runReplay.js';
import { auditReplay } from './auditReplay.js';

/** What an audit is computed from, besides the logs (the options of `byok audit` that shape its report). */
export interface AuditTerms extends ReplayCliOptions {
  readonly invoice?: string;
  readonly tolerance?: string;
  readonly perRequest?: boolean;
}

/**
 * The audit itself, without output: recompute the bill from the logs and reconcile the
 * invoice (or the recorded per-request charges) with it. `byok audit` prints its report;
 * audit bundles re-run it on their own copies of the inputs (see bundle/).
 */
export async function computeAudit(logs: readonly string[], options: AuditTerms, io: ProgramIO): Promise<AuditReport> {
  if (options.invoice === undefined && !options.perRequest) {
    throw new UsageError('give --invoice FILE to reconcile an invoice, or --per-request to check the charged_usd of each request');
  }
  const tolerance = parseTolerance(options.tolerance);
  const warn = (message: string) => {
    if (!options.quiet) io.stderr(`byok: warning: ${message}\n`);
  };
  const invoice: InvoiceLine[] | undefined = options.invoice === undefined ? undefined : await loadInvoiceFile(resolveIn(options.baseDir, options.invoice), warn);

  // The fast replay decides; the audit's evidence is gathered from its numbers (see auditReplay).
  const { run, match, evidence, sawCharged } = await auditReplay(logs, options, io, tolerance, invoice);
  if (options.perRequest && !sawCharged && run.bill.input.accepted > 0) {
    throw new UsageError('--per-request needs a charged_usd column in the log (what each request was actually charged)');
  }
  return reconcileInvoice(run.bill, invoice, evidence, match);
}

function parseTolerance(text: string | undefined): Money | undefined {
  if (text === undefined) return undefined;
  try {
    return parseMoney(text);
  } catch (error) {
    throw new UsageError(`--tolerance: ${(error as ByokError).message}`);
  }
}

function resolveIn(baseDir: string | undefined, path: string): string {
  return baseDir === undefined ? path : resolve(baseDir, path);
}
