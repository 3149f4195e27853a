/**
 * The fast replay (bytes scanned into number columns, rows on several threads) must give
 * exactly what the record-by-record replay gives: the same bill, the same rejected rows
 * with the same locations and reasons, in the same order, the same warnings and the same
 * fatal errors, on CSV with everything real exports do: quoted fields with commas, quotes
 * and newlines, a BOM, CRLF, blank lines, non-ASCII ids, odd timestamps and costs, rows out
 * of order, duplicates — and what hostile input adds: bytes that are not UTF-8, a BOM at the
 * start of a row, records longer than the limit (on one line or over many), lines ended by
 * CR alone, NUL bytes. Every cut of the bytes into chunks or pieces must give the same.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Accounts, type Bill, type Policy, billToJson, defaultPolicy, defaultPolicyDocument, feeUnitsOf, loadPolicy, parseAccounts, policyVariant } from '@byok-billing/core';
import type { InputSource } from '../packages/cli/src/io/openInput.js';
import { DEFAULT_MAX_LINE_BYTES } from '../packages/cli/src/io/readLimits.js';
import { fileSink } from '../packages/cli/src/io/outputSink.js';
import { compactDecisionRecordWriter } from '../packages/cli/src/output/compactDecisionRecords.js';
import { decisionRecordWriter } from '../packages/cli/src/output/decisionRecords.js';
import { fastReplay } from '../packages/cli/src/replay/fast/fastReplay.js';
import { parallelScan } from '../packages/cli/src/replay/fast/parallelScan.js';
import { type Rejection, replayLog } from '../packages/cli/src/replay/replayLog.js';
import { ConflictReplan, type Exclusions, mergeExclusions } from '../packages/cli/src/replay/replans.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-fast-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = ['request_id', 'timestamp', 'user_id', 'org_id', 'model', 'provider', 'cost_usd', 'key_result', 'platform_result', 'route', 'charged_usd', 'extra'] as const;
type Column = (typeof COLUMNS)[number];

const INSTANTS = [
  Date.UTC(2025, 8, 30, 23, 59, 59, 999),
  Date.UTC(2025, 9, 1),
  Date.UTC(2025, 9, 1, 0, 0, 0, 1),
  Date.UTC(2025, 9, 1, 0, 10),
  Date.UTC(2025, 9, 15, 12),
  Date.UTC(2025, 9, 31, 23, 59, 59, 999),
  Date.UTC(2025, 10, 1),
];

const iso = (ms: number) => new Date(ms).toISOString();
/** Timestamps as logs write them: mostly the fast path's forms, some only parseTimestamp reads, some wrong. */
function timestampArb(ms: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(iso(ms), iso(ms).replace('.000Z', 'Z'), iso(ms).replace('Z', '123456Z'), `${iso(ms + 2 * 3_600_000).slice(0, 23)}+02:00`, `${iso(ms - 5 * 3_600_000).slice(0, 19)}-05:00`, String(ms)) },
    { weight: 2, arbitrary: fc.constantFrom(`${iso(ms - 5 * 3_600_000).slice(0, 19)}-0500`, iso(ms).replace('T', ' '), iso(ms).toLowerCase(), iso(ms).replace('.', ',')) },
    { weight: 1, arbitrary: fc.constantFrom(iso(ms).slice(0, 19), '2025-13-01T00:00:00Z', '2025-10-01T00:00:00.Z', `${iso(ms).slice(0, 19)}+19:00`, '') },
  );
}

/** Mostly values every row has, now and then the ones that must be quoted, read slowly, or refused. */
const mostly = (usual: readonly string[], odd: readonly string[]) =>
  fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });

/**
 * Bytes that are not UTF-8 cannot be written in a JS string: these private-use characters
 * stand for them in the generated text and become the single bad byte in `logBytes`.
 */
const BAD_BYTES: Readonly<Record<string, number>> = { '\uF8FF': 0xff, '\uF8FE': 0xfe, '\uF8C3': 0xc3, '\uF880': 0x80 };

/** The log's bytes: its text as UTF-8, each stand-in for a bad byte replaced by that byte. */
function logBytes(text: string): Buffer {
  return Buffer.concat(text.split(/([\uF880\uF8C3\uF8FE\uF8FF])/).map((part, i) => (i % 2 === 1 ? Buffer.from([BAD_BYTES[part]!]) : Buffer.from(part, 'utf8'))));
}

