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
import type { FeeTerms } from './feeTerms.js';
import type { ScheduleChooser, ScheduleParams } from './scheduleChooser.js';

/** What counts toward the allowance (POLICY.md D2): requests served by the key, or every key attempt. */
export const COUNT_MODES = ['served', 'attempted'] as const;
export type CountMode = (typeof COUNT_MODES)[number];

/** The policy's parameters, each a what-if knob, as resolved for one version. */
export interface PolicyParameters {
  /**
   * Free BYOK requests per scope per period. For a version given as `fees` (not the
   * shorthand), a summary: the bound of the free first tier when the unit is `requests` and
   * every schedule starts with a free tier of that same bound, else 0 (`summaryAllowance`).
   * The fee terms themselves are `PolicyVersion.feeTerms`.
   */
  readonly allowance: number;
  /**
   * Fee on a billable BYOK request's list cost. For a version given as `fees`, a summary:
   * the shorthand's rate when the terms are a shorthand's (`feeTermsShorthand`), else the
   * first rate > 0 of the first schedule, or 0 (`summaryFeeRate`).
   */
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
  /** Which fee schedule a request pays by; absent when the document has none (one schedule). */
  readonly schedule?: readonly RuleDocument<ScheduleParams>[];
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
  /** The fee schedules, unit and cap (the shorthand compiled to the same form). */
  readonly feeTerms: FeeTerms;
  /** Which of `feeTerms.schedules` a request pays by (compiled from `rules.schedule`). */
  readonly scheduleChooser: ScheduleChooser;
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
