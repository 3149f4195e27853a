import { createHash } from 'node:crypto';
import { AUDIT_FORMATS, type AuditFormat } from '../output/auditFormats.js';
import { BundleError } from './bundleErrors.js';
import { checkBundleName } from './bundlePaths.js';

/**
 * The manifest of an audit bundle (`manifest.json`): what `byok audit --bundle` copied,
 * with which options it ran, what it wrote, and the SHA-256 of each of those files. Every
 * path in it is a file inside the bundle; the command is derived from the other members,
 * never read as free text (see canonicalCommand).
 */
export const BUNDLE_FORMAT = 'byok-audit-bundle/v2';
export const MANIFEST_NAME = 'manifest.json';
const ENGINE_NAME = '@byok-billing/cli';

export interface BundleFile {
  readonly path: string;
  readonly sha256: string;
}

/** The options of `byok audit` that shape its report (all of them; the rest only say where output goes). */
export interface BundleOptions {
  readonly inputTimezone: string | null;
  readonly reorderWindow: string;
  readonly sort: boolean;
  readonly tolerance: string | null;
  readonly perRequest: boolean;
  readonly format: AuditFormat;
}

/** A bundle's files by role, with `F` a bare path (a bundle being laid out) or a path with its hash. */
export interface BundleParts<F> {
  readonly inputs: { readonly logs: readonly F[]; readonly policy: F | null; readonly accounts: F | null; readonly invoice: F | null };
  readonly options: BundleOptions;
  /** `report` is the report in `options.format`; `reportJson` the same report as JSON when that format is not JSON. */
  readonly outputs: { readonly report: F; readonly reportJson: F | null; readonly rejects: F | null };
}

export type BundleLayout = BundleParts<string>;

export interface BundleManifest extends BundleParts<BundleFile> {
  readonly format: typeof BUNDLE_FORMAT;
  readonly engine: { readonly name: typeof ENGINE_NAME; readonly version: string };
  readonly command: readonly string[];
  /** SHA-256 of the manifest written without its seal (see manifestText). */
  readonly seal: string;
}

/** A bundle's paths without their hashes: what a re-run reads and writes. */
export function layoutOf(parts: BundleParts<BundleFile>): BundleLayout {
  const path = (f: BundleFile | null) => (f === null ? null : f.path);
  const { inputs, outputs } = parts;
  return {
    inputs: { logs: inputs.logs.map((l) => l.path), policy: path(inputs.policy), accounts: path(inputs.accounts), invoice: path(inputs.invoice) },
    options: parts.options,
    outputs: { report: outputs.report.path, reportJson: path(outputs.reportJson), rejects: path(outputs.rejects) },
  };
}

/**
 * The command a bundle's report is the output of, run in the bundle's directory: derived
 * from its inputs, options and outputs alone. A recorded command that differs from it was
 * edited, so it is compared, never trusted, and this is the one `byok verify` re-runs.
 */
export function canonicalCommand(layout: BundleLayout): string[] {
  const { inputs, options: o, outputs } = layout;
  const flag = (name: string, value: string | null): string[] => (value === null ? [] : [name, value]);
  return [
    'byok',
    'audit',
    ...inputs.logs,
    ...flag('--policy', inputs.policy),
    ...flag('--accounts', inputs.accounts),
    ...flag('--invoice', inputs.invoice),
    ...flag('--input-timezone', o.inputTimezone),
    '--reorder-window',
    o.reorderWindow,
    ...(o.sort ? ['--sort'] : []),
    ...flag('--tolerance', o.tolerance),
    ...(o.perRequest ? ['--per-request'] : []),
    ...flag('--rejects', outputs.rejects),
    '--format',
    o.format,
    '--out',
    outputs.report,
  ];
}