const LONG = 'x'.repeat(150);
const LONG_LINES = 'p\n'.repeat(40);

const cellArb: Record<Exclude<Column, 'request_id' | 'timestamp'>, fc.Arbitrary<string>> = {
  // A BOM at the start of a row is text (only the file's first is not): a user, not an id,
  // as the id check (replay/fast/idCheck.ts) still decodes ids dropping it.
  user_id: mostly(['u1', 'u1', 'u1', 'u2'], ['\u00fc', 'u,3', '', 'al\uF8FFice', 'al\uF8FEice', '\uFEFFu1']),
  org_id: mostly(['', '', '', 'acme'], ['b"eta', '\uE000co', 'o\uF8C3', '\uF880']),
  model: mostly(['m', ''], ['a,b', 'q"x', 'x\ny', LONG, `"${LONG}`, 'm\uF8C3\u00e9']),
  provider: mostly(['openai'], ['p\r\nq', LONG_LINES, `q\n\uF8FF`]),
  cost_usd: mostly(['0', '0.012', '0.000000000001', '9006.999999999999', '00.10', '2'], ['9007.5', '123456789.000000000001', '1e-3', '-0.5', '.5', '5.', ' 1', '0.1234567890123', '']),
  key_result: mostly(['ok', 'ok', 'ok', 'rate_limited', 'error', 'none'], ['', 'OK']),
  platform_result: mostly(['ok', 'error', ''], ['bad']),
  route: mostly(['byok', 'platform', 'failed', ''], ['x']),
  charged_usd: mostly(['', '0.01', '0'], ['1e-2']),
  extra: fc.constantFrom('', 'z'),
};

interface CsvCase {
  readonly text: string;
  readonly windowMs: number;
  /** The longest record read (`--max-line-bytes`): small ones make the generated long records too long. */
  readonly maxLineBytes?: number;
}

