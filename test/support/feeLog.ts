/** Hand-written fee logs for the boundary cases of the fee differentials (ledger, SQL). */
import type { FeeLogRow } from '../arbitraries/feeConfig.js';

/** One request of a hand-written log: its cost, and what differs from the defaults. */
export interface Spec {
  readonly cost: string;
  readonly model?: string;
  readonly provider?: string;
  readonly org?: string;
  readonly keyResult?: 'ok' | 'rate_limited' | 'error' | 'none';
  readonly at?: string;
}

/** Requests r1, r2, … one second apart from 2025-10-01 (org acme, key served unless said otherwise). */
export function feeLog(specs: readonly Spec[]): FeeLogRow[] {
  return specs.map((s, i) => {
    const timestamp = s.at ?? new Date(Date.UTC(2025, 9, 1, 0, 0, i)).toISOString();
    return {
      requestId: `r${i + 1}`,
      instant: { epochMs: Date.parse(timestamp), nanos: 0 },
      timestamp,
      userId: 'dev',
      orgId: s.org ?? 'acme',
      cost: s.cost,
      keyResult: s.keyResult ?? 'ok',
      platformResult: undefined,
      recordedRoute: undefined,
      model: s.model,
      provider: s.provider,
    } as FeeLogRow;
  });
}

/** Requests of these costs, with the defaults otherwise. */
export const costs = (...cs: string[]): Spec[] => cs.map((cost) => ({ cost }));
