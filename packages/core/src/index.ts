/**
 * @byok-billing/core — the pure policy core: no I/O, no clock, no globals. Time, files
 * and stores are passed in by the caller.
 */
export { ArithmeticError, ByokError, ConflictingDuplicateError, InvalidAccountsError, InvalidArgumentError, InvalidMoneyError, InvalidPeriodError, InvalidRateError, InvalidRequestError,
  InvalidThresholdError, InvalidTimeZoneError, LateArrivalError, InvalidTimestampError, NoPolicyVersionError, UnsupportedPolicyError, NonexistentLocalTimeError, OutOfOrderError, PolicyValidationError, type ErrorCode, type ProgrammingErrorCode } from './errors.js';

// money
export { Money, pow10, sumMoney } from './money/money.js';
export { COST_SCALE, FEE_SCALE } from './ledger/lineAccumulator.js';
export { MAX_MONEY_FRACTION_DIGITS, parseMoney, type ParseMoneyOptions } from './money/parseMoney.js';
export { MAX_RATE_FRACTION_DIGITS, Rate, parseRate } from './money/rate.js';
export type { RoundingMode, RoundingModeName } from './money/rounding/roundingMode.js';
export { halfEven } from './money/rounding/halfEven.js';
export { halfUp } from './money/rounding/halfUp.js';
export { ROUNDING_MODES, roundMoney, type RoundedMoney } from './money/rounding/roundMoney.js';

// time
export { type Instant, compareInstants, daysInMonth, formatInstant, instantFromEpochMs } from './time/instant.js';
export { parseTimestamp, type ParseTimestampOptions } from './time/parseTimestamp.js';
export { type Period, type PeriodCalendar, createPeriodCalendar, formatPeriod, parsePeriod } from './time/periodCalendar.js';
export { assertTimeZone } from './time/timeZone.js';

// scope, routing, accounts
export { SCOPE_MODES, type Scope, type ScopeMode, isScope, keyOwnerOf, scopeOf } from './scope/scope.js';
export { FAILOVER_MODES, KEY_RESULTS, PLATFORM_RESULTS, ROUTES, type FailoverMode, type KeyResult, type PlatformResult, type Route, type RouteDecision, type RouteParams } from './routing/routeTypes.js';

export { type AccountRow, type AccountSettings, type Accounts, type ParseAccountsOptions, freeBoundOf, parseAccounts } from './accounts/accounts.js';

// policy and rules
export { CHARGE_KINDS, type ChargeDecision, type ChargeKind, type ChargeParams } from './policy/chargeTypes.js';

export { COUNT_MODES, type CountMode, type Policy, type PolicyParameters, type PolicyRules, type PolicyVersion } from './policy/policyTypes.js';
export { POLICY_FORMAT, loadPolicy } from './policy/loadPolicy.js';
export { defaultPolicy, defaultPolicyDocument } from './policy/defaultPolicy.js';
export { canonicalJson } from './policy/canonicalJson.js';
export {
  FEE_UNITS,
  LIST_USD_BOUND_SCALE,
  SHORTHAND_SCHEDULE,
  type FeeSchedule,
  type FeeTerms,
  type FeeTier,
  type FeeUnit,
  type ListUsdFeeTerms,
  type RequestFeeTerms,
  feeTermsShorthand,
  hasFreeFirstTier,
  shorthandFeeTerms,
} from './policy/feeTerms.js';
export { feeUnitsOf, placeTiers } from './policy/placeTiers.js';
export { ONLY_SCHEDULE_RULE, SCHEDULE_FACTS, type ScheduleChoice, type ScheduleChooser, type ScheduleParams } from './policy/scheduleChooser.js';
export { parseTierList, type TierOverride } from './policy/tierList.js';
export type { Condition, FactCondition, Facts, RuleDocument, RuleEvent, RuleOperator } from './rules/ruleDocument.js';
export { RULE_OPERATORS } from './rules/ruleDocument.js';

// the decision kernel: one decision, on small integer codes and compiled tables

