import { Money, type WrongChargeKind } from '@byok-billing/core';
import { compareUtf8 } from '@byok-billing/core/internal';
import type { GeneratedGeneration } from './generationRecords.js';
import type { GenerationRecordsConfig } from './generationRecordsConfig.js';
import { AUDIT_KIND_OF, type PlantedErrorKind } from './plantedErrors.js';

/** One planted error, as `byok audit --per-request` should report it. */
export interface PlantedRecord {
  readonly id: string;
  readonly createdAt: string;
  readonly kind: PlantedErrorKind;
  /** The audit's name for it (its finding's `wrongCharge`). */
  readonly wrongCharge: WrongChargeKind;
  readonly scope: string;
  readonly period: string;
  /** Among the scope's served BYOK requests of the month; null for a cancelled record. */
  readonly ordinal: number | null;
  readonly listCostUsd: string;
  /** What the record says was charged (the audit's `invoiced`). */
  readonly chargedUsd: string;
  /** What the policy charges (the audit's `recomputed`). */
  readonly policyChargeUsd: string;
  /** charged − policy (the audit's `difference`). */
  readonly differenceUsd: string;
  /** For `wrong-fee-rate`: the rate charged. */
  readonly wrongRate?: string;
}

/** Where a scope's allowance ran out. */
export interface Crossing {
  readonly scope: string;
  /** The allowance-th served BYOK request: the last free one. */
  readonly lastFree: string;
  /** The next one: the first that pays the fee. */
  readonly firstBillable: string;
}

/** What `byok generate generations` wrote: counts, crossings and every planted error (`--planted FILE`). */
export interface GenerationRecordsSummary {
  readonly format: 'byok-generated-generations/v1';
  readonly seed: number;
  readonly month: string;
  readonly org: string | null;
  readonly policy: { readonly version: string; readonly allowance: number; readonly feeRate: string };
  readonly records: number;
  /** Served BYOK requests (they count toward the allowance). */
  readonly byok: number;
  readonly platform: number;
  readonly cancelled: number;
  readonly crossings: readonly Crossing[];
  readonly planted: readonly PlantedRecord[];
  /** Per scope with a planted error: the net of charged − policy over the month. */
  readonly chargeDifferences: readonly { readonly scope: string; readonly period: string; readonly differenceUsd: string }[];
}

/** Folds the generated records into their summary as they stream past (only planted records and crossings are kept). */
export function createGenerationSummary(config: GenerationRecordsConfig): { observe(record: GeneratedGeneration): void; finish(): GenerationRecordsSummary } {
  const allowance = config.terms.allowance;
  let byok = 0;
  let platform = 0;
  let cancelled = 0;
  const planted: PlantedRecord[] = [];
  const lastFree = new Map<string, string>();
  const crossings: Crossing[] = [];
  const differences = new Map<string, Money>();
  return {
    observe(r) {
      if (r.cancelled) cancelled++;
      else if (r.isByok) byok++;
      else platform++;
      if (r.ordinal !== null && allowance > 0) {
        if (r.ordinal === allowance) lastFree.set(r.scope, r.id);
        else if (r.ordinal === allowance + 1) crossings.push({ scope: r.scope, lastFree: lastFree.get(r.scope)!, firstBillable: r.id });
      }
      if (r.planted === undefined) return;
      const difference = r.charged.subtract(r.policyCharge);
      differences.set(r.scope, (differences.get(r.scope) ?? Money.ZERO).add(difference));
      planted.push({
        id: r.id,
        createdAt: r.createdAt,
        kind: r.planted,
        wrongCharge: AUDIT_KIND_OF[r.planted],
        scope: r.scope,
        period: config.month,
        ordinal: r.ordinal,
        listCostUsd: r.listCost.toString(),
        chargedUsd: r.charged.toString(),
        policyChargeUsd: r.policyCharge.toString(),
        differenceUsd: difference.toString(),
        ...(r.wrongRate === undefined ? {} : { wrongRate: r.wrongRate.toString() }),
      });
    },
    finish() {
      return {
        format: 'byok-generated-generations/v1',
        seed: config.seed,
        month: config.month,
        org: config.org ?? null,
        policy: { version: config.terms.version, allowance, feeRate: config.terms.feeRate.toString() },
        records: byok + platform + cancelled,
        byok,
        platform,
        cancelled,
        crossings: [...crossings].sort((a, b) => compareUtf8(a.scope, b.scope)),
        planted,
        chargeDifferences: [...differences]
          .sort(([a], [b]) => compareUtf8(a, b))
          .map(([scope, difference]) => ({ scope, period: config.month, differenceUsd: difference.toString() })),
      };
    },
  };
}
