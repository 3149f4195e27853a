import type { AuditReport } from '@byok-billing/core';
import { type Command, Option } from 'commander';
import { computeAudit } from '../audit/computeAudit.js';
import { preflightBundle, writeBundle } from '../bundle/writeBundle.js';
import { verifyBundle } from '../bundle/verifyBundle.js';
import { EXIT_DISCREPANCIES, EXIT_OK } from '../exitCodes.js';
import { AUDIT_FORMATS, type AuditFormat, formatAudit } from '../output/auditFormats.js';
import type { ProgramIO } from '../programIO.js';
import { type ReplayCliOptions, addReplayOptions } from '../replay/runReplay.js';
import { writeOutput } from '../output/writeOutput.js';

export interface AuditCliOptions extends ReplayCliOptions {
  readonly invoice?: string;
  readonly tolerance?: string;
  readonly perRequest?: boolean;
  readonly format?: AuditFormat;
  readonly out?: string;
  readonly bundle?: string;
  readonly details?: string;
}

export interface AuditOutcome {
  readonly report: AuditReport;
  readonly exitCode: number;
}

/** `byok audit`: recompute the bill from the log and reconcile the invoice with it. */
export async function auditCommand(logs: readonly string[], options: AuditCliOptions, io: ProgramIO): Promise<AuditOutcome> {
  // Checked first: a bundle that cannot be written should not cost a whole replay to find out.
  const bundle = options.bundle === undefined ? undefined : preflightBundle(options.bundle, logs, options);
  const report = await computeAudit(logs, options, io);
  const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
  writeOutput(formatAudit(report, format), options.out, io);
  if (bundle !== undefined) await writeBundle(bundle, logs, options, format, report);
  return { report, exitCode: report.matches ? EXIT_OK : EXIT_DISCREPANCIES };
}

/** `byok verify DIR`: re-run a bundle's audit and confirm the same inputs give the same report (see bundle/verifyBundle). */
export async function verifyCommand(dir: string, io: ProgramIO): Promise<number> {
  return verifyBundle(dir, io);
}

// `_argv` is no longer recorded: a bundle's command is derived from its manifest (bundle/bundleManifest.ts).
export function registerAudit(program: Command, io: ProgramIO, setExitCode: (code: number) => void, _argv: readonly string[]): void {
  const command = program
    .command('audit')
    .summary('reconcile an invoice (or recorded per-request charges) with the bill the log supports')
    .description(
      'Recompute the bill from request logs and compare it with an invoice: every column the invoice has, for every ' +
        'line; lines invoiced without support in the log; billable lines not invoiced; requests whose recorded route ' +
        'differs from the failover mode; and, when the log has charged_usd, every request charged other than the policy ' +
        'says. Exit code 0 when everything matches, 1 when anything differs, 2 on bad input.',
    )
    .argument('<log...>', 'request log files (.csv, .csv.gz) or - for standard input');
  addReplayOptions(command)
    .option('--invoice <file>', 'invoice CSV: scope,period,total_usd and optionally any other bill column')
    .option('--tolerance <amount>', 'accept invoiced money within this amount of the exact value (default: equal after presentation rounding)')
    .option('--per-request', 'check each request\'s charged_usd against the policy (no invoice needed)')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices(AUDIT_FORMATS))
    .option('--out <file>', 'write the report to this file')
    .option('--details <file>', 'write one decision record per request here (.csv or .ndjson)')
    .option('--bundle <dir>', 'write a re-runnable audit bundle into this new (or empty) directory: copies of the logs, policy, accounts and invoice, the report, and a manifest with their SHA-256')
    .addHelpText(
      'after',
      `
Examples:
  $ byok audit requests.csv --invoice invoice.csv
  $ byok audit requests.csv --invoice invoice.csv --tolerance 0.01 --format csv --out findings.csv
  $ byok audit usage.csv --per-request                    # log with charged_usd: which requests were charged wrongly
  $ byok audit requests.csv --invoice invoice.csv --bundle audit-2025-10/ && byok verify audit-2025-10/`,
    )
    .action(async (logs: string[], options: AuditCliOptions) => {
      const outcome = await auditCommand(logs, options, io);
      setExitCode(outcome.exitCode);
    });

  program
    .command('verify')
    .summary('re-run an audit bundle and confirm (or refute) that it reproduces')
    .argument('<dir>', 'a directory written by byok audit --bundle')
    .addHelpText('after', '\nChecks every file the manifest lists against its SHA-256, refuses files it does not list, re-runs the command\n' +
        'derived from the manifest on the bundle\'s own copies and compares each output byte for byte.\n\nExample:\n  $ byok verify audit-2025-10/\n\n' +
        'Exit code 0 when the bundle reproduces, 1 when it does not (what differs is listed), 2 when it cannot be checked.')
    .action(async (dir: string) => {
      setExitCode(await verifyCommand(dir, io));
    });
}