/** A command as a shell line (arguments other than plain words single-quoted), for messages. */
export function shellLine(command: readonly string[]): string {
  return command.map((a) => (/^[A-Za-z0-9_./:=+@%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Every file a manifest lists, with the role it plays (for messages) and whether the audit reads or writes it. */
export function listedFiles(parts: BundleParts<BundleFile>): { readonly role: string; readonly file: BundleFile; readonly input: boolean }[] {
  const { inputs, outputs } = parts;
  const optional: [string, BundleFile | null, boolean][] = [
    ['policy', inputs.policy, true],
    ['accounts', inputs.accounts, true],
    ['invoice', inputs.invoice, true],
    ['report', outputs.report, false],
    ['JSON report', outputs.reportJson, false],
    ['rejects', outputs.rejects, false],
  ];
  return [
    ...inputs.logs.map((file, i) => ({ role: inputs.logs.length > 1 ? `log ${i + 1}` : 'log', file, input: true })),
    ...optional.filter((e): e is [string, BundleFile, boolean] => e[1] !== null).map(([role, file, input]) => ({ role, file, input })),
  ];
}

/** A manifest without its seal, its members in their one order (so the text is a function of the content). */
function manifestBody(m: Omit<BundleManifest, 'seal'>): object {
  const file = (f: BundleFile | null) => (f === null ? null : { path: f.path, sha256: f.sha256 });
  const o = m.options;
  return {
    format: m.format,
    engine: { name: m.engine.name, version: m.engine.version },
    command: [...m.command],
    inputs: { logs: m.inputs.logs.map(file), policy: file(m.inputs.policy), accounts: file(m.inputs.accounts), invoice: file(m.inputs.invoice) },
    options: { inputTimezone: o.inputTimezone, reorderWindow: o.reorderWindow, sort: o.sort, tolerance: o.tolerance, perRequest: o.perRequest, format: o.format },
    outputs: { report: file(m.outputs.report), reportJson: file(m.outputs.reportJson), rejects: file(m.outputs.rejects) },
  };
}

const jsonText = (value: object) => `${JSON.stringify(value, null, 2)}\n`;
export const sha256Of = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The seal: SHA-256 of the manifest's text written without the seal. It makes any change
 * to the manifest's own text (a version, an option, a byte of white space) refute the
 * bundle. Anyone can compute it, so it is a check against corruption and casual edits, not
 * a signature: what proves a bundle is the re-run and the report compared byte for byte.
 */
export function sealOf(m: Omit<BundleManifest, 'seal'>): string {
  return sha256Of(jsonText(manifestBody(m)));
}

/** The one text a manifest with this content has: what the bundle writer writes and verify expects, byte for byte. */
export function manifestText(m: BundleManifest): string {
  return jsonText({ ...manifestBody(m), seal: m.seal });
}

/** A new manifest: engine, canonical command and seal made from the parts. */
export function makeManifest(parts: BundleParts<BundleFile>, version: string): BundleManifest {
  const unsealed = {
    format: BUNDLE_FORMAT,
    engine: { name: ENGINE_NAME, version },
    command: canonicalCommand(layoutOf(parts)),
    ...parts,
  } as const;
  return { ...unsealed, seal: sealOf(unsealed) };
}

// ---- Reading a manifest: every member checked for presence and type, none unknown. ----

interface ReadContext {
  /** The bundle directory as the user named it (in "not a bundle"). */
  readonly dir: string;
  /** The manifest's path (in every other message). */
  readonly manifestPath: string;
}

type Members = Record<string, unknown>;

function bad(ctx: ReadContext, reason: string): BundleError {
  return new BundleError('BUNDLE_BAD_MANIFEST', ctx.manifestPath, reason);
}

/** A JSON object with exactly `keys`: a member missing or one more is refused, as a manifest nobody wrote. */
function members(value: unknown, where: string, keys: readonly string[], ctx: ReadContext): Members {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(ctx, `${where} must be an object`);
  const m = value as Members;
  const missing = keys.filter((k) => !Object.hasOwn(m, k));
  if (missing.length > 0) throw bad(ctx, `${where}.${missing[0]} is missing`);
  const unknown = Object.keys(m).filter((k) => !keys.includes(k));
  if (unknown.length > 0) throw bad(ctx, `${where} has a member this format does not have: ${JSON.stringify(unknown[0])}`);
  return m;
}

function text(value: unknown, where: string, ctx: ReadContext): string {
  if (typeof value !== 'string') throw bad(ctx, `${where} must be a string`);
  return value;
}

function textOrNull(value: unknown, where: string, ctx: ReadContext): string | null {
  return value === null ? null : text(value, where, ctx);
}

function flag(value: unknown, where: string, ctx: ReadContext): boolean {
  if (typeof value !== 'boolean') throw bad(ctx, `${where} must be true or false`);
  return value;
}

function sha256(value: unknown, where: string, ctx: ReadContext): string {
  const hex = text(value, where, ctx);
  if (!/^[0-9a-f]{64}$/.test(hex)) throw bad(ctx, `${where} must be a SHA-256 in 64 lowercase hexadecimal digits`);
  return hex;
}

function file(value: unknown, where: string, ctx: ReadContext): BundleFile {
  const m = members(value, where, ['path', 'sha256'], ctx);
  const path = text(m.path, `${where}.path`, ctx);
  checkBundleName(path, `${where}.path`, ctx.manifestPath);
  return { path, sha256: sha256(m.sha256, `${where}.sha256`, ctx) };
}

function fileOrNull(value: unknown, where: string, ctx: ReadContext): BundleFile | null {
  return value === null ? null : file(value, where, ctx);
}

function readInputs(value: unknown, ctx: ReadContext): BundleManifest['inputs'] {
  const m = members(value, '$.inputs', ['logs', 'policy', 'accounts', 'invoice'], ctx);
  if (!Array.isArray(m.logs) || m.logs.length === 0) throw bad(ctx, '$.inputs.logs must be a list of one or more files');
  return {
    logs: m.logs.map((log, i) => file(log, `$.inputs.logs[${i}]`, ctx)),
    policy: fileOrNull(m.policy, '$.inputs.policy', ctx),
    accounts: fileOrNull(m.accounts, '$.inputs.accounts', ctx),
    invoice: fileOrNull(m.invoice, '$.inputs.invoice', ctx),
  };
}

function readOptions(value: unknown, ctx: ReadContext): BundleOptions {
  const m = members(value, '$.options', ['inputTimezone', 'reorderWindow', 'sort', 'tolerance', 'perRequest', 'format'], ctx);
  const format = text(m.format, '$.options.format', ctx);
  if (!(AUDIT_FORMATS as readonly string[]).includes(format)) throw bad(ctx, `$.options.format must be one of ${AUDIT_FORMATS.join(', ')}`);
  return {
    inputTimezone: textOrNull(m.inputTimezone, '$.options.inputTimezone', ctx),
    reorderWindow: text(m.reorderWindow, '$.options.reorderWindow', ctx),
    sort: flag(m.sort, '$.options.sort', ctx),
    tolerance: textOrNull(m.tolerance, '$.options.tolerance', ctx),
    perRequest: flag(m.perRequest, '$.options.perRequest', ctx),
    format: format as AuditFormat,
  };
}

function readOutputs(value: unknown, format: AuditFormat, ctx: ReadContext): BundleManifest['outputs'] {
  const m = members(value, '$.outputs', ['report', 'reportJson', 'rejects'], ctx);
  const outputs = { report: file(m.report, '$.outputs.report', ctx), reportJson: fileOrNull(m.reportJson, '$.outputs.reportJson', ctx), rejects: fileOrNull(m.rejects, '$.outputs.rejects', ctx) };
  // The JSON report is there exactly when the report is in another format.
  if ((format === 'json') !== (outputs.reportJson === null)) throw bad(ctx, `$.outputs.reportJson must be ${format === 'json' ? 'null when the report is JSON' : 'the JSON report'}`);
  return outputs;
}

function readCommand(value: unknown, ctx: ReadContext): string[] {
  if (!Array.isArray(value) || !value.every((a) => typeof a === 'string')) throw bad(ctx, '$.command must be a list of strings');
  return value as string[];
}

/** Two roles naming one file would let one file stand for two (or for the manifest): refused. */
function checkDistinct(parts: BundleParts<BundleFile>, ctx: ReadContext): void {
  const seen = new Set([MANIFEST_NAME]);
  for (const { role, file } of listedFiles(parts)) {
    if (seen.has(file.path)) throw bad(ctx, `the ${role} is ${JSON.stringify(file.path)}, a file the manifest already names`);
    seen.add(file.path);
  }
}

/**
 * Reads a parsed `manifest.json`. Anything that is not an object of this format is "not a
 * byok audit bundle"; a manifest of this format with a member missing, unknown, of the
 * wrong type, or naming a path outside the bundle is refused (exit code 2), naming it.
 */
export function readManifest(document: unknown, ctx: ReadContext): BundleManifest {
  const top = document as Members | null;
  if (top === null || typeof top !== 'object' || Array.isArray(top) || top.format !== BUNDLE_FORMAT) {
    throw new BundleError('BUNDLE_NOT_A_BUNDLE', ctx.dir, 'not a byok audit bundle');
  }
  const m = members(top, '$', ['format', 'engine', 'command', 'inputs', 'options', 'outputs', 'seal'], ctx);
  const engine = members(m.engine, '$.engine', ['name', 'version'], ctx);
  if (engine.name !== ENGINE_NAME) throw bad(ctx, `$.engine.name must be ${JSON.stringify(ENGINE_NAME)}`);
  const options = readOptions(m.options, ctx);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    engine: { name: ENGINE_NAME, version: text(engine.version, '$.engine.version', ctx) },
    command: readCommand(m.command, ctx),
    inputs: readInputs(m.inputs, ctx),
    options,
    outputs: readOutputs(m.outputs, options.format, ctx),
    seal: sha256(m.seal, '$.seal', ctx),
  };
  checkDistinct(manifest, ctx);
  return manifest;
}
