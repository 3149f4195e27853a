import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type AuditReport, ByokError, type InvoiceLine, Money, parseMoney, reconcileInvoice } from '@byok-billing/core';
import { auditReplay } from '../audit/auditReplay.js';
import { type Command, Option } from 'commander';
import { EXIT_DISCREPANCIES, EXIT_OK, UsageError } from '../exitCodes.js';
import { loadInvoiceFile } from '../io/loadInvoiceFile.js';
import { readJsonDocument } from '../io/readJsonDocument.js';
import { AUDIT_FORMATS, type AuditFormat, auditAsJson, formatAudit } from '../output/auditFormats.js';
import type { ProgramIO } from '../programIO.js';
import { VERSION } from '../version.js';
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
export async function auditCommand(logs: readonly string[], options: AuditCliOptions, io: ProgramIO, argv: readonly string[] = []): Promise<AuditOutcome> {
  if (options.invoice === undefined && !options.perRequest) {
    throw new UsageError('give --invoice FILE to reconcile an invoice, or --per-request to check the charged_usd of each request');
  }
  let tolerance: Money | undefined;
  if (options.tolerance !== undefined) {
    try {
      tolerance = parseMoney(options.tolerance);
    } catch (error) {
      throw new UsageError(`--tolerance: ${(error as ByokError).message}`);
    }
  }
  const warn = (message: string) => {
    if (!options.quiet) io.stderr(`byok: warning: ${message}\n`);
  };
  const invoice: InvoiceLine[] | undefined = options.invoice === undefined ? undefined : await loadInvoiceFile(resolveIn(options.baseDir, options.invoice), warn);

  // The fast replay decides; the audit's evidence is gathered from its numbers (see auditReplay).
  const { run, match, evidence, sawCharged } = await auditReplay(logs, options, io, tolerance, invoice);
  if (options.perRequest && !sawCharged && run.bill.input.accepted > 0) {
    throw new UsageError('--per-request needs a charged_usd column in the log (what each request was actually charged)');
  }
  const report = reconcileInvoice(run.bill, invoice, evidence, match);
  const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
  const text = formatAudit(report, format);
  writeOutput(text, options.out, io);
  if (options.bundle !== undefined) writeBundle(options, logs, argv, report, text, format);
  return { report, exitCode: report.matches ? EXIT_OK : EXIT_DISCREPANCIES };
}

function resolveIn(baseDir: string | undefined, path: string): string {
  return baseDir === undefined ? path : resolve(baseDir, path);
}

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const sha256Text = (text: string) => createHash('sha256').update(text).digest('hex');

/** What a bundle records so that `byok verify` can re-run the audit. */
export interface BundleManifest {
  readonly format: 'byok-audit-bundle/v1';
  readonly engine: { readonly name: '@byok-billing/cli'; readonly version: string };
  readonly command: readonly string[];
  readonly cwd: string;
  readonly logs: readonly { readonly path: string; readonly sha256: string }[];
  readonly files: Readonly<Record<'policy' | 'accounts' | 'invoice', { readonly original: string; readonly copy: string; readonly sha256: string } | undefined>>;
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  readonly outputs: Readonly<Record<string, string>>;
}

