/**
 * The ClickHouse engine's pieces that need no server: how a request becomes a row of the
 * table (TabSeparated, read back exactly), what the table cannot hold, how the target
 * options are checked, how the spool is cut into INSERT batches, and how the shards' bill
 * lines are merged (a scope and period on two shards refused, never added up).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type BillLine, Money, type UsageRequest, parseMoney } from '@byok-billing/core';
import { ClickhouseRefusal, clickhouseFailure, serverMessage } from '../src/engines/clickhouse/clickhouseErrors.js';
import { clickhouseTarget } from '../src/engines/clickhouse/clickhouseOptions.js';
import { lineBatches } from '../src/engines/clickhouse/insertRows.js';
import { costFits, epochNanoseconds, requestRowTsv, tsvField } from '../src/engines/clickhouse/requestRowTsv.js';
import { REQUEST_COLUMNS, createRequestsTableSql } from '../src/engines/clickhouse/requestsTable.js';
import { RowSpool } from '../src/engines/clickhouse/rowSpool.js';
import { mergeShardLines } from '../src/engines/clickhouse/shardLines.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-clickhouse-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ClickHouse's TabSeparated reading of an escaped field (its escape sequences), as the server does it. */
function readTsvField(text: string): string {
  const escapes: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\u0000', b: '\b', f: '\f' };
  return text.replace(/\\(.)/gs, (_, c: string) => escapes[c] ?? c);
}

const request = (over: Partial<UsageRequest> = {}): UsageRequest => ({
  requestId: 'r1',
  instant: { epochMs: 1_759_276_800_123, nanos: 456_789 },
  userId: 'u1',
  orgId: 'acme',
  model: 'm',
  provider: 'p',
  cost: parseMoney('0.000000000001'),
  keyResult: 'ok',
  platformResult: undefined,
  recordedRoute: undefined,
  ...over,
});

describe('a request as a row of the table', () => {
  it('escapes a string so that TabSeparated reads it back exactly (round trip)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const field = tsvField(text);
        expect(field).not.toMatch(/[\t\n\r\u0000]/);
        expect(readTsvField(field)).toBe(text);
      }),
    );
  });

  it('writes the columns in the table\'s order: epoch nanoseconds, exact cost text, absent values empty, the scope last', () => {
    const line = requestRowTsv(request({ orgId: undefined, model: undefined, provider: undefined, userId: 'a\tb' }), 1_759_276_800_123_456_789n, 'user:a\tb');
    expect(line).toBe('r1\t1759276800123456789\ta\\tb\t\t\t\t0.000000000001\tok\t\t\tuser:a\\tb\n');
    expect(line.slice(0, -1).split('\t')).toHaveLength(REQUEST_COLUMNS.length);
  });

  it('carries the instant to the nanosecond, refusing what Int64 nanoseconds cannot hold', () => {
    expect(epochNanoseconds(request())).toBe(1_759_276_800_123_456_789n);
    expect(epochNanoseconds(request({ instant: { epochMs: -1, nanos: 999_999 } }))).toBe(-1n);
    expect(epochNanoseconds(request({ instant: { epochMs: 9_223_372_036_854, nanos: 775_807 } }))).toBe(2n ** 63n - 1n);
    expect(epochNanoseconds(request({ instant: { epochMs: 9_223_372_036_854, nanos: 775_808 } }))).toBeUndefined();
    expect(epochNanoseconds(request({ instant: { epochMs: -9_223_372_036_855, nanos: 0 } }))).toBeUndefined();
  });

  it('takes amounts below 10^26 dollars (what Decimal(38,12) holds), and no larger one', () => {
    expect(costFits(request({ cost: parseMoney('99999999999999999999999999.999999999999') }))).toBe(true);
    expect(costFits(request({ cost: parseMoney('100000000000000000000000000') }))).toBe(false);
    expect(costFits(request({ cost: new Money(0n, 0) }))).toBe(true);
  });

  it('creates the table the compiled query reads, ordered by scope', () => {
    expect(createRequestsTableSql('t')).toBe(
      'CREATE TABLE IF NOT EXISTS t (request_id String, timestamp Int64, user_id String, org_id String, model String, provider String, ' +
        'cost_usd Decimal(38, 12), key_result String, platform_result String, route String, scope String) ENGINE = MergeTree ORDER BY (scope, timestamp, request_id)',
    );
  });
});

describe('the target options', () => {
  const refusal = (options: Parameters<typeof clickhouseTarget>[0]) => {
    try {
      clickhouseTarget(options);
    } catch (error) {
      expect(error).toBeInstanceOf(ClickhouseRefusal);
      return (error as Error).message;
    }
    throw new Error('not refused');
  };

  it('takes one URL, or several with a cluster', () => {
    expect(clickhouseTarget({ url: ['http://h:8123'] })).toEqual({ urls: ['http://h:8123'], table: undefined, cluster: undefined });
    expect(clickhouseTarget({ url: ['http://a:8123', 'http://b:8123'], cluster: 'c_1', table: 'T_2' }).urls).toHaveLength(2);
  });

  it('refuses no URL, a non-HTTP URL, a URL twice, several without --cluster, and names that would need quoting', () => {
    expect(refusal({})).toMatch(/needs --url/);
    expect(refusal({ url: ['localhost:8123'] })).toMatch(/http/);
    expect(refusal({ url: ['nonsense'] })).toMatch(/not a URL/);
    expect(refusal({ url: ['http://a:1', 'http://a:1'], cluster: 'c' })).toMatch(/twice/);
    expect(refusal({ url: ['http://a:1', 'http://b:1'] })).toMatch(/without --cluster/);
    for (const name of ['1t', 'a-b', 't; DROP TABLE x', '`t`', "t'", '']) expect(refusal({ url: ['http://a:1'], table: name })).toMatch(/--table/);
    expect(refusal({ url: ['http://a:1'], cluster: 'c d' })).toMatch(/--cluster/);
  });
});

