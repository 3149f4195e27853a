import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { AuditReport } from '@byok-billing/core';
import type { AuditTerms } from '../audit/computeAudit.js';
import type { AuditFormat } from '../output/auditFormats.js';
import { VERSION } from '../version.js';
import { BundleError, bundleIoError } from './bundleErrors.js';
import { sha256File } from './bundleFiles.js';
import { type BundleFile, type BundleLayout, type BundleParts, MANIFEST_NAME, makeManifest, manifestText } from './bundleManifest.js';
import { bundlePath, safeFileName } from './bundlePaths.js';
import { runRecorded } from './rerunBundle.js';

/** The audit options a bundle records or must keep out of itself. */
export interface BundleSources extends AuditTerms {
  readonly out?: string;
}

const INPUT_KINDS = ['policy', 'accounts', 'invoice'] as const;

/**
 * Checks `--bundle DIR` before the audit runs, so a run that cannot leave a bundle fails
 * at once rather than after minutes of replay. DIR must not exist or be an empty
 * directory: a bundle is never merged into other files (they would be files its manifest
 * does not list) nor written over an older bundle. Returns the path to write to.
 */
export function preflightBundle(target: string, logs: readonly string[], options: BundleSources): string {
  const stdin = [...logs, ...INPUT_KINDS.map((k) => options[k])].includes('-');
  if (stdin) throw new BundleError('BUNDLE_STDIN', target, 'a bundle cannot record standard input (-); give every input as a file');
  const existing = existingDirectory(target);
  const final = existing ?? resolve(target);
  for (const [option, path] of [['--out', options.out], ['--details', options.details], ['--rejects', options.rejects]] as const) {
    if (path !== undefined && isWithin(final, resolve(path))) {
      throw new BundleError('BUNDLE_OUTPUT_INSIDE', path, `${option} would write inside the bundle ${target}; a bundle holds only what it lists`);
    }
  }
  return final;
}

/** The real path of `target` when it is an empty directory; undefined when nothing is there. */
function existingDirectory(target: string): string | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(target).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw bundleIoError(target, 'read', error);
  }
  if (!isDirectory) throw new BundleError('BUNDLE_TARGET_NOT_DIRECTORY', target, 'exists and is not a directory; --bundle needs a new or an empty directory');
  let names: string[];
  try {
    names = readdirSync(target);
  } catch (error) {
    throw bundleIoError(target, 'listed', error);
  }
  if (names.length > 0) throw new BundleError('BUNDLE_TARGET_NOT_EMPTY', target, 'is a directory that is not empty; --bundle needs a new or an empty directory (a bundle is never written over other files)');
  try {
    // Its real path: the bundle is renamed onto the directory itself, not onto a link to it.
    return realpathSync(target);
  } catch (error) {
    throw bundleIoError(target, 'read', error);
  }
}

function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Writes the bundle for an audit whose report was `printed`. Everything goes into a
 * hidden directory next to `final`, renamed to `final` only when complete: a failure (or
 * a full disk) leaves no half-written bundle that verify would have to tell from a real one.
 */
