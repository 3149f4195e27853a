/**
 * @byok-billing/core — the pure policy core: no I/O, no clock, no globals. Time, files
 * and stores are passed in by the caller.
 */
export {
  ArithmeticError,
  ByokError,
  ConflictingDuplicateError,
  InvalidAccountsError,
  InvalidArgumentError,
  InvalidMoneyError,
  InvalidPeriodError,
  InvalidRateError,
  InvalidRequestError,
  InvalidTimeZoneError,
  LateArrivalError,
  InvalidTimestampError,
  NoPolicyVersionError,
  NonexistentLocalTimeError,
  OutOfOrderError,
  PolicyValidationError,
  type ErrorCode,
  type ProgrammingErrorCode,
} from './errors.js';

// money
export { Money, pow10, sumMoney } from './money/money.js';
export { MAX_MONEY_FRACTION_DIGITS, parseMoney, type ParseMoneyOptions } from './money/parseMoney.js';
export { MAX_RATE_FRACTION_DIGITS, Rate, parseRate } from './money/rate.js';
export type { RoundingMode, RoundingModeName } from './money/rounding/roundingMode.js';
export { halfEven } from './money/rounding/halfEven.js';
export { halfUp } from './money/rounding/halfUp.js';
export { ROUNDING_MODES, roundMoney, type RoundedMoney } from './money/rounding/roundMoney.js';

// time
export { type Instant, civilFromDays, compareInstants, daysFromCivil, daysInMonth, formatInstant, instantFromEpochMs } from './time/instant.js';
export { parseTimestamp, type ParseTimestampOptions } from './time/parseTimestamp.js';
export { type Period, type PeriodCalendar, createPeriodCalendar, formatPeriod, parsePeriod } from './time/periodCalendar.js';
export { assertTimeZone } from './time/timeZone.js';

// scope, routing, accounts
export { SCOPE_MODES, type Scope, type ScopeMode, isScope, scopeOf } from './scope/scope.js';
export {
  FAILOVER_MODES,
  KEY_RESULTS,
  PLATFORM_RESULTS,
  ROUTES,
  type FailoverMode,
  type KeyResult,
  type PlatformResult,
  type Route,
  type RouteDecision,
  type RouteParams,
} from './routing/routeTypes.js';
export { RECORDED_ROUTE_RULE, ROUTING_FACT_DOMAIN, type Router, createRouter } from './routing/router.js';
export { type AccountRow, type AccountSettings, type Accounts, parseAccounts } from './accounts/accounts.js';

// policy and rules
export { CHARGE_KINDS, type ChargeDecision, type ChargeKind, type ChargeParams } from './policy/chargeTypes.js';
export { CHARGE_FACT_DOMAIN, type Charger, createCharger } from './policy/charger.js';
export {
  COUNT_MODES,
  type CountMode,
  type Policy,
  type PolicyParameters,
  type PolicyRules,
  type PolicyVersion,
} from './policy/policyTypes.js';
export { POLICY_FORMAT, loadPolicy } from './policy/loadPolicy.js';
export { defaultPolicy, defaultPolicyDocument } from './policy/defaultPolicy.js';
export { canonicalJson } from './policy/canonicalJson.js';
export type { Condition, FactCondition, Facts, RuleDocument, RuleEvent, RuleOperator } from './rules/ruleDocument.js';
export { RULE_OPERATORS } from './rules/ruleDocument.js';
export { compileCondition, type CompiledCondition } from './rules/compileCondition.js';
export { compileRules, decide, type CompiledRule, type RuleDecision } from './rules/decisionTable.js';

// the decision kernel: one decision, on small integer codes and compiled tables
export { ABSENT, CHARGE_CODE, KEY_CODE, PLATFORM_CODE, ROUTE_CODE, routeIndex, routeIndexOfNames } from './kernel/codes.js';
export { type DecisionTerms, chargeIndex, decisionTerms, sameDecisions } from './kernel/decisionTerms.js';
export { type KernelOutcome, createKernelOutcome, decideOutcome } from './kernel/decide.js';

// ledger
export { type UsageRequest, sameContent } from './ledger/usageRequest.js';
export type { AllowanceStatus, Decision } from './ledger/decision.js';
export { BILL_AMOUNT_FIELDS, type Bill, type BillAmounts, type BillLine, type InputSummary } from './ledger/billLine.js';
export { type FinishOptions, type Ledger, type LedgerOptions, compareRequests, createLedger } from './ledger/ledger.js';
export {
  CompactLine,
  type CompactLedger,
  type CompactLedgerOptions,
  type CompactRequests,
  type CompactOutcome,
  createCompactLedger,
  sharesDecisions,
} from './ledger/compactLedger.js';
export { UnitSum } from './ledger/unitSum.js';
export { billRequests, type BillResult } from './ledger/billRequests.js';
export { billToJson, type BillAmountsJson, type BillJson } from './ledger/billJson.js';
export { sumBillLines } from './ledger/sumBillLines.js';
export { compareUtf8 } from './ledger/compareUtf8.js';
export {
  type Arrival,
  type PushOutcome,
  type ReorderBuffer,
  type ReorderBufferOptions,
  conflictingDuplicateReason,
  createReorderBuffer,
  lateArrivalReason,
} from './ledger/reorderBuffer.js';

// policy variants and audits
export { policyVariant, type ParameterOverrides, type VariantOptions } from './policy/policyVariant.js';
export { FINDING_KINDS, type Finding, type FindingKind, type WrongChargeKind } from './audit/findings.js';
export { INVOICE_COLUMNS, parseInvoiceRow, type BillField, type InvoiceLine, type InvoiceValue } from './audit/invoice.js';
export { moneyMatches, presented, type MoneyMatchOptions } from './audit/moneyMatch.js';
export {
  SUSPECT_ZONES,
  createAuditCollector,
  lineKey,
  type AuditCollector,
  type AuditCollectorOptions,
  type AuditEvidence,
  type LineAlternatives,
} from './audit/auditCollector.js';
export { reconcileInvoice, type AuditReport, type AuditSummary } from './audit/reconcile.js';
export { createCompactAuditCollector, type CompactAuditCollector, type CompactAuditOptions, type CompactAuditRequest } from './audit/compactAuditCollector.js';

// the online meter
export { decideRequest, placeRequest, validateRequest, type Placement } from './ledger/decideRequest.js';
export { toDecisionRecord, type DecisionRecord } from './meter/decisionRecord.js';
export { billFromRecords } from './meter/billFromRecords.js';
export type { CounterStep, MeterStore, RecordOutcome } from './meter/meterStore.js';
export { createMemoryStore } from './meter/memoryStore.js';
export { createMeter, type Meter, type MeterOptions } from './meter/meter.js';

// the policy compiled to SQL
export { SQL_DIALECTS, type SqlDialect, isSqlDialect } from './sql/sqlDialect.js';
export {
  BILL_SQL_COLUMNS,
  BILL_SQL_MONEY_COLUMNS,
  OPTIONAL_REQUEST_COLUMNS,
  REQUESTS_RELATION,
  REQUESTS_RELATION_COLUMNS,
  type OptionalRequestColumn,
  type RequestsRelationColumn,
  type SqlMoneyOutput,
} from './sql/requestsRelation.js';
export { type BillSqlOptions, compileBillQuery, compileBillSql } from './sql/compileBillSql.js';
export { sqlIdentifier, sqlString, unwritableSqlString } from './sql/sqlLiteral.js';