function quote(cell: string, force: boolean): string {
  return force || /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

const csvCaseArb: fc.Arbitrary<CsvCase> = fc
  .record({
    optional: fc.subarray(['org_id', 'model', 'provider', 'key_result', 'platform_result', 'route', 'charged_usd', 'extra'] as Column[]),
    order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    bom: fc.boolean(),
    windowMs: fc.constantFrom(0, 1000, 15 * 60_000, Number.POSITIVE_INFINITY),
    maxLineBytes: fc.constantFrom(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_LINE_BYTES, 300, 300, 130, 100),
  })
  .chain(({ optional, order, bom, windowMs, maxLineBytes }) => {
    // Almost every log says how requests were routed (a header without it is refused whole).
    if (!optional.includes('key_result') && !optional.includes('route') && order[0]! % 10 !== 0) optional = [...optional, 'key_result'];
    const columns = (['request_id', 'timestamp', 'user_id', 'cost_usd', ...optional] as Column[])
      .map((c, i) => ({ c, k: order[i % order.length]! }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.c);
    const rowArb = fc.record({
      instant: fc.nat(INSTANTS.length - 1),
      id: fc.oneof(
        { weight: 3000, arbitrary: fc.constant('') },
        { weight: 500, arbitrary: fc.constantFrom('r1', 'r2', 'r,7', 'r"8', '\u00e99', 'r\n10', '-11', '', 'r\uF8FF', 'r\uF8FE') },
        // A NUL byte: the file is not text (rare, or few logs would get past it).
        { weight: 1, arbitrary: fc.constant('r\u000013') },
      ),
      cells: fc.tuple(...columns.map((c) => (c === 'request_id' || c === 'timestamp' ? fc.constant('') : cellArb[c]))),
      forceQuote: fc.array(fc.nat(9).map((n) => n === 0), { minLength: columns.length, maxLength: columns.length }),
      crlf: fc.boolean(),
      /** Ended by CR alone (no line end in CSV: the row runs on into the next). */
      crOnly: fc.nat(400).map((n) => n === 0),
      blankAfter: fc.nat(8).map((n) => n === 0),
      dropLast: fc.nat(30).map((n) => n === 0),
      /** Written twice (retried log shipping), the second time quoted differently: a duplicate. */
      twice: fc.nat(6).map((n) => n === 0),
      quoteAgain: fc.array(fc.boolean(), { minLength: columns.length, maxLength: columns.length }),
    });
    return fc.array(rowArb, { maxLength: 60 }).chain((rows) =>
      // Rows mostly in time order (as logs are), the timestamps rendered per row.
      fc.tuple(...rows.map((row, i) => timestampArb(INSTANTS[Math.min(INSTANTS.length - 1, Math.floor((i * INSTANTS.length) / Math.max(1, rows.length)) + (row.instant % 3 === 0 ? row.instant % 2 : 0))]!))).map((stamps) => {
        let text = bom ? '\uFEFF' : '';
        text += `${columns.join(',')}\n`;
        rows.forEach((row, r) => {
          const values = row.cells.map((cell, i) => {
            const column = columns[i]!;
            return column === 'request_id' ? (row.id === '' ? `req-${(r * 7919) % 1009}` : row.id) : column === 'timestamp' ? stamps[r]! : cell;
          });
          const cells = values.map((value, i) => quote(value, row.forceQuote[i]!));
          if (row.dropLast) cells.pop();
          text += cells.join(',') + (row.crOnly ? '\r' : row.crlf ? '\r\n' : '\n');
          if (row.twice) text += `${values.map((value, i) => quote(value, row.quoteAgain[i]!)).join(',')}\n`;
          if (row.blankAfter) text += '\n';
        });
        return { text, windowMs, maxLineBytes };
      }),
    );
  });

/** An input whose bytes arrive in chunks cut at the given sizes (every cut is a chunk boundary). */
function chunkedInput(name: string, bytes: Buffer, cuts: readonly number[], plainPath?: string): InputSource {
  return {
    name,
    size: bytes.length,
    plainPath,
    open() {
      const chunks: Buffer[] = [];
      let at = 0;
      for (const cut of cuts) {
        if (at >= bytes.length) break;
        chunks.push(bytes.subarray(at, Math.min(bytes.length, at + cut)));
        at += cut;
      }
      if (at < bytes.length) chunks.push(bytes.subarray(at));
      return Readable.from(chunks, { objectMode: false });
    },
  };
}

interface Outcome {
  bill?: unknown;
  details?: string;
  rejections: Rejection[];
  warnings: string[];
  error?: string;
}

const policy = defaultPolicy();
/** A small allowance, so that the allowance order matters in these short logs. */
const tinyAllowance = policyVariant(policy, { allowance: 3 }, { versions: 'allowance-bearing' });

/**
 * A replay's outcome. A pass that stops with ConflictReplan (rows to refuse in their places)
 * runs again from scratch, as `byok` does: what the last pass reported is the outcome.
 */
async function outcomeOf(run: (exclude: Exclusions | undefined, onReject: (r: Rejection) => void, onWarning: (w: string) => void) => Promise<Bill>): Promise<Outcome> {
  let exclude: Exclusions | undefined;
  for (;;) {
    const outcome: Outcome = { rejections: [], warnings: [] };
    try {
      const bill = await run(
        exclude,
        (r) => outcome.rejections.push({ ...r }),
        (w) => outcome.warnings.push(w),
      );
      outcome.bill = billToJson(bill);
    } catch (error) {
      if (error instanceof ConflictReplan) {
        exclude = mergeExclusions(exclude, error.exclude);
        continue;
      }
      outcome.error = (error as Error).message;
    }
    return outcome;
  }
}

let detailsCount = 0;

/** The outcome and, when asked, the decision records written (CSV or NDJSON by the extension). */
async function recordsOutcome(input: InputSource, testCase: CsvCase, usePolicy = policy, detailsExt?: string, accounts?: Accounts): Promise<Outcome> {
  const path = detailsExt === undefined ? undefined : join(dir, `records-${++detailsCount}${detailsExt}`);
  const outcome = await outcomeOf(async (exclude, onReject, onWarning) => {
    const writer = path === undefined ? undefined : decisionRecordWriter(fileSink(path), path);
    try {
      return (await replayLog({ inputs: [input], policy: usePolicy, accounts, windowMs: testCase.windowMs, maxLineBytes: testCase.maxLineBytes, exclude, onReject, onWarning, onDecision: writer?.decision, onDuplicate: writer?.duplicate })).bill;
    } finally {
      writer?.close();
    }
  });
  return path === undefined ? outcome : { ...outcome, details: readFileSync(path, 'utf8') };
}

async function fastOutcome(input: InputSource, testCase: CsvCase, batches?: Parameters<typeof fastReplay>[0]['batches'], usePolicy = policy, detailsExt?: string, accounts?: Accounts): Promise<Outcome> {
  const path = detailsExt === undefined ? undefined : join(dir, `fast-${++detailsCount}${detailsExt}`);
  const outcome = await outcomeOf(async (exclude, onReject, onWarning) => {
    const writer = path === undefined ? undefined : compactDecisionRecordWriter(path);
    try {
      return (await fastReplay({ inputs: [input], terms: [{ policy: usePolicy, accounts }], windowMs: testCase.windowMs, maxLineBytes: testCase.maxLineBytes, exclude, onReject, onWarning, batches, onDecided: writer?.decision, onDuplicate: writer?.duplicate })).bills[0]!;
    } finally {
      writer?.close();
    }
  });
  return path === undefined ? outcome : { ...outcome, details: readFileSync(path, 'utf8') };
}

/**
 * With the whole input sorted, the two replays meet duplicates and refusals at other moments
 * (the record replay holds every row; the fast one sorts on disk and compares rows as they come
 * back): the same rows, records and reasons, compared as sets. Within a window, the order too.
 */
function inPlanOrder(outcome: Outcome, testCase: CsvCase): Outcome {
  // A run stopped by bad input (exit 2) has no decision records to speak of: the two replays
  // write them at other moments (the sorted plan only after reading everything), so the
  // records of a failed run are left out; its error, warnings and other rejections still count.
  // Likewise the later rows of a repeated id that the window no longer holds: the fast replay
  // refuses them after reading everything (the id check, in every plan), the record replay as
  // it meets them, so a run stopped by bad input has refused them in one and not the other.
  if (outcome.error !== undefined) {
    outcome = { ...outcome, rejections: outcome.rejections.filter((r) => !/ was already seen at /.test(r.reason)) };
    if (outcome.details !== undefined) outcome = { ...outcome, details: '(the run failed)' };
  }
  if (testCase.windowMs !== Number.POSITIVE_INFINITY) return outcome;
  const key = (r: Rejection) => `${r.file}\u0000${String(r.line).padStart(9, '0')}\u0000${r.reason}`;
  const rejections = [...outcome.rejections].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (outcome.details === undefined) return { ...outcome, rejections };
  const lines = outcome.details.split('\n');
  // A CSV keeps its header first; NDJSON has none.
  const header = lines[0]!.startsWith('{') ? [] : lines.splice(0, 1);
  return { ...outcome, rejections, details: [...header, ...lines.sort()].join('\n') };
}

const cutsArb = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 200 });

