import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { UsageError } from '../exitCodes.js';
import { MAX_LINE_BYTES_HELP } from '../io/readLimits.js';
import type { ProgramIO } from '../programIO.js';
import { type VariantOutcome, buildWhatifReport } from '../whatif/buildReport.js';
import { type Variant, accountsFor, buildVariants } from '../whatif/variants.js';
import { formatWhatif, WHATIF_FORMATS, type WhatifFormat } from '../whatif/whatifFormats.js';
import type { WhatifReport } from '../whatif/whatifReport.js';
import { type ReplayCliOptions, runReplay } from '../replay/runReplay.js';
import { writeOutput } from '../output/writeOutput.js';
import { outputError } from '../io/outputFiles.js';

export interface WhatifCliOptions extends Omit<ReplayCliOptions, 'policy' | 'details'> {
  readonly policy: readonly string[];
  readonly vary: readonly string[];
  readonly top: string;
  readonly format?: WhatifFormat;
  readonly out?: string;
  readonly html?: string;
  readonly savePolicies?: string;
}

/**
 * `byok whatif`: the log is read once; each request is decided under every variant in
 * the same pass (the baseline by the replay's own ledger, the others by ledgers fed the
 * same requests in the same allowance order).
 */
export async function whatifCommand(logs: readonly string[], options: WhatifCliOptions, io: ProgramIO): Promise<WhatifReport> {
  const top = Number(options.top);
  if (!Number.isSafeInteger(top) || top < 0) throw new UsageError(`--top ${JSON.stringify(options.top)}: expected a whole number`);
  const variants = buildVariants({ policies: options.policy, vary: options.vary });
  const [baseline, ...others] = variants as [Variant, ...Variant[]];
  const run = await runReplay(
    logs,
    { ...options, policy: undefined, details: undefined },
    io,
    {
      policyOverride: baseline.policy,
      accountsOverride: (accounts) => accountsFor(baseline, accounts),
      // The other variants decide the same requests in the same pass, in the same allowance order.
      variants: (_policy, _accounts, loaded) => others.map((variant) => ({ policy: variant.policy, accounts: accountsFor(variant, loaded) })),
    },
  );
  const outcomes: VariantOutcome[] = [
    { variant: baseline, bill: run.bill, strictFailedRequests: run.strictFailed[0]! },
    ...others.map((variant, i) => ({ variant, bill: run.variantBills[i]!, strictFailedRequests: run.strictFailed[i + 1]! })),
  ];
  const report = buildWhatifReport(outcomes, top);
  if (options.savePolicies !== undefined) savePolicies(options.savePolicies, variants, io);
  // The report file first: a failure to write it then stops the run before anything is printed.
  if (options.html !== undefined) {
    const { renderWhatifHtml } = await import('../report/whatifHtml.js');
    writeOutput(renderWhatifHtml(report), options.html, io);
  }
  const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
  writeOutput(formatWhatif(report, format), options.out, io);
  return report;
}

/** Writes each variant's policy document, so any variant can be billed alone with byok bill --policy. */
function savePolicies(dir: string, variants: readonly Variant[], io: ProgramIO): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw outputError(`--save-policies ${dir}`, error);
  }
  variants.forEach((v, i) => {
    const file = join(dir, `${String(i).padStart(2, '0')}-${v.name.replace(/[^A-Za-z0-9._=-]+/g, '_')}.json`);
    writeOutput(`${JSON.stringify(v.policy.document, null, 2)}\n`, file, io);
  });
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerWhatif(program: Command, io: ProgramIO): void {
  program
    .command('whatif')
    .summary('compare pricing policies over real logs, in one pass')
    .description(
      'Replay request logs once under several policy variants and compare what each would bill: fee and platform ' +
        'revenue, scopes paying a fee and their fees (median, p90, max), requests failed under strict failover, the ' +
        'change from the baseline (the first variant), per month, and the scopes that move most.',
    )
    .argument('<log...>', 'request log files (.csv, .csv.gz) or - for standard input')
    .option('--policy <name=file>', 'a named policy variant (repeatable); the first is the baseline', collect, [])
    .option('--vary <param=v1,v2,...>', 'vary a parameter of the baseline (repeatable; the grid of all combinations): allowance, fee, scope, counts, failover, zone, tiers, unit, cap', collect, [])
    .option('--accounts <file>', 'per-scope settings CSV: scope,failover_mode,free_requests')
    .option('--input-timezone <zone>', 'IANA zone for timestamps written without an offset')
    .option('--reorder-window <duration>', 'how far a row may arrive behind the latest one', '15m')
    .option('--sort', 'sort the whole input instead of a window (memory grows with the log)')
    .option('--rejects <file>', 'write refused rows here and go on')
    .option('--threads <n>', 'threads that scan a large plain log file beside the one that decides (default: one per other core; 0: none)')
    .option('--max-line-bytes <n>', MAX_LINE_BYTES_HELP)
    .option('--top <n>', 'how many moving scopes to list per variant', '10')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices(WHATIF_FORMATS))
    .option('--out <file>', 'write the comparison to this file')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .option('--save-policies <dir>', "write each variant's policy document there (bill any variant alone with byok bill --policy)")
    .option('-q, --quiet', 'no progress display and no warnings')
    .addHelpText(
      'after',
      `
Examples:
  $ byok whatif requests.csv --vary allowance=500k,1M,2M --vary fee=3%,5%,7%
  $ byok whatif requests.csv --vary scope=org,user --format table
  $ byok whatif requests.csv --policy current=policy.json --policy generous=generous.json --html report.html
  $ byok whatif requests.csv --vary failover=fallback,strict,credits-first --top 20
  $ byok whatif requests.csv --vary tiers=1000000:0/10000000:0.05/0.03,1000000:0/0.04 --vary cap=none,2000
  $ byok whatif requests.csv --vary unit=requests,list-usd --vary tiers=1000:0/0.05 --save-policies variants/

Parameters for --vary: allowance (500k, 1M, 2000000), fee (3% or 0.03; a bare number above 1
is refused, write a rate above 100% with %), scope (org, user),
counts (served, attempted), failover (fallback, strict, credits-first: forced on every scope),
zone (an IANA reset time zone), and the pricing language's:
  tiers  one fee schedule replacing every schedule of every version: tiers separated by /,
         each upTo:rate, the last a rate alone (1000000:0/10000000:0.05/0.03: the first
         million free, 5% up to ten million, 3% beyond); several values separated by ,
  unit   what the tiers count: requests, or list-usd (each request's list cost: the bounds
         are then dollars)
  cap    the most fee a scope pays per month, in dollars, or none (cap=none,2000)
The allowance changes only policy versions that grant one (the bound of every free first
tier), so months before the free tier keep paying on every request; fee sets the rate of
every paid tier; other parameters change every version. Each variant's name and the
"fees" of every format say its schedule in words (0–1M free · 1M–10M 5% · >10M 3%).
--save-policies writes each variant as a policy document: byok bill --policy FILE bills it
alone to the same result. Without --policy the baseline is the built-in policy, named "current".`,
    )
    .action(async (logs: string[], options: WhatifCliOptions) => {
      await whatifCommand(logs, options, io);
    });
}
