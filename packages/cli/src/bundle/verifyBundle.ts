import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeScratchDir, removeScratchDir } from '../io/scratchDirs.js';
import { EXIT_BAD_INPUT, EXIT_DISCREPANCIES, EXIT_OK, exitCodeFor } from '../exitCodes.js';
import { parseJsonDocument } from '../io/readJsonDocument.js';
import type { ProgramIO } from '../programIO.js';
import { VERSION } from '../version.js';
import { BundleError, bundleIoError } from './bundleErrors.js';
import { type EntryKind, listBundle, sha256File } from './bundleFiles.js';
import { type BundleManifest, MANIFEST_NAME, canonicalCommand, layoutOf, listedFiles, manifestText, readManifest, sealOf, shellLine } from './bundleManifest.js';
import { bundlePath } from './bundlePaths.js';
import { runRecorded } from './rerunBundle.js';

/**
 * `byok verify DIR`. Exit code 2 when DIR cannot be checked (not a bundle, a manifest that
 * is not one, a path outside the bundle, a link, a listed file missing or unreadable);
 * otherwise every check runs and each failure is listed: exit code 1 when any fails
 * (REFUTED), 0 when none does (CONFIRMED). The checks:
 * - manifest.json is sealed and is byte for byte the text byok writes for its content;
 * - its command is the one its inputs, options and outputs describe (that one is re-run);
 * - the bundle holds exactly the files the manifest lists, each with its SHA-256;
 * - the re-run on the bundle's inputs gives each recorded output, byte for byte.
 */
export async function verifyBundle(dir: string, io: ProgramIO): Promise<number> {
  const entries = bundleEntries(dir);
  const manifestPath = join(dir, MANIFEST_NAME);
  const bytes = readBytes(manifestPath);
  // Read as every JSON input is (duplicate keys refused, located); its content has no numbers.
  const text = bytes.toString('utf8');
  const document = parseJsonDocument(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, manifestPath, { numbers: 'safe' });
  const manifest = readManifest(document, { dir, manifestPath });
  checkListedPresent(dir, manifest, entries);

  const command = canonicalCommand(layoutOf(manifest));
  const problems = [...manifestProblems(manifest, bytes, command), ...unlistedProblems(manifest, entries)];
  const { mismatches, inputsIntact } = hashMismatches(dir, manifest);
  problems.push(...mismatches);
  problems.push(...(inputsIntact ? await rerunProblems(dir, manifest) : ['not re-run: its inputs are not the ones the report was made from']));

  if (manifest.engine.version !== VERSION) io.stdout(`note: the bundle was made by byok ${manifest.engine.version}; this is ${VERSION}\n`);
  const ran = `${shellLine(command)}   (in ${dir})`;
  if (problems.length > 0) {
    io.stdout(`REFUTED: the bundle in ${dir} does not reproduce.\n${problems.map((p) => `  - ${p}\n`).join('')}  re-ran: ${inputsIntact ? ran : 'nothing'}\n`);
    return EXIT_DISCREPANCIES;
  }
  const files = listedFiles(manifest);
  io.stdout(
    `CONFIRMED: re-running the recorded command on the bundle's inputs gives the same report, byte for byte.\n` +
      `  re-ran: ${ran}\n` +
      `  checked: manifest.json (seal ${manifest.seal}) and the ${files.length} files it lists, by SHA-256; the bundle holds nothing else\n`,
  );
  return EXIT_OK;
}

/** The bundle's entries, after making sure DIR is a directory (a file or nothing there is bad input). */
function bundleEntries(dir: string): Map<string, EntryKind> {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw bundleIoError(dir, 'read', error);
  }
  if (!isDirectory) throw new BundleError('BUNDLE_NOT_A_BUNDLE', dir, 'not a byok audit bundle (not a directory)');
  const entries = listBundle(dir);
  if (entries.get(MANIFEST_NAME) !== 'file') throw new BundleError('BUNDLE_NOT_A_BUNDLE', dir, `not a byok audit bundle (it has no ${MANIFEST_NAME})`);
  return entries;
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw bundleIoError(path, 'read', error);
  }
}

/** A file the manifest lists and the bundle lacks is bad input, named: there is nothing to check it against. */
function checkListedPresent(dir: string, manifest: BundleManifest, entries: Map<string, EntryKind>): void {
  for (const { role, file } of listedFiles(manifest)) {
    const kind = entries.get(file.path);
    if (kind === 'file') continue;
    const what = kind === undefined ? 'it is not in the bundle' : 'it is a directory';
    throw new BundleError('BUNDLE_FILE_MISSING', bundlePath(dir, file.path), `the manifest lists it as the ${role}, but ${what}`);
  }
}

