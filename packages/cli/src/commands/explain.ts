import { type Accounts, type Decision, Money, type Policy } from '@byok-billing/core';
import { CHARGE_CODE, ROUTE_CODE } from '@byok-billing/core/internal';
import { type Command, Option } from 'commander';
import type { ProgramIO } from '../programIO.js';
import type { RowSource } from '../replay/rowSource.js';
import { type ReplayCliOptions, addReplayOptions, presentationOf, runReplay } from '../replay/runReplay.js';
import type { FastDecided } from '../replay/fast/fastReplay.js';
import { compactLineMatcher, costOf, feeOf, fullDecision, idMatcher } from './explainDecision.js';
import { type ExplainAsk, type LineTally, asksForRequest, emptyLineTally, tallyRequest, writeExplanation } from './explanation.js';

export interface ExplainCliOptions extends ReplayCliOptions, ExplainAsk {}

/** `byok explain`: why a request is charged what it is, or how a bill line is derived. */
export async function explainCommand(logs: readonly string[], options: ExplainCliOptions, io: ProgramIO): Promise<void> {
  const byRequest = asksForRequest(options);
  let found: { decision: Decision; source: RowSource } | undefined;
  let tally: LineTally | undefined;
  let policyRef: Policy | undefined;
  let accountsRef: Accounts | undefined;
  // Every request is decided on the fast replay; a Decision is built only for the ones explained.
  const decisionOf = (d: FastDecided) => fullDecision(d, policyRef!, accountsRef, options.inputTimezone);
  const wanted = byRequest ? idMatcher(options.request!) : undefined;
  const lineMatches = byRequest ? undefined : compactLineMatcher(options.scope!, options.period!);
  await runReplay(logs, options, io, {
    onPolicy(policy, accounts) {
      // Told at the start of every pass: a replay that starts again (sorted) counts afresh.
      policyRef = policy;
      accountsRef = accounts;
      found = undefined;
      tally = undefined;
    },
    onDecided(d) {
      if (wanted !== undefined) {
        // A later row with the same id (outside the reorder window) is explained instead, as before.
        if (wanted(d.batch, d.row)) found = decisionOf(d);
        return;
      }
      const { outcome } = d;
      if (!lineMatches!(outcome)) return;
      tally ??= emptyLineTally();
      tally.allowance = outcome.lines.allowance(outcome.line);
      tally.version ??= outcome.terms.version;
      const cost = costOf(d);
      // A pricing-language line's fee is the ledger's exact tiered fee (10^-24 $); a shorthand line's, cost × rate.
      const tiered = outcome.tieredFee !== undefined;
      const fee = feeOf(d, cost);
      const charge = outcome.chargeKind === CHARGE_CODE.fee ? fee : outcome.chargeKind === CHARGE_CODE.list ? cost : Money.ZERO;
      const route = outcome.route === ROUTE_CODE.byok ? 'byok' : outcome.route === ROUTE_CODE.platform ? 'platform' : 'failed';
      tallyRequest(tally, { route, free: outcome.within, cost, fee, charge, tiered: tiered && outcome.ordinal > 0 }, () => decisionOf(d));
    },
  });
  writeExplanation(options, found, tally, policyRef!, io);
}

export function registerExplain(program: Command, io: ProgramIO): void {
  const command = program
    .command('explain')
    .summary('explain one request\'s charge, or how one bill line is derived')
    .description(
      'Replay the log and explain, like an accountant\'s note, either one request (--request): its scope and period, ' +
        'the policy version in force, the route and the failover rule that chose it, its ordinal, free or billable and ' +
        'why, and the arithmetic of its charge; or one bill line (--scope with --period): counts by route, the allowance, ' +
        'the first billable request (where the allowance ran out), the fee as rate × summed cost, and the total.',
    )
    .argument('<log...>', 'request log files (.csv, .csv.gz) or - for standard input');
  addReplayOptions(command)
    .option('--request <id>', 'the request_id to explain')
    .option('--scope <scope>', 'the scope of the bill line to explain, e.g. org:acme')
    .option('--period <period>', 'the period of the bill line, YYYY-MM')
    .addOption(new Option('--format <format>', 'text for people, json for tools').choices(['text', 'json']).default('text'))
    .option('--out <file>', 'write the explanation to this file')
    .addHelpText(
      'after',
      `
Examples:
  $ byok explain requests.csv --request req-1000001
  $ byok explain requests.csv --scope org:acme --period 2025-10
  $ byok explain requests.csv --scope user:alice --period 2025-09 --format json`,
    )
    .action(async (logs: string[], options: ExplainCliOptions) => {
      await explainCommand(logs, options, io);
    });
}