// ledger
export { type UsageRequest, sameContent } from './ledger/usageRequest.js';
export type { AllowanceStatus, Decision, DecisionTiers } from './ledger/decision.js';
export { BILL_AMOUNT_FIELDS, type Bill, type BillAmounts, type BillLine, type InputSummary } from './ledger/billLine.js';
export { type FinishOptions, type Ledger, type LedgerOptions, compareRequests, createLedger } from './ledger/ledger.js';

export { billRequests, type BillResult } from './ledger/billRequests.js';
export { billToJson, type BillAmountsJson, type BillJson } from './ledger/billJson.js';

// policy variants and audits
export { policyVariant, type ParameterOverrides, type VariantOptions } from './policy/policyVariant.js';
export { FINDING_KINDS, type Finding, type FindingKind, type WrongChargeKind } from './audit/findings.js';
export { INVOICE_COLUMNS, parseInvoiceRow, type BillField, type InvoiceLine, type InvoiceValue } from './audit/invoice.js';
export { moneyMatches, presented, type MoneyMatchOptions } from './audit/moneyMatch.js';

export { reconcileInvoice, type AuditReport, type AuditSummary } from './audit/reconcile.js';

// adjustment notes for a closed invoice (byok adjust)
export { chargeFingerprint, sameCharge, type RequestCharge } from './adjust/requestCharge.js';
export { CHANGE_CAUSES, requestChanges, type ChangeCause, type RequestChange, type RequestSide } from './adjust/requestChanges.js';
export { describeRounding, detectInvoiceRounding, invoiceText, roundAsInvoiced, type InvoiceRounding } from './adjust/invoiceRounding.js';
export { MAX_LISTED_REQUESTS, adjustmentReport, linesToAdjust, type AdjustmentInput, type CauseTotal, type AdjustmentNote, type AdjustmentReport, type AdjustmentSummary, type ColumnChange, type LineToAdjust } from './adjust/adjustmentNotes.js';

// the online meter
export { decideRequest } from './ledger/decideRequest.js';
export { type DecisionRecord, type DecisionShape, shapeOf } from './meter/decisionRecord.js';
export { billFromRecords } from './meter/billFromRecords.js';
export { type BilledDecision, type CounterStep, type DecideStep, type MeterStore, NO_CROSSINGS, NO_FEES, type RecordOutcome } from './meter/meterStore.js';
export type { FeeState } from './ledger/decideRequest.js';
export { createMemoryStore } from './meter/memoryStore.js';
export {
  type CrossingRequest,
  type ScopeMonthUsage,
  type UsageFilter,
  type UsageTotals,
  sortedTotals,
  storeUsage,
  unitsOf,
  usageOfTotals,
  usageTotalsOfRecords,
} from './meter/usage.js';
export { createMeter, type Meter, type MeterOptions, type MeterOutcome } from './meter/meter.js';
export {
  type CounterMove,
  DEFAULT_THRESHOLD_NAMES,
  type Threshold,
  type ThresholdAllowance,
  type ThresholdCrossing,
  type ThresholdEvent,
  crossingsOf,
  parseThresholds,
  percentTarget,
  thresholdAllowance,
} from './meter/thresholds.js';

// the policy compiled to SQL
export { SQL_DIALECTS, type SqlDialect, isSqlDialect } from './sql/sqlDialect.js';
export { BILL_SQL_COLUMNS, BILL_SQL_MONEY_COLUMNS, CLICKHOUSE_SCOPE_COLUMN, OPTIONAL_REQUEST_COLUMNS, REQUESTS_RELATION, REQUESTS_RELATION_COLUMNS, type OptionalRequestColumn, type RequestsRelationColumn, type SqlMoneyOutput } from './sql/requestsRelation.js';
export { type BillSqlOptions, compileBillQuery, compileBillSql } from './sql/compileBillSql.js';


// forecast: the month projected from the month so far
export { FORECAST_METHOD, type Forecast, type ForecastBuilder, type ForecastOptions, type ScopeForecast, createForecast, forecastMonth, localDate } from './forecast/forecastMonth.js';
export type { RunOut, ScopeProjection } from './forecast/projectScope.js';
export type { ForecastDecision } from './forecast/forecastCollector.js';
export { Ratio } from './forecast/ratio.js';
