import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { type CsvText, hostileCsvArb } from './hostileCsv.js';
import { type JsonText, type RecordsCase, policyArb, recordsCaseArb } from './hostileJson.js';
import { type LogCase, knownRecords, logCaseArb } from './hostileLogs.js';
import { accountsSpec, invoiceSpec } from './hostileTables.js';
import { type LocationRules, type NamedInput, lineCount } from './errorLocation.js';
import { csvTable } from '../../packages/cli/test/support/csvTable.js';
import { type AccountingRules, type InputSummary, importSummary } from './inputAccounting.js';
import { type OutputSpec, previousContent } from './outputContract.js';
import { brokenGzipRefusal, linesOf, placeCsv, placeJson, placeLog } from './placeInputs.js';
import type { Outcome } from './runWithLimits.js';
import type { FuzzCase } from './workspace.js';

/*
 * How a drawn case becomes one run of a command: its arguments and standard input, the
 * outputs it names (and what was at their paths before), the exit codes the command may
 * give, what its errors may name, and where its input accounting is when it succeeds.
 *
 * Only valid usage is generated (every option well formed, no output naming an input, no
 * --details with --engine duckdb, no --bundle with standard input): an exit 2 is then always
 * about the inputs' content, and must say where in them.
 */
export interface Planned {
  readonly args: readonly string[];
  readonly stdin: Buffer | undefined;
  readonly location: LocationRules;
  readonly outputs: readonly OutputSpec[];
  /** FORMATS.md: 1 is "an audit found discrepancies", so only the audit may give it. */
  readonly codes: readonly number[];
  readonly accounting?: {
    /** The input summary of a run that succeeded, read from its output. */
    readonly summary: (outcome: Outcome) => InputSummary;
    readonly rules: AccountingRules;
  };
  /** Checks of what only this command writes, on success. */
  readonly onSuccess?: (outcome: Outcome) => void;
}

/** Whether an output is named, and whether something is at its path already. */
type OutputChoice = 'absent' | 'new' | 'existing';
const outputChoiceArb: fc.Arbitrary<OutputChoice> = fc.constantFrom<OutputChoice>('absent', 'new', 'new', 'existing');

function output(c: FuzzCase, flag: string, name: string, choice: OutputChoice, kind: 'file' | 'dir' = 'file'): OutputSpec[] {
  if (choice === 'absent') return [];
  const previous = choice === 'new' ? undefined : kind === 'dir' ? '' : previousContent(flag);
  return [{ flag, path: c.out(name), kind, previous }];
}

const argsOf = (outputs: readonly OutputSpec[]) => outputs.flatMap((o) => [o.flag, o.path]);
const pathOf = (outputs: readonly OutputSpec[], flag: string) => outputs.find((o) => o.flag === flag)?.path;

/** The policy and accounts files, each absent on most runs, hostile when given. */
export interface SideInputs {
  readonly policy: JsonText | null;
  readonly accounts: CsvText | null;
}

/** `arb` on one draw in `oneIn`, else null. */
function sometimes<T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
}

export const sideInputsArb: fc.Arbitrary<SideInputs> = fc.record({
  policy: sometimes(policyArb, 4),
  accounts: sometimes(hostileCsvArb(accountsSpec), 4),
});

function placeSide(c: FuzzCase, side: SideInputs): { args: string[]; named: NamedInput[] } {
  const args: string[] = [];
  const named: NamedInput[] = [];
  if (side.policy !== null) {
    const p = placeJson(c, 'policy.json', side.policy);
    args.push('--policy', p.path);
    named.push(p.named);
  }
  if (side.accounts !== null) {
    const a = placeCsv(c, 'accounts.csv', side.accounts);
    args.push('--accounts', a.path);
    named.push(a.named);
  }
  return { args, named };
}

/** Options every log reader takes (bill, audit, explain, whatif). */
export interface ReadOptions {
  readonly maxLineBytes: string | undefined;
  readonly timezone: string | undefined;
  readonly quiet: boolean;
}

