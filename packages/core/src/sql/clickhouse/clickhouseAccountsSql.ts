import { type AccountSettings, type Accounts, freeBoundOf } from '../../accounts/accounts.js';
import { Money } from '../../money/money.js';
import type { FeeUnit } from '../../policy/feeTerms.js';
import { sqlString } from '../sqlLiteral.js';
import { LIST_USD_TYPE, capLiteral } from '../tieredFeeSql.js';

/** The contract terms a query billing tiers reads (as accountsSql's `AccountTermsSql`). */
export interface ClickhouseAccountTerms {
  readonly units: readonly FeeUnit[];
  readonly rateType: string;
  readonly feeScale: number;
}

/**
 * The accounts file as lookups by scope, for ClickHouse: `transform()` finds a scope's
 * account number (a hash lookup, 0 for none) and each setting is read from an array of
 * literals by that number (`[…][0]` is the type's default: '' , -1 or NULL, the policy's).
 * No join: ClickHouse 18.16 allows one JOIN per SELECT and its joins need settings to
 * give NULL for a missing row. Every value goes through `sqlString`.
 */
export class ClickhouseAccountsSql {
  private readonly scopes: string[] = [];
  private readonly settings: (AccountSettings | undefined)[] = [];

  constructor(
    accounts: Accounts | undefined,
    private readonly terms: ClickhouseAccountTerms | undefined,
  ) {
    for (const [scope, settings] of accounts ?? []) {
      // Refuses, as the ledgers do, a free_requests read in dollars for a policy that also counts requests.
      for (const unit of terms?.units ?? []) freeBoundOf(settings, unit);
      this.scopes.push(scope);
      this.settings.push(settings);
    }
  }

  /** The account number of the scope expression `scope` (1-based; 0: no account). */
  indexOf(scope: string): string {
    if (this.scopes.length === 0) return 'toUInt32(0)';
    const numbers = this.scopes.map((_, i) => String(i + 1));
    return `transform(${scope}, [${this.scopes.map((s) => sqlString(s, 'clickhouse')).join(', ')}], [${numbers.join(', ')}], toUInt32(0))`;
  }

  /** The failover mode of account number `index` ('' for none). */
  failoverMode(index: string): string {
    return this.lookup(index, (s) => (s?.failoverMode === undefined ? "''" : sqlString(s.failoverMode, 'clickhouse')), "''");
  }

  /** free_requests of account number `index`, Nullable(Int64) (NULL: the policy's). */
  freeRequests(index: string): string {
    return `nullIf(${this.lookup(index, (s) => `toInt64(${s?.freeRequests ?? -1})`, 'toInt64(-1)')}, -1)`;
  }

  /** free_requests in dollars (list-usd tiers), Nullable(Decimal(38,12)). */
  freeUsd(index: string): string {
    return this.nullable(index, LIST_USD_TYPE, (s) => {
      const usd = s?.freeUsd ?? (s?.freeRequests === undefined ? undefined : new Money(BigInt(s.freeRequests), 0));
      return usd === undefined ? undefined : `CAST(${sqlString(usd.toString(), 'clickhouse')} AS ${LIST_USD_TYPE})`;
    });
  }

  /** fee_rate, Nullable at the rate type. */
  feeRate(index: string): string {
    const type = this.terms!.rateType;
    return this.nullable(index, type, (s) => (s?.feeRate === undefined ? undefined : `CAST(${sqlString(s.feeRate.toString(), 'clickhouse')} AS ${type})`));
  }

  /** fee_cap_usd, Nullable at the fee type. */
  feeCap(index: string): string {
    const scale = this.terms!.feeScale;
    return this.nullable(index, `DECIMAL(38,${scale})`, (s) => (s?.feeCapUsd === undefined ? undefined : capLiteral(s.feeCapUsd, scale, 'clickhouse')));
  }

  private nullable(index: string, type: string, valueOf: (s: AccountSettings | undefined) => string | undefined): string {
    const nullableType = `Nullable(${type.replace('DECIMAL', 'Decimal')})`;
    const none = `CAST(NULL AS ${nullableType})`;
    return this.lookup(index, (s) => {
      const value = valueOf(s);
      return value === undefined ? none : `CAST(${value} AS ${nullableType})`;
    }, none);
  }

  private lookup(index: string, valueOf: (s: AccountSettings | undefined) => string, none: string): string {
    if (this.scopes.length === 0) return none;
    const values = this.settings.map(valueOf);
    if (values.every((v) => v === none)) return none;
    // Index 0 (no account) would read the type's default (0 for a number): say `none` instead.
    return `if(${index} = 0, ${none}, arrayElement([${values.join(', ')}], ${index}))`;
  }
}
