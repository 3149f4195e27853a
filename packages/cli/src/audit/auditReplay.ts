import { type Accounts, type Bill, type InvoiceLine, type MoneyMatchOptions, type Policy, policyVariant, reconcileInvoice } from '@byok-billing/core';
import { type AuditEvidence, type CompactAuditCollector, type CompactAuditRequest, SUSPECT_ZONES, createCompactAuditCollector } from '@byok-billing/core/internal';
import type { ProgramIO } from '../programIO.js';
import type { FastDecided, FastReplayTerms } from '../replay/fast/fastReplay.js';
import { rowId } from '../replay/fast/rowBatch.js';
import { type ReplayCliOptions, type ReplayRun, logsRereadable, presentationOf, runReplay } from '../replay/runReplay.js';

export interface AuditReplay {
  readonly run: ReplayRun;
  readonly match: MoneyMatchOptions;
  readonly evidence: AuditEvidence;
  /** Whether any request had a recorded charge (`charged_usd`). */
  readonly sawCharged: boolean;
}

/** The policies an audit recomputes the log under to name a mismatch's cause: other reset zones. */
function zoneTerms(policy: Policy, accounts: Accounts | undefined): FastReplayTerms[] {
  return SUSPECT_ZONES.map((zone) => ({ policy: policyVariant(policy, { resetTimeZone: zone }), accounts }));
}

/** The allowance counted per user instead of per org. */
function perUserTerms(policy: Policy, accounts: Accounts | undefined): FastReplayTerms[] {
  return [{ policy: policyVariant(policy, { scopeMode: 'user' }), accounts }];
}

/**
 * A reusable view of a decided request for the collector (no object per request): the
 * request id and source are read from the row only when a finding needs them.
 */
function requestView(): { view: CompactAuditRequest; point: (d: FastDecided) => CompactAuditRequest } {
  let current: FastDecided;
  const view = {
    outcome: undefined,
    cost: 0,
    costBig: undefined,
    charged: -1,
    chargedBig: undefined,
    recorded: 0,
    requestId: () => rowId(current.batch, current.row),
    source: () => `${current.file}, line ${current.line}`,
  } as unknown as { -readonly [K in keyof CompactAuditRequest]: CompactAuditRequest[K] };
  return {
    view,
    point(d) {
      current = d;
      const { batch, row } = d;
      const cost = batch.cost[row]!;
      const charged = batch.charged[row]!;
      view.outcome = d.outcome;
      view.cost = cost;
      view.costBig = cost === cost ? undefined : batch.side.get(row)!.costBig;
      view.charged = charged;
      view.chargedBig = charged === charged ? undefined : batch.side.get(row)!.chargedBig;
      view.recorded = batch.recorded[row]!;
      return view;
    },
  };
}

/** What a pass that names causes tells the collector of each request: its per-user fee and its line's tier evidence. */
function observeCauses(collector: CompactAuditCollector, d: FastDecided): void {
  const cost = d.batch.cost[d.row]!;
  const costBig = cost === cost ? undefined : d.batch.side.get(d.row)!.costBig;
  collector.observePerUser(d.outcome, d.alongside[0]!, cost, costBig);
  collector.observeTiers(d.outcome, cost, costBig);
}

/**
 * Replays the log for an audit on the fast replay. The bills under other reset zones and
 * per user, and the tier evidence of pricing-language lines, serve only to name the cause
 * of a mismatched invoice line, so they are computed
 * in a second pass when a line mismatches (or in the one pass when the log is standard
 * input, which cannot be read twice): the report is the same either way.
 */
export async function auditReplay(logs: readonly string[], options: ReplayCliOptions, io: ProgramIO, tolerance: MoneyMatchOptions['tolerance'], invoice: readonly InvoiceLine[] | undefined): Promise<AuditReplay> {
  let collector: CompactAuditCollector | undefined;
  const { point } = requestView();
  // Without an invoice no line is compared, so no cause is ever named.
  const causesInFirstPass = invoice !== undefined && !logsRereadable(logs);
  const run = await runReplay(logs, options, io, {
    onPolicy(policy) {
      collector = createCompactAuditCollector({ match: { ...presentationOf(policy), tolerance } });
    },
    onDecided(d) {
      collector!.observe(point(d));
      if (causesInFirstPass) observeCauses(collector!, d);
    },
    variants: causesInFirstPass ? (policy, accounts) => zoneTerms(policy, accounts) : undefined,
    alongside: causesInFirstPass ? (policy, accounts) => perUserTerms(policy, accounts) : undefined,
  });
  const match: MoneyMatchOptions = { ...presentationOf(run.policy), tolerance };
  const zones = (bills: readonly Bill[]) => new Map(SUSPECT_ZONES.map((zone, i) => [zone as string, bills[i]!]));
  let evidence: AuditEvidence;
  if (causesInFirstPass) {
    evidence = collector!.finish(zones(run.variantBills));
  } else {
    evidence = collector!.finish(new Map());
    if (invoice !== undefined && needsCause(run.bill, invoice, evidence, match)) {
      const again = await run.replayAgain!({
        terms: [{ policy: run.policy, accounts: run.accounts }, ...zoneTerms(run.policy, run.accounts)],
        alongside: perUserTerms(run.policy, run.accounts),
        onDecided: (d) => observeCauses(collector!, d),
      });
      evidence = collector!.finish(zones(again.bills.slice(1)));
    }
  }
  return { run, match, evidence, sawCharged: collector!.sawCharged };
}

/** Whether reconciling names causes: a line differs, or is invoiced without support in the log. */
function needsCause(bill: Bill, invoice: readonly InvoiceLine[], evidence: AuditEvidence, match: MoneyMatchOptions): boolean {
  const { summary } = reconcileInvoice(bill, invoice, evidence, match);
  return summary.mismatchedLines > 0 || summary.notInLog > 0;
}
