/**
 * POLICY.md D1: the bill is a function of the set of requests, never of the order of the
 * file. For generated logs (rows across a month's end and far more than the reorder window
 * apart, identical retries written in other forms, rejected rows), any permutation of the
 * rows, split into any number of files (plain, gzipped or on standard input), gives the
 * sorted log's bill, row accounting and rejects, and the same audit, what-if comparison and
 * explanations, by default: a row later than the window makes the run start again sorted.
 * Rows that repeat an id with other content are refused wherever they stand, the earliest of
 * the id in allowance order being the request; without --rejects the run stops (exit 2).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { byok } from './support/runByok.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-any-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = join(import.meta.dirname, '../scenarios/09-audit-invoice-matches/policy.json');
const HEADER = 'request_id,timestamp,user_id,org_id,cost_usd,key_result';

/** Instants over two months, hours apart (far beyond the 15-minute window), some shared. */
const INSTANT_MS = [Date.UTC(2025, 9, 31, 20), Date.UTC(2025, 9, 31, 23, 59, 59, 999), Date.UTC(2025, 10, 1), Date.UTC(2025, 10, 1, 6), Date.UTC(2025, 10, 2, 12, 0, 0, 1), Date.UTC(2025, 10, 20)];

/** The same instant written in two forms: a retry shipped by another node writes it differently. */
function written(ms: number, form: number): string {
  if (form === 0) return new Date(ms).toISOString();
  const local = new Date(ms + 2 * 3_600_000).toISOString().slice(0, -1);
  return `${local}+02:00`;
}

const requestArb = fc.record({
  instant: fc.nat(INSTANT_MS.length - 1),
  user: fc.constantFrom('u1', 'u2', 'u3'),
  org: fc.constantFrom('', 'acme'),
  cost: fc.constantFrom('0', '0.012', '2', '9999.5', '0.000000000001'),
  key: fc.constantFrom('ok', 'ok', 'ok', 'rate_limited', 'error'),
});

const logArb = fc
  .record({
    requests: fc.array(requestArb, { maxLength: 30 }),
    // Identical retries of some requests, and rows every reader refuses.
    retries: fc.array(fc.record({ of: fc.nat(), form: fc.nat(1), costForm: fc.boolean() }), { maxLength: 6 }),
    // Rows that repeat a request's id with other content (POLICY.md D6: refused), near it or far from it.
    conflicts: fc.array(fc.record({ of: fc.nat(), instant: fc.nat(INSTANT_MS.length - 1), cost: fc.constantFrom('0.5', '7') }), { maxLength: 3 }),
    refused: fc.array(fc.constantFrom('not-a-time', 'cost'), { maxLength: 3 }),
    order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
    cuts: fc.array(fc.nat(), { maxLength: 2 }),
    gzipFirst: fc.boolean(),
    stdinLast: fc.boolean(),
  })
  .map(({ requests, retries, conflicts, refused, order, cuts, gzipFirst, stdinLast }) => {
    const rows = requests.map((r, i) => `r${i},${written(INSTANT_MS[r.instant]!, 0)},${r.user},${r.org},${r.cost},${r.key}`);
    for (const retry of retries) {
      if (requests.length === 0) break;
      const i = retry.of % requests.length;
      const r = requests[i]!;
      // The same request: the same fields, in other words (another offset, trailing zeros).
      const cost = retry.costForm && r.cost.includes('.') ? `${r.cost}00` : r.cost;
      rows.push(`r${i},${written(INSTANT_MS[r.instant]!, retry.form)},${r.user},${r.org},${cost},${r.key}`);
    }
    for (const conflict of conflicts) {
      if (requests.length === 0) break;
      const i = conflict.of % requests.length;
      const r = requests[i]!;
      // At another instant: two rows of one id at one instant are told apart by input order (README).
      const instant = conflict.instant === r.instant ? (r.instant + 1) % INSTANT_MS.length : conflict.instant;
      rows.push(`r${i},${written(INSTANT_MS[instant]!, 0)},${r.user},${r.org},${conflict.cost},${r.key}`);
    }
    refused.forEach((kind, k) => rows.push(kind === 'cost' ? `bad${k},2025-11-01T00:00:00Z,u1,,abc,ok` : `bad${k},${kind},u1,,1,ok`));
    // Sorted by instant: the log the others are permutations of.
    const sorted = rows
      .map((row, k) => ({ row, ms: Date.parse(row.split(',')[1]!), k }))
      .sort((a, b) => (Number.isNaN(a.ms) ? 1 : Number.isNaN(b.ms) ? -1 : a.ms - b.ms || a.k - b.k))
      .map((x) => x.row);
    const permuted = rows.map((row, k) => ({ row, key: order[k % order.length]! + k * 1e-9 })).sort((a, b) => a.key - b.key).map((x) => x.row);
    const points = [...new Set(cuts.map((c) => c % (permuted.length + 1)))].sort((a, b) => a - b);
    const parts = [0, ...points, permuted.length].slice(0, -1).map((start, k, all) => permuted.slice(start, k + 1 < all.length ? all[k + 1] : permuted.length));
    return { sorted, parts, gzipFirst, stdinLast, ids: requests.map((_, i) => `r${i}`) };
  });

