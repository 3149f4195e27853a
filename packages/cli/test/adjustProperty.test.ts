import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Money, parseMoney, presented } from '@byok-billing/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { byok } from '../../../test/support/runByok.js';

/*
 * The property of `byok adjust`: close an invoice computed from a log (rounded to cents, or
 * exact), append random late rows, and adjust. For every scope-month of the invoiced month,
 * the note (if any) is exactly (the new bill's total, rounded as invoiced) − invoiced, there
 * is a note exactly when that is not zero, and a note's requests' differences sum to the
 * line's total now − then exactly. Scopes without late rows get no note.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-adjust-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = join(import.meta.dirname, '../../../scenarios/09-audit-invoice-matches/policy.json');
const HEADER = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,key_result,platform_result';
const CENTS = { scale: 2, rounding: 'half-even' as const };

const SCOPES = [
  { org: 'acme', user: 'a1', scope: 'org:acme' },
  { org: 'globex', user: 'g1', scope: 'org:globex' },
  { org: '', user: 'dana', scope: 'user:dana' },
] as const;

const request = fc.record({
  scope: fc.integer({ min: 0, max: SCOPES.length - 1 }),
  day: fc.integer({ min: 1, max: 28 }),
  minute: fc.integer({ min: 0, max: 1439 }),
  cost: fc.constantFrom('0.10', '0.25', '0.40', '0.333', '1.07', '0.005'),
  key: fc.constantFrom('ok', 'ok', 'ok', 'none'),
  november: fc.boolean(),
});
type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

function rowOf(id: string, r: Request, late: boolean): string {
  const s = SCOPES[r.scope]!;
  const month = late && r.november ? '11' : '10';
  const at = `2025-${month}-${String(r.day).padStart(2, '0')}T${String(Math.floor(r.minute / 60)).padStart(2, '0')}:${String(r.minute % 60).padStart(2, '0')}:00Z`;
  return `${id},${at},${s.user},${s.org},openai/gpt-4o,openai,${r.cost},${r.key},ok`;
}

let n = 0;
function write(text: string): string {
  const path = join(dir, `f-${++n}.csv`);
  writeFileSync(path, text);
  return path;
}

interface BillLineJson {
  scope: string;
  period: string;
  totalUsd: string;
}

async function billLines(logs: readonly string[]): Promise<Map<string, Money>> {
  const { code, stdout, stderr } = await byok(['bill', ...logs, '--policy', POLICY, '--format', 'json', '-q']);
  expect(code, stderr).toBe(0);
  return new Map((JSON.parse(stdout).lines as BillLineJson[]).map((l) => [`${l.scope} ${l.period}`, parseMoney(l.totalUsd)]));
}

describe('byok adjust (property)', () => {
  it('notes are (new bill rounded as invoiced − invoice) per line, none where that is zero, and their requests sum to now − then', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 0, maxLength: 10 }), fc.array(request, { minLength: 1, maxLength: 6 }), fc.boolean(), async (base, late, exact) => {
        const original = write(`${HEADER}\n${base.map((r, i) => rowOf(`r-${i}`, r, false)).join('\n')}\n`);
        const lateRows = write(`${HEADER}\n${late.map((r, i) => rowOf(`late-${i}`, r, true)).join('\n')}\n`);
        const then = await billLines([original]);
        const now = await billLines([original, lateRows]);
        const asInvoiced = (m: Money) => (exact ? m : presented(m, CENTS));
        // The closed invoice: every October line of the original bill; exact amounts are written
        // with more decimals than cents (as an invoice stating them does), rounded ones in cents.
        const invoiced = [...then].filter(([key]) => key.endsWith(' 2025-10'));
        const written = (total: Money) => (exact ? total.toFixedScale(Math.max(3, total.normalize().scale)) : asInvoiced(total).toFixedScale(2));
        const invoice = write(`scope,period,total_usd\n${invoiced.map(([key, total]) => `${key.replace(' ', ',')},${written(total)}`).join('\n')}\n`);
        const { code, stdout, stderr } = await byok(['adjust', original, lateRows, '--policy', POLICY, '--invoice', invoice, '--billed-from', original, '--format', 'json', '-q']);
        expect([0, 1], stderr).toContain(code);
        const report = JSON.parse(stdout);
        const notes = new Map<string, { amountUsd: string; nowUsd: string; billedFromUsd: string; causes: { differenceUsd: string }[]; requests: { requestId: string; cause: string; differenceUsd: string }[] }>(
          report.notes.map((note: { scope: string; period: string }) => [`${note.scope} ${note.period}`, note]),
        );
        expect(code).toBe(notes.size > 0 ? 1 : 0);
        const lateScopes = new Set<string>(late.filter((r) => !r.november).map((r) => SCOPES[r.scope]!.scope));
        const invoicedKeys = new Set(invoiced.map(([key]) => key));
        // An invoice with no line covers no month: the log's October is then outside it (no notes).
        const covered = invoiced.length > 0 ? [...now.keys()].filter((k) => k.endsWith(' 2025-10')) : [];
        const october = new Set([...invoicedKeys, ...covered]);
        for (const key of october) {
          const invoicedTotal = invoicedKeys.has(key) ? asInvoiced(then.get(key)!) : Money.ZERO;
          const expected = asInvoiced(now.get(key) ?? Money.ZERO).subtract(invoicedTotal);
          const note = notes.get(key);
          if (expected.isZero()) {
            expect(note, key).toBeUndefined();
            continue;
          }
          expect(lateScopes.has(key.split(' ')[0]!), key).toBe(true);
          expect(note, key).toBeDefined();
          expect(parseMoney(note!.amountUsd, { allowNegative: true }).equals(expected), `${key}: ${note!.amountUsd} vs ${expected.toString()}`).toBe(true);
          const sum = note!.requests.reduce((s, r) => s.add(parseMoney(r.differenceUsd, { allowNegative: true })), Money.ZERO);
          const nowMinusThen = parseMoney(note!.nowUsd).subtract(parseMoney(note!.billedFromUsd));
          expect(sum.equals(nowMinusThen), key).toBe(true);
          const byCause = note!.causes.reduce((s, c) => s.add(parseMoney(c.differenceUsd, { allowNegative: true })), Money.ZERO);
          expect(byCause.equals(nowMinusThen), key).toBe(true);
          // Only late rows are new; a shift is a request of the original log.
          for (const r of note!.requests) expect(r.requestId.startsWith(r.cause === 'added-late' ? 'late-' : 'r-'), `${r.requestId} ${r.cause}`).toBe(true);
        }
        expect(notes.size).toBe([...october].filter((k) => notes.has(k)).length);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
