import type { DuckDBConnection } from '@duckdb/node-api';
import { type Accounts, MAX_MONEY_FRACTION_DIGITS, Money, type Policy, Rate } from '@byok-billing/core';
import { DOLLARS_PIECE_DIGITS, billsTiers, compareUtf8, compileLineSumsQuery, feeScaleOf, pow10, tierRates } from '@byok-billing/core/internal';
import { REQUEST_NANOSECONDS, REQUESTS } from './arrivalsSql.js';
import { DuckdbRefusal } from './duckdbEngineErrors.js';

/*
 * The bill query sums in DuckDB's DECIMAL(38, s), which holds amounts below 10^(38 - s)
 * dollars; the default engine's sums have no limit. A line past that limit would stop
 * DuckDB mid-query with an overflow (a bug's exit code), so it is found before the query
 * runs and the log refused, naming the line, with exit code 2.
 */

/** What bounds every sum of the bill: the number of requests billed and their largest cost. */
export interface RequestsBound {
  readonly count: bigint;
  /** Undefined when no request is billed. */
  readonly maxCost: Money | undefined;
}

/** DuckDB's DECIMAL holds 38 digits; costs are summed at the log's scale (DECIMAL(38,12)). */
const DECIMAL_DIGITS = 38;
const COST_SCALE = MAX_MONEY_FRACTION_DIGITS;

/** The least amount a DECIMAL(38, scale) cannot hold: 10^(38 - scale) dollars. */
function decimalLimit(scale: number): Money {
  return new Money(pow10(DECIMAL_DIGITS - scale), 0);
}

/**
 * Refuses (exit code 2) a log with a bill line the compiled query cannot sum exactly:
 * its byok or platform costs reaching 10^26 dollars (DECIMAL(38,12)), or its total (fees
 * and list costs; its fees are part of it) reaching 10^(38 - the fee scale). Nearly
 * every log is let through by a bound alone (`boundFits`); only when the bound does not
 * fit are the lines summed exactly, in integer pieces that cannot overflow. The line
 * named is the first past a limit in the bill's order, whatever the order of the input.
 */
export async function refuseInexactSums(connection: DuckDBConnection, policy: Policy, accounts: Accounts | undefined, bound: RequestsBound): Promise<void> {
  const feeScale = feeScaleOf(policy, accounts);
  const tiers = tiersBound(policy, accounts);
  if (boundFits(policy, bound, feeScale, tiers)) return;
  const lines = await exactLineSums(connection, policy, accounts, tiers);
  for (const line of lines.sort((a, b) => compareUtf8(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))) {
    const refusal = lineRefusal(line, feeScale);
    if (refusal !== undefined) throw refusal;
  }
}

/**
 * Every sum of a line is at most the sum of all costs times the largest of 1 and the fee
 * rates, and that sum at most count × the largest cost: when that fits the tightest
 * limit (the fee scale's), every line fits.
 */
function boundFits(policy: Policy, bound: RequestsBound, feeScale: number, tiers: Rate | undefined): boolean {
  if (bound.maxCost === undefined) return true;
  const allCosts = new Money(bound.maxCost.units * bound.count, bound.maxCost.scale);
  const limit = decimalLimit(feeScale);
  if (allCosts.compare(limit) >= 0) return false;
  return tiers === undefined ? policy.versions.every((v) => allCosts.multiply(v.parameters.feeRate).compare(limit) < 0) : allCosts.multiply(tiers).compare(limit) < 0;
}

/**
 * A policy billed by tiers (docs/pricing-language.md): its largest rate, of every tier and
 * every account's fee_rate, or undefined for the shorthand's plain `cost × rate`. A request's
 * fee is at most its cost × that rate (its parts in the tiers add up to at most its cost),
 * so a line's fees, and every cumulative sum of them the cap is computed from, are at most
 * its fee-paying costs × that rate; the query also sums the scope-month's counted list
 * costs (list-usd tiers), at most all its costs.
 */