export const readOptionsArb: fc.Arbitrary<ReadOptions> = fc.record({
  // 1K is below the generator's huge fields (1.5 to 4.5 KB): those records are refused as too long.
  maxLineBytes: fc.constantFrom(undefined, undefined, '1K', '1K', '64K'),
  timezone: fc.constantFrom(undefined, undefined, undefined, 'Europe/Berlin'),
  quiet: fc.boolean(),
});

function readArgs(o: ReadOptions): string[] {
  return [...(o.maxLineBytes === undefined ? [] : ['--max-line-bytes', o.maxLineBytes]), ...(o.timezone === undefined ? [] : ['--input-timezone', o.timezone]), ...(o.quiet ? ['-q'] : [])];
}

/** The JSON a command printed, or wrote to its --out file. */
function printedJson(outcome: Outcome, out: string | undefined): { input: InputSummary } {
  const text = out === undefined ? outcome.stdout : readFileSync(out, 'utf8');
  return JSON.parse(text) as { input: InputSummary };
}

/*
 * --engine duckdb holds money in DECIMAL(38,12) (README, docs/engines.md): a log it cannot
 * bill exactly is refused whole, "bill this log with --engine js", which bills it. Not
 * bad input (the default engine takes it), so no file and line is required: a bill line
 * whose sums reach the limit is named by scope and period (the sum belongs to no one
 * row), amounts past it by the count of rows and a request_id. Allowed for DuckDB runs only.
 */
const DUCKDB_LIMITS = [
  /^scope .+, period \d{4}-\d{2}: the sum of its .* reaches 10\^2[46] dollars, more than --engine duckdb holds exactly/s,
  /^[\d,]+ row\(s\) \(request_id .*, \.\.\.\) have a cost_usd or charged_usd of 10\^26 dollars or more, beyond DuckDB's exact DECIMAL\(38,12\); bill this log with --engine js$/s,
];

// ---------------------------------------------------------------------------- byok bill

export interface BillDraw {
  readonly log: LogCase;
  readonly side: SideInputs;
  readonly plan: 'window' | 'sort' | 'duckdb';
  readonly read: ReadOptions;
  readonly out: OutputChoice;
  readonly rejects: OutputChoice;
  readonly details: OutputChoice;
  readonly detailsNdjson: boolean;
}

export const billDrawArb: fc.Arbitrary<BillDraw> = fc.record({
  log: logCaseArb({ stdin: true, gzip: true }),
  side: sideInputsArb,
  plan: fc.constantFrom<BillDraw['plan']>('window', 'window', 'sort', 'duckdb'),
  read: readOptionsArb,
  out: outputChoiceArb,
  rejects: fc.constantFrom<OutputChoice>('absent', 'new', 'new', 'existing'),
  details: outputChoiceArb,
  detailsNdjson: fc.boolean(),
});

export function planBill(c: FuzzCase, d: BillDraw): Planned {
  const log = placeLog(c, d.log);
  const side = placeSide(c, d.side);
  const outputs = [
    ...output(c, '--out', 'bill.json', d.out),
    ...output(c, '--rejects', 'rejects.csv', d.rejects),
    // --details is refused with --engine duckdb (a usage error): not drawn there.
    ...(d.plan === 'duckdb' ? [] : output(c, '--details', d.detailsNdjson ? 'details.ndjson' : 'details.csv', d.details)),
  ];
  const planArgs = d.plan === 'sort' ? ['--sort'] : d.plan === 'duckdb' ? ['--engine', 'duckdb', '--duckdb-memory-limit', '256MB', '--threads', '1'] : [];
  return {
    args: ['bill', ...log.args, ...side.args, ...planArgs, ...readArgs(d.read), '--format', 'json', ...argsOf(outputs)],
    stdin: log.stdin,
    location: { inputs: [...log.named, ...side.named], fileLevel: log.fileLevel, noFile: d.plan === 'duckdb' ? DUCKDB_LIMITS : [] },
    outputs,
    codes: [0, 2],
    accounting: {
      summary: (o) => printedJson(o, pathOf(outputs, '--out')).input,
      rules: { rejects: pathOf(outputs, '--rejects'), knownRows: knownRecords(d.log), inputs: log.names },
    },
  };
}

