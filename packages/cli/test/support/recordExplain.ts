/** `byok explain` as it was on the record replay (a Decision per request): the reference the fast explain must equal. */
import type { Decision, Policy } from '@byok-billing/core';
import type { ProgramIO } from '../../src/programIO.js';
import type { RowSource } from '../../src/replay/replayLog.js';
import { runReplay } from '../../src/replay/runReplay.js';
import type { ExplainCliOptions } from '../../src/commands/explain.js';
import { type LineTally, asksForRequest, emptyLineTally, tallyRequest, writeExplanation } from '../../src/commands/explanation.js';

/** `byok explain` on the record replay: every request's Decision, as the ledger gives it. */
export async function recordExplainCommand(logs: readonly string[], options: ExplainCliOptions, io: ProgramIO): Promise<void> {
  const byRequest = asksForRequest(options);
  let found: { decision: Decision; source: RowSource } | undefined;
  let tally: LineTally | undefined;
  let policyRef: Policy | undefined;
  await runReplay(logs, options, io, {
    onPolicy(policy) {
      // Told at the start of every pass: a replay that starts again counts afresh.
      policyRef = policy;
      found = undefined;
      tally = undefined;
    },
    onDecision(decision, source) {
      if (decision.duplicate) return;
      if (byRequest) {
        if (decision.request.requestId === options.request) found = { decision, source };
        return;
      }
      if (decision.scope !== options.scope || decision.period !== options.period) return;
      tally ??= emptyLineTally();
      tally.allowance = decision.allowance;
      tally.version ??= policyRef!.versionAt(decision.request.instant);
      const { route, fee, charge } = decision;
      tallyRequest(tally, { route, free: decision.status === 'free', cost: decision.request.cost, fee, charge, tiered: decision.tiers !== undefined }, () => ({ decision, source }));
    },
  });
  writeExplanation(options, found, tally, policyRef!, io);
}