export async function writeBundle(final: string, logs: readonly string[], options: BundleSources, format: AuditFormat, printed: AuditReport): Promise<void> {
  const staging = makeStaging(final);
  try {
    const parts = await fillStaging(staging, logs, options, format, printed);
    writeText(join(staging, MANIFEST_NAME), manifestText(makeManifest(parts, VERSION)));
    commit(staging, final);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

function makeStaging(final: string): string {
  const parent = dirname(final);
  const staging = join(parent, `.${basename(final)}.partial-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(parent, { recursive: true });
    // Not mkdtemp: its mode 0700 would make the finished bundle private; this one follows the umask.
    mkdirSync(staging);
  } catch (error) {
    throw bundleIoError(staging, 'created', error);
  }
  return staging;
}

function commit(staging: string, final: string): void {
  try {
    // rename(2) replaces an empty directory and fails on anything else: nothing is overwritten.
    renameSync(staging, final);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new BundleError('BUNDLE_TARGET_NOT_EMPTY', final, 'was filled while the audit ran; the bundle was not written');
    if (code === 'ENOTDIR') throw new BundleError('BUNDLE_TARGET_NOT_DIRECTORY', final, 'became something other than a directory while the audit ran; the bundle was not written');
    throw bundleIoError(final, 'written', error);
  }
}

/** Names the copies and outputs: kind directories keep each file's own name (and its `.gz`). */
function layoutFor(logs: readonly string[], options: BundleSources, format: AuditFormat): BundleLayout {
  const copy = (kind: string, path: string | undefined) => (path === undefined ? null : `${kind}/${safeFileName(path)}`);
  return {
    inputs: {
      logs: logs.map((log, i) => `logs/${i + 1}-${safeFileName(log)}`),
      policy: copy('policy', options.policy),
      accounts: copy('accounts', options.accounts),
      invoice: copy('invoice', options.invoice),
    },
    options: {
      inputTimezone: options.inputTimezone ?? null,
      reorderWindow: options.reorderWindow ?? '15m',
      sort: options.sort ?? false,
      tolerance: options.tolerance ?? null,
      perRequest: options.perRequest ?? false,
      format,
    },
    outputs: {
      report: `report.${format === 'table' ? 'txt' : format}`,
      reportJson: format === 'json' ? null : 'report.json',
      rejects: options.rejects === undefined ? null : 'rejects.csv',
    },
  };
}

/**
 * Copies the inputs, then makes the bundle's report by running its canonical command on
 * those copies. The report the user saw names the inputs as they were given; the bundle's
 * names them as the bundle does, so that re-running it anywhere gives the same bytes. It
 * also makes the bundle's report a function of the bundle's own files, even if an input
 * changed after the audit read it: that is refused, as the printed report no longer holds.
 */
async function fillStaging(staging: string, logs: readonly string[], options: BundleSources, format: AuditFormat, printed: AuditReport): Promise<BundleParts<BundleFile>> {
  const layout = layoutFor(logs, options, format);
  const from = (path: string) => (options.baseDir === undefined ? path : resolve(options.baseDir, path));
  logs.forEach((log, i) => copyIn(from(log), staging, layout.inputs.logs[i]!));
  for (const kind of INPUT_KINDS) {
    const name = layout.inputs[kind];
    if (name !== null) copyIn(from(options[kind]!), staging, name);
  }
  const rejects = layout.outputs.rejects === null ? undefined : bundlePath(staging, layout.outputs.rejects);
  const run = await runRecorded(staging, layout, rejects, options.threads);
  if (!sameOutcome(printed, run.report)) {
    throw new BundleError('BUNDLE_INPUT_CHANGED', logs.join(', '), 'an input changed while the audit ran (its copy in the bundle gives another result); run the audit again');
  }
  writeText(bundlePath(staging, layout.outputs.report), run.reportText);
  if (run.reportJson !== null) writeText(bundlePath(staging, layout.outputs.reportJson!), run.reportJson);
  return hashed(staging, layout);
}

/** The parts of two reports no file name appears in: what must agree between the printed report and the bundle's. */
function sameOutcome(a: AuditReport, b: AuditReport): boolean {
  const outcome = (r: AuditReport) => JSON.stringify([r.matches, r.summary, r.omittedFindings, r.findings.length]);
  return outcome(a) === outcome(b);
}

function copyIn(source: string, staging: string, name: string): void {
  const dest = bundlePath(staging, name);
  try {
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(source, dest);
  } catch (error) {
    throw bundleIoError(source, 'copied into the bundle', error);
  }
}

function writeText(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw bundleIoError(path, 'written', error);
  }
}

/** The layout with the SHA-256 of each file as it is in the bundle (the copies, not the originals). */
function hashed(staging: string, layout: BundleLayout): BundleParts<BundleFile> {
  const file = (path: string) => ({ path, sha256: sha256File(bundlePath(staging, path)) });
  const optional = (path: string | null) => (path === null ? null : file(path));
  const { inputs, outputs } = layout;
  return {
    inputs: { logs: inputs.logs.map(file), policy: optional(inputs.policy), accounts: optional(inputs.accounts), invoice: optional(inputs.invoice) },
    options: layout.options,
    outputs: { report: file(outputs.report), reportJson: optional(outputs.reportJson), rejects: optional(outputs.rejects) },
  };
}