// --------------------------------------------------------------------------- byok audit

export interface AuditDraw {
  readonly log: LogCase;
  readonly side: SideInputs;
  /** An invoice to reconcile, or none: --per-request on a log with charged_usd. */
  readonly invoice: CsvText | null;
  readonly read: ReadOptions;
  readonly sort: boolean;
  readonly tolerance: boolean;
  readonly format: 'json' | 'csv' | 'table';
  readonly out: OutputChoice;
  readonly rejects: OutputChoice;
  readonly bundle: OutputChoice;
}

export const auditDrawArb: fc.Arbitrary<AuditDraw> = fc
  // An invoice on three runs in four; --per-request on the others.
  .record({ invoice: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: hostileCsvArb(invoiceSpec) }), charged: fc.boolean() })
  .chain(({ invoice, charged }) =>
    fc.record({
      // --per-request needs charged_usd: always in the header then (unless a header mutation drops it).
      log: logCaseArb({ stdin: true, gzip: true, charged: invoice === null || charged }),
      side: sideInputsArb,
      invoice: fc.constant(invoice),
      read: readOptionsArb,
      sort: fc.boolean(),
      tolerance: fc.nat(4).map((n) => n === 0),
      format: fc.constantFrom<AuditDraw['format']>('json', 'csv', 'table'),
      out: outputChoiceArb,
      rejects: outputChoiceArb,
      bundle: fc.constantFrom<OutputChoice>('absent', 'absent', 'new', 'existing'),
    }),
  );

/*
 * --per-request on logs that record no charge at all (no charged_usd column, or only
 * empty cells, in every file): a usage error about the option, which no one file or line
 * is at fault for.
 */
const PER_REQUEST_WITHOUT_CHARGES = /^--per-request needs a charged_usd column in the log \(what each request was actually charged\)$/;

export function planAudit(c: FuzzCase, d: AuditDraw): Planned {
  const log = placeLog(c, d.log);
  const side = placeSide(c, d.side);
  const invoice = d.invoice === null ? undefined : placeCsv(c, 'invoice.csv', d.invoice);
  // Standard input cannot be bundled (a usage error): no --bundle with it.
  const bundle = log.stdin === undefined ? output(c, '--bundle', 'bundle', d.bundle, 'dir') : [];
  const outputs = [...output(c, '--out', `report.${d.format === 'table' ? 'txt' : d.format}`, d.out), ...output(c, '--rejects', 'rejects.csv', d.rejects), ...bundle];
  return {
    args: [
      'audit',
      ...log.args,
      ...side.args,
      ...(invoice === undefined ? ['--per-request'] : ['--invoice', invoice.path]),
      ...(d.sort ? ['--sort'] : []),
      ...(d.tolerance ? ['--tolerance', '0.01'] : []),
      ...readArgs(d.read),
      '--format',
      d.format,
      ...argsOf(outputs),
    ],
    stdin: log.stdin,
    location: {
      inputs: [...log.named, ...side.named, ...(invoice === undefined ? [] : [invoice.named])],
      fileLevel: log.fileLevel,
      noFile: invoice === undefined ? [PER_REQUEST_WITHOUT_CHARGES] : [],
    },
    outputs,
    codes: [0, 1, 2],
  };
}

// --------------------------------------------------------------------------- byok adjust

export interface AdjustDraw {
  readonly log: LogCase;
  readonly side: SideInputs;
  readonly invoice: CsvText;
  /** --billed-from the same log files (not possible from standard input). */
  readonly billedFrom: boolean;
  readonly read: ReadOptions;
  readonly format: 'json' | 'csv' | 'table';
  readonly out: OutputChoice;
  readonly rejects: OutputChoice;
}

export const adjustDrawArb: fc.Arbitrary<AdjustDraw> = fc.record({
  log: logCaseArb({ stdin: true, gzip: true }),
  side: sideInputsArb,
  invoice: hostileCsvArb(invoiceSpec),
  billedFrom: fc.boolean(),
  read: readOptionsArb,
  format: fc.constantFrom<AdjustDraw['format']>('json', 'csv', 'table'),
  out: outputChoiceArb,
  rejects: outputChoiceArb,
});

