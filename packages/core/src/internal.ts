/**
 * @byok-billing/core/internal — the machinery the project's own packages build on: the
 * decision kernel's codes and tables, the compact ledger of the fast replay, the reorder
 * buffer, the audit collectors, the compiled rules and SQL literals. Not a stable API:
 * it changes with the engines, without a major version. Embedders use the package's
 * main entry (`@byok-billing/core`).
 */

// the decision kernel: one decision, on small integer codes and compiled tables
export { ABSENT, CHARGE_CODE, KEY_CODE, PLATFORM_CODE, ROUTE_CODE, routeIndex, routeIndexOfNames } from './kernel/codes.js';
export { type DecisionTerms, chargeIndex, decisionTerms, sameDecisions } from './kernel/decisionTerms.js';
export { type KernelOutcome, createKernelOutcome, decideOutcome } from './kernel/decide.js';

// compiled rules, routing and charging
export { RECORDED_ROUTE_RULE, ROUTING_FACT_DOMAIN, type Router, createRouter } from './routing/router.js';
export { CHARGE_FACT_DOMAIN, type Charger, createCharger } from './policy/charger.js';
export { type FeesDocument, feesDocument, readFees } from './policy/readFees.js';
export { type ScheduleContext, type ScheduleRuleTable, compileScheduleRules, createScheduleChooser } from './policy/scheduleChooser.js';
export { compileCondition, type CompiledCondition } from './rules/compileCondition.js';
export { compileRules, decide, type CompiledRule, type RuleDecision } from './rules/decisionTable.js';

// the fast replay's ledger, ordering and sums
export { type CompactLedger, type CompactLedgerOptions, type CompactLines, type CompactRequests, type CompactOutcome, createCompactLedger, sharesDecisions } from './ledger/compactLedger.js';
export { UnitSum } from './ledger/unitSum.js';
export { sumBillLines } from './ledger/sumBillLines.js';
export { compareUtf8 } from './ledger/compareUtf8.js';
export { type Arrival, type PushOutcome, type ReorderBuffer, type ReorderBufferOptions, conflictingDuplicateReason, createReorderBuffer, lateArrivalReason } from './ledger/reorderBuffer.js';
export { placeRequest, validateRequest, type Placement } from './ledger/decideRequest.js';
export { toDecisionRecord } from './meter/decisionRecord.js';

// the audit's collectors
export { SUSPECT_ZONES, createAuditCollector, lineKey, type AuditCollector, type AuditCollectorOptions, type AuditEvidence, type LineAlternatives } from './audit/auditCollector.js';
export { createCompactAuditCollector, type CompactAuditCollector, type CompactAuditOptions, type CompactAuditRequest } from './audit/compactAuditCollector.js';

// arithmetic, calendar and SQL literals
export { pow10 } from './money/money.js';
export { civilFromDays, daysFromCivil } from './time/instant.js';
export { sqlIdentifier, sqlString, unwritableSqlString } from './sql/sqlLiteral.js';
export { feeScaleOf } from './sql/billRowsSql.js';
export { billsTiers, tierRates } from './sql/tieredFeeSql.js';
export { DOLLARS_PIECE_DIGITS, type LineSumsSqlOptions, compileLineSumsQuery } from './sql/lineSumsSql.js';
export { type Bucket, type HourProfile, type HourSlot, type RemainingPiece, NS_PER_HOUR, bucketOf, buildHourProfile, hourSlots, instantNs, remainingPieces, slotCountsOf } from './forecast/hourProfile.js';
export { type ScopeMonthSoFar, projectScope } from './forecast/projectScope.js';
export { type ForecastDecision, ScopeMonthCollector } from './forecast/forecastCollector.js';
export { remainderFee } from './forecast/remainderFee.js';
