/**
 * The audit as it was before it moved onto the fast replay: the record replay's `Decision`
 * objects through `createAuditCollector` (11 zone ledgers and a per-user ledger per
 * request). Kept as the reference the fast audit must equal.
 */
import { type AuditReport, type InvoiceLine, type Money, reconcileInvoice } from '@byok-billing/core';
import { createAuditCollector } from '@byok-billing/core/internal';
import type { ProgramIO } from '../../src/programIO.js';
import { type ReplayCliOptions, presentationOf, runReplay } from '../../src/replay/runReplay.js';

export async function collectorAudit(logs: readonly string[], options: ReplayCliOptions, io: ProgramIO, invoice: readonly InvoiceLine[] | undefined, tolerance?: Money): Promise<AuditReport> {
  let collector: ReturnType<typeof createAuditCollector> | undefined;
  const run = await runReplay(logs, options, io, {
    onPolicy(policy, accounts) {
      collector = createAuditCollector({ policy, accounts, match: { ...presentationOf(policy), tolerance } });
    },
    onDecision(decision, source) {
      collector!.observe(decision, `${source.file}, line ${source.line}`);
    },
  });
  return reconcileInvoice(run.bill, invoice, collector!.finish(), { ...presentationOf(run.policy), tolerance });
}