export function planAdjust(c: FuzzCase, d: AdjustDraw): Planned {
  const log = placeLog(c, d.log);
  const side = placeSide(c, d.side);
  const invoice = placeCsv(c, 'invoice.csv', d.invoice);
  const billedFrom = d.billedFrom && log.stdin === undefined ? ['--billed-from', ...log.args] : [];
  const outputs = [...output(c, '--out', `notes.${d.format === 'table' ? 'txt' : d.format}`, d.out), ...output(c, '--rejects', 'rejects.csv', d.rejects)];
  return {
    args: ['adjust', ...log.args, ...side.args, '--invoice', invoice.path, ...readArgs(d.read), '--format', d.format, ...argsOf(outputs), ...billedFrom],
    stdin: log.stdin,
    location: { inputs: [...log.named, ...side.named, invoice.named], fileLevel: log.fileLevel },
    outputs,
    // 1: notes were written (FORMATS.md: the adjustment found something).
    codes: [0, 1, 2],
  };
}

// ------------------------------------------------------------------------- byok explain

export interface ExplainDraw {
  readonly log: LogCase;
  readonly side: SideInputs;
  readonly read: ReadOptions;
  readonly what: { readonly request: string } | { readonly scope: string; readonly period: string };
  readonly format: 'text' | 'json';
  readonly out: OutputChoice;
  readonly rejects: OutputChoice;
}

export const explainDrawArb: fc.Arbitrary<ExplainDraw> = fc.record({
  log: logCaseArb({ stdin: true, gzip: true }),
  side: sideInputsArb,
  read: readOptionsArb,
  what: fc.oneof(
    { weight: 3, arbitrary: fc.record({ request: fc.constantFrom('r1', 'r2', 'r3', 'r6', '\u00e9', 'r,9', '') }) },
    { weight: 1, arbitrary: fc.record({ scope: fc.constantFrom('user:u1', 'org:acme', 'user:\u00fc'), period: fc.constantFrom('2025-10', '2025-09', '2025-11') }) },
  ),
  format: fc.constantFrom<ExplainDraw['format']>('text', 'json'),
  out: outputChoiceArb,
  rejects: outputChoiceArb,
});

/*
 * What explain says when the log has no such request or bill line: a usage error about the
 * argument, naming no file. The request may have been in a refused row; that is still "not
 * in the log" as billed.
 */
const NOT_IN_LOG = [/^request ".*" is not in the log$/s, /^the log has no requests for \S+ in \d{4}-\d{2}$/];

export function planExplain(c: FuzzCase, d: ExplainDraw): Planned {
  const log = placeLog(c, d.log);
  const side = placeSide(c, d.side);
  const outputs = [...output(c, '--out', `explanation.${d.format === 'json' ? 'json' : 'txt'}`, d.out), ...output(c, '--rejects', 'rejects.csv', d.rejects)];
  const what = 'request' in d.what ? ['--request', d.what.request] : ['--scope', d.what.scope, '--period', d.what.period];
  return {
    args: ['explain', ...log.args, ...side.args, ...what, ...readArgs(d.read), '--format', d.format, ...argsOf(outputs)],
    stdin: log.stdin,
    location: { inputs: [...log.named, ...side.named], fileLevel: log.fileLevel, noFile: NOT_IN_LOG },
    outputs,
    codes: [0, 2],
  };
}

// -------------------------------------------------------------------------- byok whatif

/** A few fixed grids: each parameter --vary takes, and a combination. */
const VARY_SPECS: readonly (readonly string[])[] = [
  ['allowance=1,2'],
  ['fee=3%,5%'],
  ['allowance=1,1M', 'fee=3%,150%'],
  ['scope=org,user'],
  ['counts=served,attempted'],
  ['failover=fallback,strict,credits-first'],
  ['zone=UTC,America/New_York'],
];

