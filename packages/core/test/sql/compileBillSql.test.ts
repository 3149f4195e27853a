import { describe, expect, it } from 'vitest';
import { SQL_DIALECTS, compileBillQuery, compileBillSql, defaultPolicy, defaultPolicyDocument, loadPolicy, parseAccounts } from '@byok-billing/core';

/*
 * The compiler's text, without an engine (the engines run it in test/sqlCompiler.test.ts
 * and test/sqlDifferential.test.ts).
 */

describe('compileBillSql', () => {
  it('is a pure function of policy, accounts and options: the same input gives the same script', () => {
    const accounts = parseAccounts([{ scope: 'org:acme', failover_mode: 'strict', free_requests: '5' }]);
    for (const dialect of SQL_DIALECTS) {
      expect(compileBillSql(defaultPolicy(), accounts, { dialect })).toBe(compileBillSql(defaultPolicy(), accounts, { dialect }));
    }
  });

  it('is one statement: a header of comments, one query, one semicolon at the end', () => {
    const script = compileBillSql(defaultPolicy(), undefined, { dialect: 'postgres' });
    const query = compileBillQuery(defaultPolicy(), undefined, { dialect: 'postgres' });
    expect(script.endsWith(`${query};\n`)).toBe(true);
    expect(script.slice(0, script.length - query.length - 2).split('\n').filter(Boolean).every((line) => line.startsWith('-- '))).toBe(true);
    expect(query.split('\n').filter((line) => !line.trimStart().startsWith('--')).join('\n')).not.toContain(';');
  });

  it('never uses floating point: money is DECIMAL at scale 12 (costs) and 12 + the rate scale (fees)', () => {
    const policy = loadPolicy({ ...structuredClone(defaultPolicyDocument), parameters: { ...defaultPolicyDocument.parameters, feeRate: '0.123456789012' } });
    for (const dialect of SQL_DIALECTS) {
      const sql = compileBillQuery(policy, undefined, { dialect });
      expect(sql).not.toMatch(/\b(DOUBLE|FLOAT|REAL)\b/i);
      expect(sql).toContain('DECIMAL(38,12)');
      expect(sql).toContain('DECIMAL(38,24)');
      // ClickHouse gets every DECIMAL at precision 38 (18.16 scales a narrower left operand wrongly).
      expect(sql).toContain(dialect === 'clickhouse' ? "CAST('0.123456789012' AS DECIMAL(38,12))" : "CAST('0.123456789012' AS DECIMAL(12,12))");
    }
  });

  it('folds parameters the versions share; the one that differs (the allowance) becomes a CASE on the version', () => {
    const sql = compileBillQuery(defaultPolicy(), undefined, { dialect: 'duckdb' });
    expect(sql).toContain('CASE WHEN version_index = 0 THEN 0 ELSE COALESCE(a.free_requests, 1000000) END AS allowance');
    expect(sql).toContain("COALESCE(a.failover_mode, 'fallback') AS failover_mode");
    expect(sql).toContain("strftime((instant AT TIME ZONE 'UTC'), '%Y-%m') AS period");
  });

  it('writes each dialect its own collation, period and error expressions', () => {
    const duck = compileBillQuery(defaultPolicy(), undefined, { dialect: 'duckdb' });
    const pg = compileBillQuery(defaultPolicy(), undefined, { dialect: 'postgres' });
    const ansi = compileBillQuery(defaultPolicy(), undefined, { dialect: 'ansi' });
    expect(duck).toContain('ORDER BY instant, request_id COLLATE "binary"');
    expect(pg).toContain('ORDER BY instant, request_id COLLATE "C"');
    expect(ansi).toContain('ORDER BY instant, request_id)');
    expect(ansi).not.toContain('COLLATE');
    expect(duck).toContain('CAST(error(');
    expect(pg).not.toContain('error(');
    expect(pg).toContain("to_char((instant AT TIME ZONE 'UTC'), 'YYYY-MM')");
    expect(ansi).toContain("EXTRACT(MONTH FROM (instant AT TIME ZONE 'UTC'))");
  });

  it('with a nanosecond column, orders by the instant, then its nanoseconds, then request_id, and compares them in duplicates', () => {
    for (const dialect of SQL_DIALECTS.filter((d) => d !== 'clickhouse')) {
      const sql = compileBillQuery(defaultPolicy(), undefined, { dialect, nanosecondColumn: 'ts "ns"' });
      expect(sql).toContain('"timestamp" AS instant, "ts ""ns""" AS instant_nanos');
      expect(sql).toContain('SELECT DISTINCT request_id, instant, instant_nanos,');
      expect(sql).toMatch(/ORDER BY instant, instant_nanos, request_id/);
      expect(sql).toContain('WHEN instant_nanos IS NULL OR instant_nanos < 0 OR instant_nanos > 999 THEN');
      expect(compileBillQuery(defaultPolicy(), undefined, { dialect })).not.toContain('instant_nanos');
    }
    expect(() => compileBillSql(defaultPolicy(), undefined, { dialect: 'duckdb', nanosecondColumn: '' })).toThrow(/not a usable SQL identifier/);
    // ClickHouse's instants are Int64 nanoseconds already.
    expect(() => compileBillSql(defaultPolicy(), undefined, { dialect: 'clickhouse', nanosecondColumn: 'ns' })).toThrow(/takes no nanosecond column/);
  });

  it('refuses an unknown dialect or optional column (untyped callers)', () => {
    expect(() => compileBillSql(defaultPolicy(), undefined, { dialect: 'mysql' as never })).toThrow(/unknown SQL dialect/);
    expect(() => compileBillSql(defaultPolicy(), undefined, { dialect: 'duckdb', absentColumns: ['cost_usd' as never] })).toThrow(/not an optional column/);
  });
});