function writeBundle(options: AuditCliOptions, logs: readonly string[], argv: readonly string[], report: AuditReport, text: string, format: AuditFormat): void {
  const dir = options.bundle!;
  mkdirSync(dir, { recursive: true });
  if (logs.includes('-')) throw new UsageError('--bundle cannot record standard input; give the log as a file');
  const copy = (kind: 'policy' | 'accounts' | 'invoice', path: string | undefined) => {
    if (path === undefined) return undefined;
    const name = kind === 'policy' ? 'policy.json' : `${kind}.csv`;
    const source = resolveIn(options.baseDir, path);
    copyFileSync(source, join(dir, name));
    return { original: path, copy: name, sha256: sha256File(source) };
  };
  const json = auditAsJson(report);
  writeFileSync(join(dir, 'report.json'), json);
  const outputs: Record<string, string> = { 'report.json': sha256Text(json) };
  if (format !== 'json') {
    writeFileSync(join(dir, `report.${format === 'csv' ? 'csv' : 'txt'}`), text);
    outputs[`report.${format === 'csv' ? 'csv' : 'txt'}`] = sha256Text(text);
  }
  const manifest: BundleManifest = {
    format: 'byok-audit-bundle/v1',
    engine: { name: '@byok-billing/cli', version: VERSION },
    command: ['byok', ...argv],
    cwd: resolve(options.baseDir ?? '.'),
    logs: logs.map((log) => ({ path: log, sha256: sha256File(resolveIn(options.baseDir, log)) })),
    files: { policy: copy('policy', options.policy), accounts: copy('accounts', options.accounts), invoice: copy('invoice', options.invoice) },
    options: {
      inputTimezone: options.inputTimezone,
      reorderWindow: options.reorderWindow,
      sort: options.sort ?? false,
      tolerance: options.tolerance,
      perRequest: options.perRequest ?? false,
      format,
    },
    outputs,
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Whether a document is a bundle manifest (its format says so, and its parts are there); a hand-edited one may not be. */
function isBundleManifest(value: unknown): value is BundleManifest {
  if (value === null || typeof value !== 'object') return false;
  const m = value as Record<string, unknown>;
  const objects = [m.engine, m.files, m.options, m.outputs].every((part) => part !== null && typeof part === 'object');
  return m.format === 'byok-audit-bundle/v1' && objects && Array.isArray(m.logs) && Array.isArray(m.command) && typeof m.cwd === 'string';
}

/** `byok verify DIR`: re-run a bundle's audit and confirm the same inputs give the same report. */
export async function verifyCommand(dir: string, io: ProgramIO): Promise<number> {
  // Read as every JSON input is (duplicate keys refused, located); its numbers are none of money.
  const document = readJsonDocument(join(dir, 'manifest.json'), { numbers: 'safe' });
  if (!isBundleManifest(document)) throw new UsageError(`${dir}: not a byok audit bundle`);
  const manifest = document;
  const problems: string[] = [];
  for (const log of manifest.logs) {
    const path = resolve(manifest.cwd, log.path);
    let actual: string;
    try {
      actual = sha256File(path);
    } catch {
      problems.push(`log ${log.path} is missing (looked for ${path})`);
      continue;
    }
    if (actual !== log.sha256) problems.push(`log ${log.path} has changed: SHA-256 ${actual}, bundle says ${log.sha256}`);
  }
  for (const [kind, file] of Object.entries(manifest.files)) {
    if (file === undefined || file === null) continue;
    const actual = sha256File(join(dir, file.copy));
    if (actual !== file.sha256) problems.push(`${kind} copy ${file.copy} has changed: SHA-256 ${actual}, bundle says ${file.sha256}`);
  }
  if (manifest.engine.version !== VERSION) io.stdout(`note: the bundle was made by byok ${manifest.engine.version}; this is ${VERSION}\n`);
  if (problems.length === 0) {
    let report = '';
    const quietIO: ProgramIO = { ...io, stdout: (t) => (report += t), stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false };
    const o = manifest.options;
    const bundled = (kind: 'policy' | 'accounts' | 'invoice') => (manifest.files[kind] ? resolve(dir, manifest.files[kind]!.copy) : undefined);
    await auditCommand(
      manifest.logs.map((l) => l.path),
      {
        baseDir: manifest.cwd,
        policy: bundled('policy'),
        accounts: bundled('accounts'),
        invoice: bundled('invoice'),
        inputTimezone: o.inputTimezone as string | undefined,
        reorderWindow: (o.reorderWindow as string | undefined) ?? '15m',
        sort: o.sort === true,
        tolerance: o.tolerance as string | undefined,
        perRequest: o.perRequest === true,
        format: 'json',
        quiet: true,
      },
      quietIO,
    );
    const expected = readFileSync(join(dir, 'report.json'), 'utf8');
    if (sha256Text(report) !== manifest.outputs['report.json'] || report !== expected) {
      problems.push('re-running the audit gives a different report than the bundle holds');
    }
  }
  if (problems.length > 0) {
    io.stdout(`REFUTED: the bundle in ${dir} does not reproduce.\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return EXIT_DISCREPANCIES;
  }
  io.stdout(
    `CONFIRMED: re-running "${manifest.command.join(' ')}" on the same inputs (${manifest.logs.length} log file(s), SHA-256 checked) gives the same report, byte for byte.\n`,
  );
  return EXIT_OK;
}

export function registerAudit(program: Command, io: ProgramIO, setExitCode: (code: number) => void, argv: readonly string[]): void {
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
    .option('--bundle <dir>', 'write a re-runnable audit bundle (input hashes, policy, accounts, invoice, command, outputs)')
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
      const outcome = await auditCommand(logs, options, io, argv);
      setExitCode(outcome.exitCode);
    });

  program
    .command('verify')
    .summary('re-run an audit bundle and confirm (or refute) that it reproduces')
    .argument('<dir>', 'a directory written by byok audit --bundle')
    .addHelpText('after', '\nExample:\n  $ byok verify audit-2025-10/\n\nExit code 0 when the bundle reproduces, 1 when it does not.')
    .action(async (dir: string) => {
      setExitCode(await verifyCommand(dir, io));
    });
}