export interface WhatifDraw {
  readonly log: LogCase;
  readonly vary: readonly string[];
  /** Named policies (the first is the baseline), hostile like --policy elsewhere. */
  readonly policies: readonly JsonText[];
  readonly accounts: CsvText | null;
  readonly read: ReadOptions;
  readonly sort: boolean;
  readonly out: OutputChoice;
  readonly rejects: OutputChoice;
  readonly html: OutputChoice;
  readonly savePolicies: OutputChoice;
}

export const whatifDrawArb: fc.Arbitrary<WhatifDraw> = fc.record({
  log: logCaseArb({ stdin: true, gzip: true }),
  vary: fc.constantFrom(...VARY_SPECS),
  policies: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(policyArb, { minLength: 1, maxLength: 2 }) }),
  accounts: sometimes(hostileCsvArb(accountsSpec), 4),
  read: readOptionsArb,
  sort: fc.boolean(),
  out: outputChoiceArb,
  rejects: outputChoiceArb,
  html: fc.constantFrom<OutputChoice>('absent', 'absent', 'new', 'existing'),
  savePolicies: fc.constantFrom<OutputChoice>('absent', 'absent', 'new', 'existing'),
});

export function planWhatif(c: FuzzCase, d: WhatifDraw): Planned {
  const log = placeLog(c, d.log);
  const policies = d.policies.map((p, i) => ({ name: `p${i}`, ...placeJson(c, `policy-${i}.json`, p) }));
  const accounts = d.accounts === null ? undefined : placeCsv(c, 'accounts.csv', d.accounts);
  const outputs = [
    ...output(c, '--out', 'whatif.json', d.out),
    ...output(c, '--rejects', 'rejects.csv', d.rejects),
    ...output(c, '--html', 'whatif.html', d.html),
    ...output(c, '--save-policies', 'policies', d.savePolicies, 'dir'),
  ];
  return {
    args: [
      'whatif',
      ...log.args,
      ...policies.flatMap((p) => ['--policy', `${p.name}=${p.path}`]),
      ...d.vary.flatMap((v) => ['--vary', v]),
      ...(accounts === undefined ? [] : ['--accounts', accounts.path]),
      ...(d.sort ? ['--sort'] : []),
      ...readArgs(d.read),
      '--format',
      'json',
      ...argsOf(outputs),
    ],
    stdin: log.stdin,
    location: { inputs: [...log.named, ...policies.map((p) => p.named), ...(accounts === undefined ? [] : [accounts.named])], fileLevel: log.fileLevel },
    outputs,
    codes: [0, 2],
    accounting: {
      summary: (o) => printedJson(o, pathOf(outputs, '--out')).input,
      rules: { rejects: pathOf(outputs, '--rejects'), knownRows: knownRecords(d.log), inputs: log.names },
    },
  };
}

// --------------------------------------------------------------------------- byok meter

export interface MeterDraw {
  readonly log: LogCase;
  readonly side: SideInputs;
  readonly store: 'memory' | 'sqlite';
  readonly batchSize: number | undefined;
  readonly timezone: string | undefined;
  readonly out: OutputChoice;
  readonly rejects: OutputChoice;
  readonly details: OutputChoice;
  readonly chargedLog: OutputChoice;
}

export const meterDrawArb: fc.Arbitrary<MeterDraw> = fc.record({
  log: logCaseArb({ stdin: true, gzip: true }),
  side: sideInputsArb,
  store: fc.constantFrom<MeterDraw['store']>('memory', 'sqlite'),
  batchSize: fc.constantFrom(undefined, undefined, 1, 3),
  timezone: fc.constantFrom(undefined, undefined, undefined, 'Europe/Berlin'),
  out: outputChoiceArb,
  rejects: fc.constantFrom<OutputChoice>('absent', 'new', 'new', 'existing'),
  details: outputChoiceArb,
  chargedLog: outputChoiceArb,
});

