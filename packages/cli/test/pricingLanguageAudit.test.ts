/**
 * `byok audit` and `byok explain` on the pricing language (issue 16) against the independent
 * fee oracle (test/properties/referenceBill.ts): for generated configs (tiers in requests or
 * list-usd, several schedules, caps, contract terms) and logs, explain's fee of a request is
 * the oracle's and its parts add up to it; the audit of the oracle's invoice finds no line
 * differing; an invoice that bills the fee before the cap is named "cap not applied", one
 * that bills every paid tier at the last tier's rate "fee at the wrong tier". Half the
 * configs choose schedules by provider/model, which the fast replay reads.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '@byok-billing/core';
import { type FeeLogRow, feeLogArb } from '../../../test/arbitraries/feeConfig.js';
import { referenceBill } from '../../../test/properties/referenceBill.js';
import { auditCommand } from '../src/commands/audit.js';
import { type ExplainCliOptions, explainCommand } from '../src/commands/explain.js';
import type { ProgramIO } from '../src/programIO.js';
import { type FeeCaseFiles, addDecimal, atLastTierRate, byProviderOrModel, compareDecimal, invoiceCsv, factsMixConfigArb, roundHalfEven, withoutCaps, writeFeeCase } from './support/feeCase.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-fee-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const captured = (): ProgramIO & { out: () => string } => {
  let out = '';
  return { stdout: (t) => (out += t), stderr: () => {}, out: () => out };
};

/** The audit of `invoiceText` by the command (the fast replay). */
async function audit(files: FeeCaseFiles, invoiceText: string): Promise<AuditReport> {
  const invoice = join(dir, `inv-${++n}.csv`);
  writeFileSync(invoice, invoiceText);
  const options = { policy: files.policy, accounts: files.accounts, reorderWindow: '15m', sort: true, quiet: true };
  return (await auditCommand([files.log], { ...options, invoice, format: 'json' }, captured())).report;
}

async function explainJson(files: FeeCaseFiles, ask: Pick<ExplainCliOptions, 'request' | 'scope' | 'period'>) {
  const io = captured();
  const options: ExplainCliOptions = { ...ask, policy: files.policy, accounts: files.accounts, reorderWindow: '15m', sort: true, quiet: true, format: 'json' };
  await explainCommand([files.log], options, io);
  return JSON.parse(io.out());
}

const lineFindings = (r: AuditReport) => r.findings.filter((f) => f.kind === 'mismatch' || f.kind === 'not-in-log' || f.kind === 'not-invoiced');
const sum = (texts: readonly string[]) => texts.reduce(addDecimal, '0');

/** Each line whose invoiced fee or total (rounded) differs from the bill's is a mismatch of that cause; every other line matches. Returns how many were named `cause`. */
function expectPlanted(report: AuditReport, ref: ReturnType<typeof referenceBill>, planted: ReturnType<typeof referenceBill>, cause: string): number {
  const plantedLine = new Map(planted.lines.map((l) => [`${l.scope}\n${l.period}`, l]));
  let caught = 0;
  for (const line of ref.lines) {
    const other = plantedLine.get(`${line.scope}\n${line.period}`)!;
    const findings = lineFindings(report).filter((f) => f.scope === line.scope && f.period === line.period);
    if (roundHalfEven(other.feeUsd) === roundHalfEven(line.feeUsd) && roundHalfEven(other.totalUsd) === roundHalfEven(line.totalUsd)) {
      expect(findings, `${line.scope} ${line.period}`).toEqual([]);
      continue;
    }
    expect(findings.length, `${line.scope} ${line.period}`).toBeGreaterThan(0);
    // A month shift is tried first (it explains every column at once): near a month's edge another
    // zone's bill can give the very same fee and total, and then it is the cause named.
    const named = findings[0]!.cause?.split(':')[0];
    for (const f of findings) expect(f.cause?.split(':')[0], `${line.scope} ${line.period}: ${f.cause}`).toBe(named);
    expect([cause, 'wrong month from a time-zone shift'], `${line.scope} ${line.period}: ${findings[0]!.cause}`).toContain(named);
    if (named === cause) caught++;
  }
  return caught;
}

