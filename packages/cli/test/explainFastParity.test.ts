/**
 * `byok explain` decides on the fast replay and builds a Decision only for what it explains:
 * for every request and every bill line of generated logs (duplicates, ids repeated past the
 * reorder window, every route, month edges, quoted rows), it must say what the record-replay
 * explain said, in text and JSON, or refuse the same way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { explainCommand } from '../src/commands/explain.js';
import type { ProgramIO } from '../src/programIO.js';
import { recordExplainCommand } from './support/recordExplain.js';
import { feeLogArb } from '../../../test/arbitraries/feeConfig.js';
import { referenceBill } from '../../../test/properties/referenceBill.js';
import { byProviderOrModel, factsMixConfigArb, writeFeeCase } from './support/feeCase.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-explain-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = join(import.meta.dirname, '../../../scenarios/09-audit-invoice-matches/policy.json');
const INSTANTS = ['2025-09-30T20:00:00Z', '2025-09-30T19:30:00-05:00', '2025-10-01T00:00:00Z', '2025-10-15T12:00:00.5Z', '2025-10-31T22:00:00Z', '2025-11-01T03:00:00+01:00'];

const rowArb = fc.record({
  instant: fc.nat(INSTANTS.length - 1),
  id: fc.constantFrom('a', 'b', 'c', '"q,1"', 'd'),
  user: fc.constantFrom('u1', 'u2'),
  org: fc.constantFrom('', 'acme'),
  cost: fc.constantFrom('0', '0.012', '2', '9999.5'),
  key: fc.constantFrom('ok', 'ok', 'rate_limited', 'error', ''),
  route: fc.constantFrom('', 'byok', 'platform', 'failed'),
});

async function outcome(run: () => Promise<void>, out: { text: string }): Promise<string> {
  try {
    await run();
    return out.text;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('the fast explain says what the record-replay explain said', () => {
  it('for every request and bill line of generated logs', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 25 }), fc.constantFrom('0', '15m'), async (rows, window) => {
        const sorted = [...rows].sort((a, b) => a.instant - b.instant);
        const text = `request_id,timestamp,user_id,org_id,cost_usd,key_result,route\n${sorted.map((r, i) => `${r.id === 'd' ? `r${i}` : r.id},${INSTANTS[r.instant]},${r.user},${r.org},${r.cost},${r.key},${r.key === '' && r.route === '' ? 'byok' : r.route}`).join('\n')}\n`;
        const log = join(dir, `log-${++n}.csv`);
        writeFileSync(log, text);
        const asks = [
          ...['a', 'b', 'c', 'q,1', 'r0', 'r3', 'missing'].map((request) => ({ request })),
          ...['user:u1', 'user:u2', 'org:acme'].flatMap((scope) => ['2025-09', '2025-10', '2025-11'].map((period) => ({ scope, period }))),
        ];
        for (const ask of asks) {
          for (const format of ['text', 'json'] as const) {
            const options = { ...ask, policy: POLICY, reorderWindow: window, quiet: true, format, rejects: join(dir, `rej-${n}.csv`) };
            const a = { text: '' };
            const b = { text: '' };
            const io = (o: { text: string }): ProgramIO => ({ stdout: (t) => (o.text += t), stderr: () => {} });
            const fast = await outcome(() => explainCommand([log], options, io(a)), a);
            const record = await outcome(() => recordExplainCommand([log], options, io(b)), b);
            expect(fast).toBe(record);
          }
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  // catches: the fast explain deciding a tiered request without the line's fee state (list-usd
  // counter, fees paid before the cap), tallying a tiered line by cost × feeRate, or a tier
  // progression that differs from the record replay's decisions.
  it('for requests and bill lines of generated pricing-language policies (tiers, list-usd, caps, contract terms)', async () => {
    let n = 0;
    let tiered = 0;
    // Asks about policies whose schedules are chosen by provider/model (the fast replay reads those cells).
    let byFacts = 0;
    await fc.assert(
      fc.asyncProperty(feeLogArb(), factsMixConfigArb(2), fc.nat(), async (rows, config, pick) => {
        const files = writeFeeCase(dir, `fee-${++n}`, rows, config);
        const ref = referenceBill(rows, config);
        const ids = [...ref.decisions.keys()];
        const asks = [
          ...[0, 1, 2, 3].map((k) => ids[(pick + k * 7) % Math.max(1, ids.length)]).filter((id): id is string => id !== undefined).map((request) => ({ request })),
          ...ref.lines.slice(0, 4).map((l) => ({ scope: l.scope, period: l.period })),
        ];
        for (const ask of asks) {
          for (const format of ['text', 'json'] as const) {
            const options = { ...ask, policy: files.policy, accounts: files.accounts, reorderWindow: '15m', sort: true, quiet: true, format };
            const a = { text: '' };
            const b = { text: '' };
            const io = (o: { text: string }): ProgramIO => ({ stdout: (t) => (o.text += t), stderr: () => {} });
            const fast = await outcome(() => explainCommand([files.log], options, io(a)), a);
            if (byProviderOrModel(config)) byFacts++;
            const record = await outcome(() => recordExplainCommand([files.log], options, io(b)), b);
            expect(fast).toBe(record);
            if (format === 'json' && fast.includes('"tiers"')) tiered++;
          }
        }
      }),
      { numRuns: 40 },
    );
    expect(tiered).toBeGreaterThan(0);
    expect(byFacts).toBeGreaterThan(0);
  }, 180_000);
});
