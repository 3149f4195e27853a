import type { UsageRequest } from '@byok-billing/core';
import { ABSENT, KEY_CODE, PLATFORM_CODE, ROUTE_CODE, type CompactLedger, type CompactOutcome, pow10 } from '@byok-billing/core/internal';

/**
 * Feeds requests to compact ledgers as the fast replay does: names numbered in one table
 * (`names`, shared by the ledgers), facts as the kernel's codes, costs as safe integers of
 * 10⁻¹² dollars or, past them, a bigint; `provider` and `model` numbered in the same table
 * (-1 for `''`), as the fast replay gives them to a ledger made `withFacts`.
 */
export function compactFeed(): { readonly names: string[]; decide(ledger: CompactLedger, r: UsageRequest): CompactOutcome } {
  const names: string[] = [];
  const index = new Map<string, number>();
  const intern = (name: string) => {
    let i = index.get(name);
    if (i === undefined) {
      i = names.push(name) - 1;
      index.set(name, i);
    }
    return i;
  };
  return {
    names,
    decide(ledger, r) {
      const units = r.cost.units * pow10(12 - r.cost.scale);
      const small = units <= BigInt(Number.MAX_SAFE_INTEGER);
      return ledger.decide(
        intern(r.userId),
        r.orgId ? intern(r.orgId) : -1,
        r.instant.epochMs,
        r.keyResult === undefined ? ABSENT : KEY_CODE[r.keyResult],
        r.platformResult === undefined ? ABSENT : PLATFORM_CODE[r.platformResult],
        r.recordedRoute === undefined ? ABSENT : ROUTE_CODE[r.recordedRoute],
        small ? Number(units) : Number.NaN,
        small ? undefined : units,
        r.provider ? intern(r.provider) : -1,
        r.model ? intern(r.model) : -1,
      );
    },
  };
}