export function planMeter(c: FuzzCase, d: MeterDraw): Planned {
  const log = placeLog(c, d.log);
  const side = placeSide(c, d.side);
  const outputs = [
    ...output(c, '--out', 'bill.json', d.out),
    ...output(c, '--rejects', 'rejects.csv', d.rejects),
    ...output(c, '--details', 'decisions.ndjson', d.details),
    ...output(c, '--charged-log', 'charged.csv', d.chargedLog),
  ];
  // A fresh store per case, outside the output directory: a store is written in place by design.
  const store = d.store === 'memory' ? 'memory' : `sqlite:${c.storeDir}/meter.db`;
  return {
    args: [
      'meter',
      ...log.args,
      '--store',
      store,
      ...side.args,
      ...(d.batchSize === undefined ? [] : ['--batch-size', String(d.batchSize)]),
      ...(d.timezone === undefined ? [] : ['--input-timezone', d.timezone]),
      '-q',
      '--format',
      'json',
      ...argsOf(outputs),
    ],
    stdin: log.stdin,
    location: { inputs: [...log.named, ...side.named], fileLevel: log.fileLevel },
    outputs,
    codes: [0, 2],
    // On a fresh store, the store's decisions are this run's: accepted is this run's too.
    accounting: {
      summary: (o) => printedJson(o, pathOf(outputs, '--out')).input,
      rules: { rejects: pathOf(outputs, '--rejects'), knownRows: knownRecords(d.log), inputs: log.names },
    },
  };
}

// ------------------------------------------------------------- byok import generations

export interface ImportDraw {
  readonly records: RecordsCase;
  readonly owner: { readonly org: string } | { readonly user: string } | null;
  readonly maxLineBytes: string | undefined;
  readonly out: OutputChoice;
  readonly rejects: OutputChoice;
}

export const importDrawArb: fc.Arbitrary<ImportDraw> = fc.record({
  records: recordsCaseArb,
  owner: fc.oneof(fc.record({ org: fc.constantFrom('acme', '=acme') }), fc.record({ user: fc.constant('u9') }), fc.constant(null)),
  maxLineBytes: fc.constantFrom(undefined, undefined, '1K'),
  out: outputChoiceArb,
  rejects: fc.constantFrom<OutputChoice>('absent', 'new', 'new', 'existing'),
});

export function planImport(c: FuzzCase, d: ImportDraw): Planned {
  const onStdin = d.records.name === undefined;
  const path = onStdin ? '-' : c.input(d.records.name!, d.records.bytes);
  const name = onStdin ? '<stdin>' : path;
  const outputs = [...output(c, '--out', 'log.csv', d.out), ...output(c, '--rejects', 'refused.csv', d.rejects)];
  const owner = d.owner === null ? [] : 'org' in d.owner ? ['--org', d.owner.org] : ['--user', d.owner.user];
  const gz = !onStdin && path.endsWith('.gz');
  const lines = gz ? linesOf(d.records.bytes, true) : lineCount(d.records.bytes);
  return {
    args: [
      'import',
      'generations',
      path,
      ...owner,
      ...(d.records.inputFormat === undefined ? [] : ['--input-format', d.records.inputFormat]),
      ...(d.maxLineBytes === undefined ? [] : ['--max-line-bytes', d.maxLineBytes]),
      ...argsOf(outputs),
    ],
    stdin: onStdin ? d.records.bytes : undefined,
    location: {
      inputs: [{ name, lines }],
      fileLevel: d.records.brokenGzip ? [brokenGzipRefusal(path)] : [],
    },
    outputs,
    codes: [0, 2],
    accounting: {
      summary: (o) => {
        const summary = importSummary(o.stderr);
        if (summary === undefined) throw new Error(`no import summary on standard error: ${o.stderr}`);
        return summary;
      },
      rules: { rejects: pathOf(outputs, '--rejects'), knownRows: d.records.records, inputs: [name] },
    },
    onSuccess: (o) => {
      // catches: an imported record missing from the log written (or written twice).
      const out = pathOf(outputs, '--out');
      const rows = csvTable(out === undefined ? o.stdout : readFileSync(out, 'utf8')).length;
      if (rows !== importSummary(o.stderr)!.imported) throw new Error(`the imported log has ${rows} rows; the summary says ${importSummary(o.stderr)!.imported} imported`);
    },
  };
}
