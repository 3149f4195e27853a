import { formatInstant } from '../time/instant.js';
import { createPeriodCalendar } from '../time/periodCalendar.js';
import { canonicalJson } from './canonicalJson.js';
import { loadPolicy } from './loadPolicy.js';
import type { Policy } from './policyTypes.js';

/** Parameter values as a policy document writes them (`feeRate` as a decimal string). */
export interface ParameterOverrides {
  readonly allowance?: number;
  readonly feeRate?: string;
  readonly scopeMode?: 'org' | 'user';
  readonly counts?: 'served' | 'attempted';
  readonly defaultFailoverMode?: 'fallback' | 'strict' | 'credits-first';
  readonly resetTimeZone?: string;
}

export interface VariantOptions {
  /**
   * Which versions take the overrides: `all` (default), or `allowance-bearing`: only
   * versions that grant an allowance, so "what if the allowance were 2M" leaves the
   * months before the free tier existed as they were.
   */
  readonly versions?: 'all' | 'allowance-bearing';
  /** The variant's id; default: the base id with the overrides appended. */
  readonly id?: string;
}

/**
 * A policy like `base` with some parameters changed in its versions: the what-if and
 * audit-diagnosis building block. The result is a new document, validated like any other.
 *
 * @example
 * policyVariant(defaultPolicy(), { scopeMode: 'user' }).versions[1].parameters.scopeMode //=> 'user'
 */
export function policyVariant(base: Policy, overrides: ParameterOverrides, options: VariantOptions = {}): Policy {
  const document = JSON.parse(JSON.stringify(base.document)) as {
    id: string;
    versions: { parameters?: Record<string, unknown>; effectiveFrom?: string }[];
  };
  const which = options.versions ?? 'all';
  document.versions.forEach((version, i) => {
    const original = base.versions[i]!;
    if (which === 'allowance-bearing' && original.parameters.allowance === 0) return;
    version.parameters = { ...(version.parameters ?? {}), ...overrides };
    // Another reset zone moves the period boundaries: a version then takes effect at the
    // start of the same month in the new zone.
    if (overrides.resetTimeZone !== undefined && original.effectiveFromMs !== null) {
      const label = original.calendar.periodOf({ epochMs: original.effectiveFromMs, nanos: 0 });
      const start = createPeriodCalendar(overrides.resetTimeZone).periodStartMs(label);
      version.effectiveFrom = formatInstant({ epochMs: start, nanos: 0 });
    }
  });
  document.id = options.id ?? `${base.id}+${canonicalJson(overrides)}`;
  return loadPolicy(document);
}