function tiersBound(policy: Policy, accounts: Accounts | undefined): Rate | undefined {
  if (!billsTiers(policy, accounts)) return undefined;
  return tierRates(policy, accounts).reduce((max, r) => (r.units * pow10(Math.max(max.scale - r.scale, 0)) > max.units * pow10(Math.max(r.scale - max.scale, 0)) ? r : max), new Rate(0n, 0));
}

/** A bill line's sums that DuckDB holds in a DECIMAL(38, s), exactly. */
interface LineSums {
  readonly scope: string;
  readonly period: string;
  byokCost: Money;
  platformCost: Money;
  /** Every cost of the line, whatever its route (a bound of the list-usd counter). */
  allCosts: Money;
  /** Fees plus list costs: total_usd. */
  total: Money;
}

/** The lines' sums, put together from compileLineSumsQuery's pieces with exact arithmetic. */
async function exactLineSums(connection: DuckDBConnection, policy: Policy, accounts: Accounts | undefined, tiers: Rate | undefined): Promise<LineSums[]> {
  const query = compileLineSumsQuery(policy, accounts, { dialect: 'duckdb', relation: REQUESTS, nanosecondColumn: REQUEST_NANOSECONDS });
  const lines = new Map<string, LineSums>();
  for (const row of (await connection.runAndReadAll(query)).getRowObjectsJson()) {
    const scope = String(row.scope);
    const period = String(row.period);
    const key = `${scope}\u0000${period}`;
    let line = lines.get(key);
    if (line === undefined) {
      line = { scope, period, byokCost: Money.ZERO, platformCost: Money.ZERO, allCosts: Money.ZERO, total: Money.ZERO };
      lines.set(key, line);
    }
    const dollars = BigInt(String(row.dollars_high)) * pow10(DOLLARS_PIECE_DIGITS) + BigInt(String(row.dollars_low));
    const cost = new Money(dollars * pow10(COST_SCALE) + BigInt(String(row.fraction_units)), COST_SCALE);
    if (row.route === 'byok') line.byokCost = line.byokCost.add(cost);
    if (row.route === 'platform') line.platformCost = line.platformCost.add(cost);
    // Only a query with list-usd counters sums costs across routes.
    if (tiers !== undefined) line.allCosts = line.allCosts.add(cost);
    // Tiers: a bound of the fees (never below them), not the fees themselves.
    if (row.charge === 'fee') line.total = line.total.add(cost.multiply(tiers ?? policy.versions[Number(row.version_index)]!.parameters.feeRate));
    if (row.charge === 'list') line.total = line.total.add(cost);
  }
  return [...lines.values()];
}

/** The refusal a line's sums call for, if any. */
function lineRefusal(line: LineSums, feeScale: number): DuckdbRefusal | undefined {
  const refuse = (what: string, scale: number) =>
    new DuckdbRefusal(
      'DUCKDB_SUM_TOO_LARGE',
      `scope ${shown(line.scope)}, period ${line.period}: ${what} reaches 10^${DECIMAL_DIGITS - scale} dollars, ` +
        `more than --engine duckdb holds exactly (DECIMAL(${DECIMAL_DIGITS},${scale})); bill this log with --engine js`,
    );
  const costLimit = decimalLimit(COST_SCALE);
  if (line.byokCost.compare(costLimit) >= 0 || line.platformCost.compare(costLimit) >= 0 || line.allCosts.compare(costLimit) >= 0) return refuse('the sum of its costs', COST_SCALE);
  if (line.total.compare(decimalLimit(feeScale)) >= 0) return refuse('the sum of its charges (fees and list costs)', feeScale);
  return undefined;
}

/** A scope as written when it reads unambiguously in the message, else quoted. */
function shown(scope: string): string {
  return /^[\x21-\x7e]+$/.test(scope) && !scope.includes(',') ? scope : JSON.stringify(scope);
}