let n = 0;
/** Writes the parts as files (the first gzipped, the last on standard input, as drawn); returns the arguments and stdin. */
function writeParts(parts: readonly string[][], gzipFirst: boolean, stdinLast: boolean): { args: string[]; stdin?: string } {
  const args: string[] = [];
  let stdin: string | undefined;
  parts.forEach((rows, k) => {
    const text = `${HEADER}\n${rows.map((r) => `${r}\n`).join('')}`;
    if (stdinLast && k === parts.length - 1 && parts.length > 1) {
      stdin = text;
      args.push('-');
    } else if (gzipFirst && k === 0) {
      const path = join(dir, `part-${++n}.csv.gz`);
      writeFileSync(path, gzipSync(text));
      args.push(path);
    } else {
      const path = join(dir, `part-${++n}.csv`);
      writeFileSync(path, text);
      args.push(path);
    }
  });
  return stdin === undefined ? { args } : { args, stdin };
}

/** Output with what names a source (file, line, the text as written) left out: the rest must agree. */
function withoutSources(text: string): unknown {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !['source', 'file', 'line', 'written', 'logs', 'inputs', 'generatedAt', 'argv'].includes(k))
        .map(([k, v]) => [k, strip(v)]),
    );
  };
  return strip(JSON.parse(text));
}

/** A rejects file as the set of (reason, row) pairs: which file and line depends on the split. */
function rejectSet(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  // A reason names the row it refers to by file and line: which those are depends on the split.
  return text.trim().split('\n').slice(1).map((l) => l.split(',').slice(4).join(',').replace(/at [^"]*?, line \d+/g, 'at <row>')).sort();
}

describe('any order, any split: the sorted log\'s outputs', () => {
  it('bill, audit, whatif and explain agree with the sorted log', async () => {
    await fc.assert(
      fc.asyncProperty(logArb, async ({ sorted, parts, gzipFirst, stdinLast, ids }) => {
        const base = writeParts([sorted], false, false);
        const mixed = writeParts(parts, gzipFirst, stdinLast);
        const run = async (logs: { args: string[]; stdin?: string }, extra: string[]) => {
          const rejects = join(dir, `rejects-${++n}.csv`);
          const result = await byok([...extra.slice(0, 1), ...logs.args, ...extra.slice(1), '--policy', POLICY, '--rejects', rejects, '-q'], logs.stdin);
          return { ...result, rejects };
        };
        const bill = await run(base, ['bill', '--format', 'json']);
        const billMixed = await run(mixed, ['bill', '--format', 'json']);
        expect(billMixed.code).toBe(bill.code);
        // Without --rejects: the same exit code (2 when any row is refused).
        const strict = await byok(['bill', ...base.args, '--policy', POLICY, '-q'], base.stdin);
        const strictMixed = await byok(['bill', ...mixed.args, '--policy', POLICY, '-q'], mixed.stdin);
        expect(strictMixed.code).toBe(strict.code);
        expect(billMixed.stderr).toBe(bill.stderr);
        if (bill.code !== 0) return;
        expect(withoutSources(billMixed.stdout)).toEqual(withoutSources(bill.stdout));
        expect(rejectSet(billMixed.rejects)).toEqual(rejectSet(bill.rejects));

        // An invoice of the sorted log's bill, one cent off on its first line: the audit finds the same.
        const lines = (JSON.parse(bill.stdout) as { lines: { scope: string; period: string; totalUsd: string }[] }).lines;
        const invoice = join(dir, `invoice-${++n}.csv`);
        writeFileSync(invoice, `scope,period,total_usd\n${lines.map((l, k) => `${l.scope},${l.period},${k === 0 ? '1000.01' : l.totalUsd}`).join('\n')}\n`);
        for (const command of [
          ['audit', '--invoice', invoice, '--format', 'json'],
          ['whatif', '--vary', 'allowance=1,3', '--vary', 'fee=3%,5%', '--format', 'json'],
          ...ids.slice(0, 3).map((id) => ['explain', '--request', id, '--format', 'json']),
          ...lines.slice(0, 2).map((l) => ['explain', '--scope', l.scope, '--period', l.period, '--format', 'json']),
        ]) {
          const a = await run(base, command);
          const b = await run(mixed, command);
          expect({ command, code: b.code }).toEqual({ command, code: a.code });
          if (a.code <= 1) expect(withoutSources(b.stdout)).toEqual(withoutSources(a.stdout));
        }
      }),
      { numRuns: 40 },
    );
  }, 300_000);
});