describe('audit and explain bill the pricing language as the fee oracle does', () => {
  // catches: a fee as cost × feeRate on a tiered line (explain's fee, the audit's sums), an
  // explanation whose parts or cap do not add up to its fee, a cause named that does not give
  // the invoice's fee, the cap or the tiers left out of the likely causes.
  it('law: explain gives the oracle fee; the oracle invoice matches; planted mistakes are named', async () => {
    let caps = 0;
    let tiers = 0;
    let byFacts = 0;
    await fc.assert(
      fc.asyncProperty(feeLogArb(), factsMixConfigArb(1), fc.nat(), async (rows: FeeLogRow[], config, pick) => {
        if (byProviderOrModel(config)) byFacts++;
        const files = writeFeeCase(dir, `c${++n}`, rows, config);
        const ref = referenceBill(rows, config);

        const matching = await audit(files, invoiceCsv(ref.lines));
        expect(lineFindings(matching)).toEqual([]);
        expect(matching.summary.routeMismatches).toBe(ref.routeMismatches);

        const uncapped = referenceBill(rows, withoutCaps(config));
        caps += expectPlanted(await audit(files, invoiceCsv(uncapped.lines.filter((l) => ref.lines.some((r) => r.scope === l.scope && r.period === l.period)))), ref, uncapped, 'cap not applied');

        const noCap = withoutCaps(config);
        const noCapFiles = writeFeeCase(dir, `c${++n}`, rows, noCap);
        const noCapRef = referenceBill(rows, noCap);
        const flat = referenceBill(rows, atLastTierRate(noCap));
        tiers += expectPlanted(await audit(noCapFiles, invoiceCsv(flat.lines)), noCapRef, flat, 'fee at the wrong tier');

        const ids = [...ref.decisions.keys()];
        if (ids.length === 0) return;
        const id = ids[pick % ids.length]!;
        const explained = await explainJson(files, { request: id });
        const expected = ref.decisions.get(id)!;
        expect([explained.feeUsd, explained.chargeUsd, explained.status]).toEqual([expected.fee, expected.charge, expected.status]);
        if (explained.tiers !== undefined && explained.route === 'byok' && explained.status === 'billable') {
          // The default charge rules: a billable BYOK request pays its fee. Its parts sum to the fee before the cap; the cap leaves what it pays.
          const t = explained.tiers;
          expect(sum(t.parts.map((p: { feeUsd: string }) => p.feeUsd))).toBe(addDecimal(t.uncappedFeeUsd, '0'));
          let paid = t.uncappedFeeUsd;
          if (t.cap !== null) {
            const room = addDecimal(t.cap.capUsd, `-${t.cap.feesBeforeUsd}`);
            const left = compareDecimal(room, '0') < 0 ? '0' : room;
            if (compareDecimal(left, paid) < 0) paid = left;
            expect(t.cap.capped).toBe(compareDecimal(paid, t.uncappedFeeUsd) < 0);
          }
          expect(addDecimal(paid, '0')).toBe(expected.fee);
        }
        const line = ref.lines[pick % ref.lines.length]!;
        const lineExplained = await explainJson(files, { scope: line.scope, period: line.period });
        expect([lineExplained.feeUsd, lineExplained.totalUsd]).toEqual([line.feeUsd, line.totalUsd]);
        if (lineExplained.tiers !== undefined) {
          const p = lineExplained.tiers;
          expect(sum(p.steps.map((s: { feeUsd: string }) => s.feeUsd))).toBe(addDecimal(p.uncappedFeeUsd, '0'));
          expect(addDecimal(p.uncappedFeeUsd, p.cap === null ? '0' : `-${p.cap.cutUsd}`)).toBe(addDecimal(line.feeUsd, '0'));
        }
      }),
      { numRuns: 60 },
    );
    expect(caps).toBeGreaterThan(0);
    expect(tiers).toBeGreaterThan(0);
    expect(byFacts).toBeGreaterThan(0);
  }, 300_000);
});