describe('the fast replay gives what the record replay gives', () => {
  it('on messy CSV cut into chunks anywhere (one thread)', async () => {
    const seen = { accepted: 0, rejected: 0, duplicates: 0, billable: 0, notUtf8: 0, tooLong: 0 };
    await fc.assert(
      fc.asyncProperty(csvCaseArb, cutsArb, fc.constantFrom(1, 2, 3, 1_000_000), fc.constantFrom(undefined, '.csv', '.ndjson'), async (testCase, cuts, allowance, detailsExt) => {
        const bytes = logBytes(testCase.text);
        const usePolicy = allowance === 1_000_000 ? policy : policyVariant(policy, { allowance }, { versions: 'allowance-bearing' });
        const expected = await recordsOutcome(chunkedInput('log.csv', bytes, [1 << 20]), testCase, usePolicy, detailsExt);
        const actual = await fastOutcome(chunkedInput('log.csv', bytes, cuts), testCase, undefined, usePolicy, detailsExt);
        expect(inPlanOrder(actual, testCase)).toEqual(inPlanOrder(expected, testCase));
        const bill = expected.bill as { input: { accepted: number; rejected: number; duplicates: number }; totals: { billableRequests: number } } | undefined;
        seen.accepted += bill?.input.accepted ?? 0;
        seen.rejected += bill?.input.rejected ?? 0;
        seen.duplicates += bill?.input.duplicates ?? 0;
        seen.billable += bill?.totals.billableRequests ?? 0;
        seen.notUtf8 += expected.rejections.filter((r) => r.reason.startsWith('not valid UTF-8')).length;
        seen.tooLong += expected.rejections.filter((r) => r.reason.startsWith('the record is longer than')).length;
      }),
    );
    // The generated logs really exercise acceptance, refusal, duplicates and the allowance.
    expect(seen.accepted).toBeGreaterThan(seen.rejected);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.duplicates).toBeGreaterThan(0);
    expect(seen.billable).toBeGreaterThan(0);
    expect(seen.notUtf8).toBeGreaterThan(0);
    expect(seen.tooLong).toBeGreaterThan(0);
  });

  // catches: the compact ledger routing an org member's request by the user line it lands on
  // (its user's account, or whichever request opened the line) instead of by its org's
  // account under scope mode 'user', where the record replay routes it by the org's.
  it('under a per-user policy, with accounts giving orgs and users their own failover modes', async () => {
    const modeArb = fc.constantFrom('', 'fallback', 'strict', 'credits-first');
    const accountsArb = fc
      .record({ acme: modeArb, beta: modeArb, u1: modeArb, u2: modeArb, free: fc.constantFrom('', '1', '2') })
      .map((m) =>
        parseAccounts([
          { scope: 'org:acme', failover_mode: m.acme, free_requests: m.free },
          { scope: 'org:b"eta', failover_mode: m.beta, free_requests: '' },
          { scope: 'user:u1', failover_mode: m.u1, free_requests: m.free },
          { scope: 'user:u2', failover_mode: m.u2, free_requests: '' },
        ]),
      );
    const perUser = policyVariant(tinyAllowance, { scopeMode: 'user' });
    await fc.assert(
      // Both details formats: the CSV writer (output/compactDecisionRecords.ts) caches a line's
      // failover_mode and route cells per line and terms, as a user's line mixes its own and its
      // orgs' modes.
      fc.asyncProperty(csvCaseArb, cutsArb, accountsArb, fc.constantFrom(undefined, '.csv', '.ndjson'), async (testCase, cuts, accounts, detailsExt) => {
        const bytes = logBytes(testCase.text);
        const expected = await recordsOutcome(chunkedInput('log.csv', bytes, [1 << 20]), testCase, perUser, detailsExt, accounts);
        const actual = await fastOutcome(chunkedInput('log.csv', bytes, cuts), testCase, undefined, perUser, detailsExt, accounts);
        expect(inPlanOrder(actual, testCase)).toEqual(inPlanOrder(expected, testCase));
      }),
      { numRuns: 100 },
    );
  });

  // catches: the compact ledger billing pricing-language terms as the shorthand (a line's fee as
  // rate × costs), a list-usd counter or cap not kept per line, an account's fee_rate/fee_cap_usd
  // not applied, decision records stating cost × rate instead of a request's tiered fee.
  it('under pricing-language terms (tiers in requests or list-usd, a cap), with accounts setting fee_rate and fee_cap_usd', async () => {
    const termArb = fc.record({
      unit: fc.constantFrom<'requests' | 'list-usd'>('requests', 'list-usd'),
      cap: fc.constantFrom(null, '0', '0.0005', '1000'),
      scopeMode: fc.constantFrom<'org' | 'user'>('org', 'user'),
      rate: fc.constantFrom('', '0', '0.07'),
      capAcme: fc.constantFrom('', '0', '0.001'),
      free: fc.constantFrom('', '1', '2'),
    });
    await fc.assert(
      fc.asyncProperty(csvCaseArb, cutsArb, termArb, fc.constantFrom(undefined, '.csv', '.ndjson'), async (testCase, cuts, t, detailsExt) => {
        const tiers = [{ upTo: '2', rate: '0' }, { upTo: '3', rate: '0.05' }, { rate: '0.125' }];
        const tiered = policyVariant(policyVariant(tinyAllowance, { scopeMode: t.scopeMode }), { tiers, unit: t.unit, cap: t.cap });
        const accounts = parseAccounts(
          [
            { scope: 'org:acme', failover_mode: 'strict', free_requests: t.free, fee_rate: t.rate, fee_cap_usd: t.capAcme },
            { scope: 'user:u1', failover_mode: '', free_requests: t.free, fee_rate: '', fee_cap_usd: t.capAcme },
            { scope: 'user:u2', failover_mode: 'credits-first', free_requests: '', fee_rate: t.rate, fee_cap_usd: '' },
          ],
          { units: feeUnitsOf(tiered) },
        );
        const bytes = logBytes(testCase.text);
        const expected = await recordsOutcome(chunkedInput('log.csv', bytes, [1 << 20]), testCase, tiered, detailsExt, accounts);
        const actual = await fastOutcome(chunkedInput('log.csv', bytes, cuts), testCase, undefined, tiered, detailsExt, accounts);
        expect(inPlanOrder(actual, testCase)).toEqual(inPlanOrder(expected, testCase));
      }),
      { numRuns: 100 },
    );
  });

  // catches: provider/model not scanned or not passed to the schedule choice (chosen as ''), read
  // from the wrong column, kept as the scanner's own name number instead of the replay's (two
  // threads number names apart), lost through the sort on disk, or the empty cell taken as a name;
  // a quoted, multi-line or non-UTF-8 cell read otherwise than the record reader reads it.
  it('with fee schedules chosen by provider and model (one thread and two, every plan), bills and decision records', async () => {
    let fileCount = 0;
    await fc.assert(
      fc.asyncProperty(csvCaseArb, cutsArb, fc.constantFrom('requests', 'list-usd'), fc.boolean(), fc.constantFrom(undefined, '.csv', '.ndjson'), async (testCase, cuts, unit, threads, detailsExt) => {
        const byFacts = scheduleByFactsPolicy(unit);
        expect(byFacts.versions.every((v) => v.scheduleChooser.byProviderOrModel)).toBe(true);
        const bytes = logBytes(testCase.text);
        const path = join(dir, `facts-${++fileCount}.csv`);
        writeFileSync(path, bytes);
        const expected = await recordsOutcome(chunkedInput('log.csv', bytes, [1 << 20]), testCase, byFacts, detailsExt);
        const batches = threads ? () => parallelScan(path, bytes.length, { workers: 2, pieceBytes: 64, ahead: 2 }) : undefined;
        const actual = await fastOutcome(chunkedInput('log.csv', bytes, cuts, path), testCase, batches, byFacts, detailsExt);
        expect(inPlanOrder(actual, testCase)).toEqual(inPlanOrder(expected, testCase));
      }),
      { numRuns: 80 },
    );
  });

  it('on messy CSV cut into pieces scanned by two threads', async () => {
    let fileCount = 0;
    await fc.assert(
      fc.asyncProperty(csvCaseArb, fc.integer({ min: 8, max: 300 }), async (testCase, pieceBytes) => {
        const bytes = logBytes(testCase.text);
        const path = join(dir, `log-${++fileCount}.csv`);
        writeFileSync(path, bytes);
        const input = chunkedInput('log.csv', bytes, [1 << 20], path);
        const expected = await recordsOutcome(input, testCase, tinyAllowance, '.csv');
        const actual = await fastOutcome(input, testCase, () => parallelScan(path, bytes.length, { workers: 2, pieceBytes, ahead: 2 }), tinyAllowance, '.csv');
        expect(inPlanOrder(actual, testCase)).toEqual(inPlanOrder(expected, testCase));
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * Schedules chosen by the generated logs' provider and model cells (plain, quoted, multi-line and
 * empty ones): every combination pays another rate past a free first tier of 2 (requests) or
 * $0.02 (list-usd), and a request whose cells are both empty pays the catch-all's.
 */
function scheduleByFactsPolicy(unit: 'requests' | 'list-usd'): Policy {
  const free = unit === 'requests' ? 2 : '0.02';
  const schedule = (rate: string) => [{ upTo: free, rate: '0' }, { rate }];
  const rule = (name: string, priority: number, conditions: unknown[], target: string) => ({ name, priority, conditions: { all: conditions }, event: { type: 'schedule', params: { schedule: target } } });
  const document = structuredClone(defaultPolicyDocument) as Record<string, unknown> & { parameters: Record<string, unknown>; rules: Record<string, unknown> };
  document.versions = [{ version: 'fees-by-facts', description: 'schedules by provider and model' }];
  delete document.parameters.allowance;
  delete document.parameters.feeRate;
  document.parameters.fees = { unit, schedules: { plain: schedule('0.05'), odd: schedule('0.11'), openai: schedule('0.2'), both: schedule('0.5'), other: schedule('0.03') } };
  document.rules.schedule = [
    rule('model m from openai', 4, [{ fact: 'model', operator: 'equal', value: 'm' }, { fact: 'provider', operator: 'equal', value: 'openai' }], 'both'),
    rule('model m', 3, [{ fact: 'model', operator: 'equal', value: 'm' }], 'plain'),
    rule('odd models', 3, [{ fact: 'model', operator: 'in', value: ['a,b', 'q"x', 'x\ny'] }], 'odd'),
    rule('openai', 2, [{ fact: 'provider', operator: 'equal', value: 'openai' }], 'openai'),
    rule('empty provider, model not m', 2, [{ fact: 'provider', operator: 'equal', value: '' }, { fact: 'model', operator: 'notIn', value: ['m', 'a,b', 'q"x', 'x\ny'] }], 'plain'),
    rule('everything else', 1, [], 'other'),
  ];
  return loadPolicy(document as Parameters<typeof loadPolicy>[0]);
}

describe('the fast replay, examples', () => {
  it('orders requests at the same instant by id in UTF-8 byte order, not by file order', async () => {
    // Allowance 1: of three requests at one instant, the one with the smallest id is free.
    const text = 'request_id,timestamp,user_id,cost_usd,key_result\nb,2025-10-05T00:00:00Z,u1,2,ok\n\u00e9,2025-10-05T00:00:00Z,u1,4,ok\na,2025-10-05T00:00:00Z,u1,8,ok\n';
    const allowanceOne = policyVariant(policy, { allowance: 1 }, { versions: 'allowance-bearing' });
    const outcome = await fastOutcome(chunkedInput('log.csv', Buffer.from(text), [7]), { text, windowMs: 60_000 }, undefined, allowanceOne);
    // 'a' (cost 8) is free; 'b' and 'é' pay 5% of 2 and 4.
    expect((outcome.bill as { totals: { feeUsd: string } }).totals.feeUsd).toBe('0.3');
  });
});

describe('the threaded scan, examples', () => {
  it('records far longer than the limit and than a piece (one on a line, one over many lines, one at the end without a line end): the same outcome', async () => {
    let text = 'request_id,timestamp,user_id,model,cost_usd,key_result\n';
    for (let i = 0; i < 3000; i++) {
      const stamp = `2025-10-05T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`;
      const model = i === 700 ? 'm'.repeat(2 << 20) : i === 1900 ? `"${'q\n'.repeat(300_000)}"` : 'm';
      text += `r${i},${stamp},u${i % 7},${model},0.01,${i % 500 === 3 ? 'bad' : 'ok'}\n`;
    }
    text += `r-last,2025-10-05T01:00:00Z,u1,${'z'.repeat(1 << 20)}`;
    const bytes = Buffer.from(text);
    const path = join(dir, 'long-records.csv');
    writeFileSync(path, bytes);
    const input = chunkedInput('long-records.csv', bytes, [1 << 16], path);
    // Pieces of 1 MiB: the 2 MB line spans several, which start inside it.
    const testCase = { text, windowMs: 60_000, maxLineBytes: 100_000 };
    const expected = await recordsOutcome(input, testCase);
    expect(expected.rejections.filter((r) => r.reason.startsWith('the record is longer than 100000 bytes')).map((r) => r.line)).toEqual([702, 1902, 303_002]);
    expect((expected.bill as { input: unknown }).input).toEqual({ rows: 3001, accepted: 2992, rejected: 9, duplicates: 0 });
    expect(await fastOutcome(input, testCase, () => parallelScan(path, bytes.length, { workers: 2, pieceBytes: 1 << 20 }))).toEqual(expected);
    expect(await fastOutcome(input, testCase)).toEqual(expected);
  });

  it('a header after more than a megabyte of blank lines: the file is scanned as read, with the same result', async () => {
    let text = `${'\n'.repeat(1_100_000)}request_id,timestamp,user_id,cost_usd,key_result\n`;
    for (let i = 0; i < 50; i++) text += `r${i},2025-10-05T00:00:${String(i % 60).padStart(2, '0')}Z,u1,${i},${i % 7 === 0 ? 'bad' : 'ok'}\n`;
    const bytes = Buffer.from(text);
    const path = join(dir, 'late-header.csv');
    writeFileSync(path, bytes);
    const input = chunkedInput('late-header.csv', bytes, [1 << 20], path);
    const testCase = { text, windowMs: 60_000 };
    const expected = await recordsOutcome(input, testCase);
    expect((expected.bill as { input: { accepted: number } }).input.accepted).toBe(42);
    expect(await fastOutcome(input, testCase, () => parallelScan(path, bytes.length, { workers: 2, pieceBytes: 4096 }))).toEqual(expected);
  });
});