describe('errors from the server', () => {
  const other = (message: string) => new Error(`other: ${message}`);

  it('reads the server\'s own text out of 18.16\'s wrapping', () => {
    expect(serverMessage(new Error("Code: 60, e.displayText() = DB::Exception: Table default.x doesn't exist., e.what() = DB::Exception\n"))).toBe("Table default.x doesn't exist.");
  });

  it('gives the query\'s own refusal (byok: …) as a refusal with its text, an unreachable server as a refusal naming the URL, anything else to `other`', () => {
    const byok = clickhouseFailure(new Error('Code: 395, e.displayText() = DB::Exception: byok: a sum passes 38 digits (scope org:a), e.what() = DB::Exception'), 'http://h:1', other);
    expect(byok).toBeInstanceOf(ClickhouseRefusal);
    expect(byok.message).toBe('a sum passes 38 digits (scope org:a) (ClickHouse at http://h:1)');
    const cast = clickhouseFailure(
      new Error("Code: 6, e.displayText() = DB::Exception: Cannot parse string 'byok: timestamp is outside 1970-01-01 to 2106-02-07 (request_id it's)' as Int32: syntax error at begin of string. Note: there are toInt32OrZero and toInt32OrNull functions, which returns zero/NULL instead of throwing exception., e.what() = DB::Exception"),
      'http://h:1',
      other,
    );
    expect(cast).toBeInstanceOf(ClickhouseRefusal);
    expect(cast.message).toBe("timestamp is outside 1970-01-01 to 2106-02-07 (request_id it's) (ClickHouse at http://h:1)");
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(clickhouseFailure(refused, 'http://h:1', other).message).toBe('--url http://h:1: ClickHouse cannot be reached (connect ECONNREFUSED 127.0.0.1:1)');
    expect(clickhouseFailure(new Error('Code: 1, e.displayText() = DB::Exception: boom'), 'http://h:1', other).message).toBe('other: http://h:1: boom');
    const overflow = clickhouseFailure(new Error('Code: 407, e.displayText() = DB::Exception: Decimal math overflow, e.what() = DB::Exception'), 'http://h:1', other);
    expect(overflow).toBeInstanceOf(ClickhouseRefusal);
    expect(overflow.message).toMatch(/too large for ClickHouse's exact Decimal\(38\) arithmetic .*--engine js/);
  });
});

describe('INSERT batches', () => {
  it('cut the spool at line ends only, and together are the whole file', async () => {
    const lines = Array.from({ length: 1000 }, (_, k) => `row ${k}\t${'x'.repeat(2000 + (k % 37))}\n`);
    const path = join(dir, 'rows.tsv');
    writeFileSync(path, lines.join(''));
    for (const size of [1, 100, 4096, 1 << 20]) {
      const batches: string[] = [];
      for await (const batch of lineBatches(path, size)) batches.push(batch.toString('utf8'));
      expect(batches.join('')).toBe(lines.join(''));
      for (const batch of batches) expect(batch.endsWith('\n')).toBe(true);
      if (size === 4096) expect(batches.length).toBeGreaterThan(1);
    }
  });

  it('are read from a spool that starts afresh on reset (a replay that starts again)', async () => {
    const spool = new RowSpool(dir);
    try {
      spool.write('a\n');
      spool.flush();
      spool.reset();
      spool.write('b\n');
      spool.write(`${'c'.repeat(1 << 20)}\n`);
      spool.flush();
      const batches: Buffer[] = [];
      for await (const batch of lineBatches(spool.path, 1 << 22)) batches.push(batch);
      expect(Buffer.concat(batches).toString()).toBe(`b\n${'c'.repeat(1 << 20)}\n`);
      expect(spool.rows).toBe(2);
    } finally {
      spool.dispose();
      spool.dispose();
    }
  });
});

describe('the shards\' bill lines', () => {
  const line = (scope: string, period: string, byok = 1): BillLine => ({
    scope,
    period,
    byokRequests: byok,
    freeRequests: byok,
    billableRequests: 0,
    byokCostUsd: parseMoney('1'),
    feeUsd: parseMoney('0'),
    platformRequests: 0,
    platformCostUsd: parseMoney('0'),
    failedRequests: 0,
    totalUsd: parseMoney('0'),
  });

  it('merge into FORMATS.md\'s order (scope by UTF-8 bytes, then period)', () => {
    const merged = mergeShardLines([
      { url: 'a', lines: [line('user:b', '2025-11'), line('org:\u{1F600}', '2025-10')] },
      { url: 'b', lines: [line('user:b', '2025-10'), line('org:\uFFFD', '2025-10')] },
    ]);
    expect(merged.map((l) => `${l.scope} ${l.period}`)).toEqual(['org:\uFFFD 2025-10', 'org:\u{1F600} 2025-10', 'user:b 2025-10', 'user:b 2025-11']);
  });

  it('refuse a scope and period that two shards return, naming them, never adding them up', () => {
    expect(() => mergeShardLines([{ url: 'http://a', lines: [line('org:acme', '2025-10')] }, { url: 'http://b', lines: [line('org:acme', '2025-11'), line('org:acme', '2025-10', 2)] }])).toThrow(
      /scope "org:acme", period 2025-10 has rows on two shards \(http:\/\/a and http:\/\/b\)/,
    );
  });
});
