import type { Rate } from '../money/rate.js';
import type { RoundingModeName } from '../money/rounding/roundingMode.js';
import type { RuleDocument } from '../rules/ruleDocument.js';
import type { Router } from '../routing/router.js';
import type { FailoverMode, RouteParams } from '../routing/routeTypes.js';
import type { ScopeMode } from '../scope/scope.js';
import type { PeriodCalendar } from '../time/periodCalendar.js';
import type { Instant } from '../time/instant.js';
import type { ChargeParams } from './chargeTypes.js';
import type { Charger } from './charger.js';

/** What counts toward the allowance (POLICY.md D2): requests served by the key, or every key attempt. */
export const COUNT_MODES = ['served', 'attempted'] as const;
export type CountMode = (typeof COUNT_MODES)[number];

/** The policy's parameters, each a what-if knob, as resolved for one version. */
export interface PolicyParameters {
  /** Free BYOK requests per scope per period. */
  readonly allowance: number;
  /** Fee on a billable BYOK request's list cost. */
  readonly feeRate: Rate;
  readonly scopeMode: ScopeMode;
  readonly counts: CountMode;
  /** Failover mode of scopes the accounts file does not set. */
  readonly defaultFailoverMode: FailoverMode;
  /** IANA zone whose midnight starts each period (UTC per POLICY.md F6). */
  readonly resetTimeZone: string;
  /** How invoices present money: fractional digits and rounding mode (D4). */
  readonly presentation: { readonly scale: number; readonly rounding: RoundingModeName };
}

/** Rules as written in the document. */
export interface PolicyRules {
  readonly routing: readonly RuleDocument<RouteParams>[];
  readonly charge: readonly RuleDocument<ChargeParams>[];
}

/** One version of the policy, in force from `effectiveFromMs` until the next version. */
export interface PolicyVersion {
  readonly version: string;
  readonly description: string | undefined;
  /** First instant in force; `null` for a first version with no start. */
  readonly effectiveFromMs: number | null;
  readonly parameters: PolicyParameters;
  readonly rules: PolicyRules;
  readonly router: Router;
  readonly charger: Charger;
  readonly calendar: PeriodCalendar;
}

/** A validated, compiled policy document. */
export interface Policy {
  readonly id: string;
  readonly title: string | undefined;
  /** SHA-256 of the document's canonical JSON (sorted keys, no whitespace). */
  readonly sha256: string;
  /** The label of the latest version, reported in bills. */
  readonly version: string;
  /** The document as validated (a fresh copy: the caller's object is never kept). */
  readonly document: unknown;
  /** Versions in effective order. */
  readonly versions: readonly PolicyVersion[];
  /** The version in force at an instant; throws `NoPolicyVersionError` before the first. */
  versionAt(instant: Instant): PolicyVersion;
}
