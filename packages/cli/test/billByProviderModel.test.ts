import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { byok } from '../../../test/support/runByok.js';

/*
 * `byok bill` of a policy whose fee schedules are chosen by `provider` and `model` (scenario 20)
 * takes the fast replay, which reads those cells, and gives the scenario's expected bill (the
 * fee oracle's). The record replay is watched: a plain bill must not fall back to it.
 */
const recordReplays = vi.hoisted(() => ({ count: 0 }));
vi.mock('../src/replay/replayLog.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/replay/replayLog.js')>();
  return {
    ...original,
    replayLog: (...args: Parameters<typeof original.replayLog>) => {
      recordReplays.count++;
      return original.replayLog(...args);
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'byok-bill-facts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SCENARIO = join(import.meta.dirname, '../../../scenarios/20-fees-by-provider-and-model');

describe('byok bill, fee schedules chosen by provider and model', () => {
  // catches: the bill falling back to the record replay, or the fast replay choosing every
  // request's schedule with provider and model '' (all at the catch-all's 3%).
  it('scenario 20: the fast replay gives the expected bill (one shared allowance, 5%/8%/3% by provider and model)', async () => {
    const expected = JSON.parse(readFileSync(join(SCENARIO, 'expected-bill.json'), 'utf8'));
    for (const extra of [[], ['--sort'], ['--threads', '0']]) {
      recordReplays.count = 0;
      const result = await byok(['bill', join(SCENARIO, 'requests.csv'), '--policy', join(SCENARIO, 'policy.json'), '--format', 'json', '--quiet', ...extra]);
      expect(result.code, result.stderr).toBe(0);
      expect(recordReplays.count).toBe(0);
      const bill = JSON.parse(result.stdout);
      expect(bill).toEqual(expected);
      expect(bill.lines.map((l: { scope: string; feeUsd: string }) => [l.scope, l.feeUsd])).toEqual([
        ['org:globex', '0.4438'],
        ['user:kim', '0.006'],
      ]);
    }
  });

  it('scenario 20 with --details: the fast replay writes the decision records the record replay would (same fees per request)', async () => {
    recordReplays.count = 0;
    const details = join(dir, 'details.csv');
    const result = await byok(['bill', join(SCENARIO, 'requests.csv'), '--policy', join(SCENARIO, 'policy.json'), '--format', 'json', '--quiet', '--details', details]);
    expect(result.code, result.stderr).toBe(0);
    expect(recordReplays.count).toBe(0);
    const lines = readFileSync(details, 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split(',');
    const fee = header.indexOf('fee_usd');
    const id = header.indexOf('request_id');
    expect(fee).toBeGreaterThanOrEqual(0);
    const fees = new Map(lines.slice(1).map((l) => [l.split(',')[id]!, l.split(',')[fee]!]));
    // Past the free ten: o1-pro 8% of $0.60, Sonnet 5% of $0.06 (and the unlabelled request 3% of
    // $0.10), GPT-4o 5% of $0.04, Gemini 3% of $0.05, Mistral 3% of $0.02.
    expect(new Set(fees.values())).toEqual(new Set(['0', '0.048', '0.003', '0.002', '0.0015', '0.0006']));
    expect([...fees.values()].filter((f) => f === '0.048')).toHaveLength(8);
  });
});