/** The manifest's own checks: its seal, its text, and its command against the one its members describe. */
function manifestProblems(manifest: BundleManifest, bytes: Buffer, command: readonly string[]): string[] {
  const problems: string[] = [];
  const seal = sealOf(manifest);
  if (seal !== manifest.seal) {
    problems.push(`${MANIFEST_NAME} was changed after it was written: its seal is ${manifest.seal}, its content gives ${seal}`);
  } else if (!bytes.equals(Buffer.from(manifestText(manifest)))) {
    problems.push(`${MANIFEST_NAME} is not byte for byte what byok writes for its content (white space, member order or escapes were changed)`);
  }
  if (JSON.stringify(manifest.command) !== JSON.stringify(command)) {
    problems.push(`the recorded command is not the one the manifest's inputs, options and outputs describe: it says "${shellLine(manifest.command)}"; verify re-ran "${shellLine(command)}"`);
  }
  return problems;
}

/**
 * Files in the bundle that the manifest does not list. Refused: people read a bundle's
 * directory, not its manifest, and a confirmed bundle must not hold a report nobody
 * checked (a second, edited report.txt next to the real one).
 */
function unlistedProblems(manifest: BundleManifest, entries: Map<string, EntryKind>): string[] {
  const listed = new Set([MANIFEST_NAME, ...listedFiles(manifest).map((l) => l.file.path)]);
  const holders = new Set([...listed].flatMap((path) => path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const extra = [...entries.keys()].filter((name) => !listed.has(name) && !(entries.get(name) === 'directory' && holders.has(name)));
  return extra.map((name) => `the bundle holds ${name}, which its manifest does not list`);
}

/** Every listed file against its SHA-256; whether the inputs all match decides whether a re-run can prove anything. */
function hashMismatches(dir: string, manifest: BundleManifest): { mismatches: string[]; inputsIntact: boolean } {
  const mismatches: string[] = [];
  let inputsIntact = true;
  for (const { role, file, input } of listedFiles(manifest)) {
    const actual = sha256File(bundlePath(dir, file.path));
    if (actual === file.sha256) continue;
    mismatches.push(`${role} ${file.path} has changed: SHA-256 ${actual}, the manifest says ${file.sha256}`);
    if (input) inputsIntact = false;
  }
  return { mismatches, inputsIntact };
}

/**
 * Re-runs the canonical command on the bundle's inputs and compares each output it makes
 * with the recorded one, byte for byte. A re-run that fails on bad input refutes the
 * bundle (its command does not run on its inputs); anything else is a bug and propagates.
 */
async function rerunProblems(dir: string, manifest: BundleManifest): Promise<string[]> {
  const scratch = scratchDirectory();
  try {
    const rejects = join(scratch, 'rejects.csv');
    const run = await runRecorded(dir, layoutOf(manifest), rejects);
    const { outputs } = manifest;
    return [
      outputDifference(dir, 'report', outputs.report.path, Buffer.from(run.reportText)),
      outputs.reportJson === null ? undefined : outputDifference(dir, 'JSON report', outputs.reportJson.path, Buffer.from(run.reportJson!)),
      outputs.rejects === null ? undefined : outputDifference(dir, 'rejects', outputs.rejects.path, readBytes(rejects)),
    ].filter((p): p is string => p !== undefined);
  } catch (error) {
    if (exitCodeFor(error) !== EXIT_BAD_INPUT) throw error;
    return [`re-running the recorded command fails: ${(error as Error).message}`];
  } finally {
    removeScratchDir(scratch);
  }
}

/** Where the re-run writes its rejects: outside the bundle, which verify never writes to. */
function scratchDirectory(): string {
  try {
    return makeScratchDir(tmpdir(), 'byok-verify-');
  } catch (error) {
    throw bundleIoError(tmpdir(), 'written', error);
  }
}

function outputDifference(dir: string, role: string, path: string, rerun: Buffer): string | undefined {
  const recorded = readBytes(bundlePath(dir, path));
  if (recorded.equals(rerun)) return undefined;
  return `re-running gives a different ${role} than ${path} holds (first difference on line ${firstDifferentLine(recorded, rerun)})`;
}

function firstDifferentLine(a: Buffer, b: Buffer): number {
  let line = 1;
  for (let i = 0; i < Math.min(a.length, b.length) && a[i] === b[i]; i++) if (a[i] === 10) line++;
  return line;
}
