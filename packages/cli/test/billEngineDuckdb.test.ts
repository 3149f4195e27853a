/**
 * `byok bill --engine duckdb` must give what the default engine gives with the whole input
 * in view (`--sort`): the same bill in every format, the same input accounting, the same
 * refused rows with the same file, line, column and reason, in the same order, the same
 * warnings and exit codes. Plus what only the SQL engine reads: Parquet, globs, logs in
 * any order.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicy, defaultPolicyDocument, policyVariant } from '@byok-billing/core';
import { byok } from '../../../test/support/runByok.js';
import { billWith, bothEngines } from './support/engineParity.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-engine-duckdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function file(content: string | Buffer, ext = '.csv'): string {
  const path = join(dir, `log-${++fileCount}${ext}`);
  writeFileSync(path, content);
  return path;
}
const rejectsPath = () => join(dir, `rejects-${++fileCount}.csv`);

/** The two engines agree on everything a user sees, with and without --rejects. */
async function expectSameAsDefault(args: readonly string[], stdin?: string) {
  const runs = await bothEngines(args, rejectsPath(), stdin);
  expect(runs.duckdb).toEqual(runs.js);
  expect(runs.duckdbRejecting).toEqual(runs.jsRejecting);
  return runs;
}

async function sql(statement: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(statement);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const HEADER = 'request_id,timestamp,user_id,org_id,cost_usd,key_result';
const GOOD = 'r1,2025-10-05T10:00:00Z,alice,,0.25,ok';

describe('--engine duckdb refuses rows as the default engine does', () => {
  /** Each bad row: where both engines must stop (or, with --rejects, what they must write). */
  const BAD_ROWS: readonly [string, string][] = [
    ['negative cost', 'r2,2025-10-05T11:00:00Z,alice,,-0.5,ok'],
    ['cost with an exponent', 'r2,2025-10-05T11:00:00Z,alice,,1e-3,ok'],
    ['cost with 13 fractional digits', 'r2,2025-10-05T11:00:00Z,alice,,0.0000000000001,ok'],
    ['cost without digits before the point', 'r2,2025-10-05T11:00:00Z,alice,,.5,ok'],
    ['cost without digits after the point', 'r2,2025-10-05T11:00:00Z,alice,,5.,ok'],
    ['cost with a space', 'r2,2025-10-05T11:00:00Z,alice,, 5,ok'],
    ['timestamp without offset', 'r2,2025-10-05T11:00:00,alice,,0.5,ok'],
    ['impossible date', 'r2,2025-02-30T11:00:00Z,alice,,0.5,ok'],
    ['29 February of a common year', 'r2,2025-02-29T11:00:00Z,alice,,0.5,ok'],
    ['hour 24', 'r2,2025-10-05T24:00:00Z,alice,,0.5,ok'],
    ['second 60', 'r2,2025-10-05T23:59:60Z,alice,,0.5,ok'],
    ['offset beyond 18:00', 'r2,2025-10-05T11:00:00+18:01,alice,,0.5,ok'],
    ['offset minute 60', 'r2,2025-10-05T11:00:00+05:60,alice,,0.5,ok'],
    ['a three-digit offset', 'r2,2025-10-05T11:00:00+053,alice,,0.5,ok'],
    ['ten fractional digits', 'r2,2025-10-05T11:00:00.1234567891Z,alice,,0.5,ok'],
    ['a fraction without seconds', 'r2,2025-10-05T11:00.5Z,alice,,0.5,ok'],
    ['a date alone', 'r2,2025-10-05,alice,,0.5,ok'],
    ['epoch milliseconds out of range', 'r2,99999999999999999,alice,,0.5,ok'],
    ['epoch milliseconds before year 0', 'r2,-62167219200001,alice,,0.5,ok'],
    ['unknown key_result', 'r2,2025-10-05T11:00:00Z,alice,,0.5,OK'],
    ['neither key_result nor route', 'r2,2025-10-05T11:00:00Z,alice,,0.5,'],
    ['same request_id, different content', 'r1,2025-10-05T10:00:00Z,alice,,0.26,ok'],
    ['wrong number of fields', 'r2,2025-10-05T11:00:00Z,alice,0.5,ok'],
    ['too many fields', 'r2,2025-10-05T11:00:00Z,alice,,0.5,ok,extra'],
    // catches: DuckDB's reader writes one reject per missing or extra field, counted as that many rows.
    ['three fields missing', 'r2,2025-10-05T11:00:00Z,alice'],
    ['three fields too many', 'r2,2025-10-05T11:00:00Z,alice,,0.5,ok,x,y,z'],
    ['empty user_id', 'r2,2025-10-05T11:00:00Z,,,0.5,ok'],
    ['empty request_id', ',2025-10-05T11:00:00Z,alice,,0.5,ok'],
    ['an unterminated quote', 'r2,"2025-10-05T11:00:00Z,alice,,0.5,ok'],
    ['a quote inside a field', 'r2,2025-10-05T11:00:00Z,al"ic"e,,0.5,ok'],
  ];
  for (const [name, row] of BAD_ROWS) {
    it(`${name}: same exit code, message (file, line, column) and rejects file`, async () => {
      const runs = await expectSameAsDefault([file(`${HEADER}\n${GOOD}\n${row}\n`), '--format', 'json']);
      expect(runs.duckdb.code).toBe(2);
      expect(runs.duckdb.stderr).toMatch(/log-\d+\.csv, line 3/);
    });
  }

  it('accepts what the default engine accepts: every timestamp form, plain decimals, a repeat with a trailing zero', async () => {
    const rows = [
      'a1,2025-10-05T11:00:00+05:30,u,,0.5,ok',
      'a2,2025-10-05T11:00:00-0530,u,,0.50,ok',
      'a3,2025-10-05T11:00:00+05,u,,007,ok',
      'a4,2025-10-05t11:00z,u,,0.000000000001,ok',
      'a5,2025-10-05 11:00:00.5Z,u,,0,none',
      'a6,"2025-10-05T11:00:00,123456Z",u,,1,rate_limited',
      'a7,1759276800000,u,,0.1,error',
      'a8,-1,u,,0.1,ok',
      'a9,0000-01-01T00:00:00Z,u,,0.1,ok',
      'a10,9999-11-30T23:59:59.999999999Z,u,,0.1,ok',
      'a11,2024-02-29T00:00:00Z,u,,0.1,ok',
      'a12,2025-10-05T11:00:00+18:00,u,acme,0.1,ok',
      'a1,2025-10-05T05:30:00Z,u,,0.50,ok',
    ];
    const runs = await expectSameAsDefault([file(`${HEADER}\n${rows.join('\n')}\n`), '--format', 'json']);
    expect(runs.duckdb.code, runs.duckdb.stderr).toBe(0);
    expect(JSON.parse(runs.duckdb.stdout).input).toEqual({ rows: 13, accepted: 12, rejected: 0, duplicates: 1 });
  });

  it('a messy export: BOM, CRLF, blank lines, quoted commas, quotes and line breaks, an unknown column', async () => {
    const text =
      '\uFEFF\r\n\r\nrequest_id,note,timestamp,user_id,cost_usd,key_result\r\n' +
      'm1,"a, b",2025-10-05T10:00:00Z,u,0.1,ok\r\n\r\n' +
      'm2,"said ""hi""\r\nthen left",2025-10-05T10:00:01Z,u,0.1,ok\r\n' +
      'm1,"a, b",2025-10-05T10:00:00Z,u,0.10,ok\r\n' +
      'm3,x,2025-10-05T10:00:02Z,u,nope,ok\r\n';
    const runs = await expectSameAsDefault([file(text), '--format', 'json']);
    expect(runs.duckdbRejecting.stderr).toContain('ignoring unknown column "note"');
    expect(runs.duckdbRejecting.rejects).toContain(',9,5,cost_usd,');
  });

  it('files DuckDB reads otherwise are read through byok\'s reader: mixed line ends, invalid UTF-8', async () => {
    const mixed = file('request_id,timestamp,user_id,cost_usd,key_result\nq1,2025-10-05T10:00:00Z,u,0.1,ok\n"q2",2025-10-05T10:00:00Z,"u",0.1,ok\r\nq3,2025-10-05T10:00:00Z,u,0.1,ok\r\n');
    const latin1 = file(Buffer.concat([Buffer.from('request_id,timestamp,user_id,cost_usd,key_result\nq1,2025-10-05T10:00:00Z,u'), Buffer.from([0xff, 0xfe]), Buffer.from(',0.1,ok\nq2,bad,u,0.1,ok\n')]));
    for (const path of [mixed, latin1]) {
      const runs = await expectSameAsDefault([path, '--format', 'json']);
      expect(runs.duckdbRejecting.code, runs.duckdbRejecting.stderr).toBe(0);
    }
  });

  it('several files are one log: conflicts and duplicates across files, errors in file order', async () => {
    const a = file('request_id,timestamp,user_id,model,cost_usd,key_result\nx1,2025-10-05T10:00:00Z,u,m,0.25,ok\nx2,2025-10-05T10:00:01Z,u,m,0.25,ok\nx1,2025-10-05T10:00:00Z,u,m,0.250,ok\nx2,2025-10-05T10:00:01Z,u,m2,0.25,ok\n');
    const b = file('cost_usd,timestamp,user_id,key_result,request_id\n0.25,2025-10-05T10:00:01Z,u,ok,x2\n0.1,2025-10-05T09:00:00Z,u,ok\n0.3,2025-10-05T08:00:00Z,u,ok,x3\n');
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const runs = await expectSameAsDefault([...order, '--format', 'json']);
      expect(runs.duckdbRejecting.rejects).toContain('was already seen at');
    }
  });

  it('a header without the required columns stops the run at its file, after the files before it', async () => {
    const good = file(`${HEADER}\n${GOOD}\nr9,2025-10-05T10:00:00Z,bob,,x,ok\n`);
    const bad = file('request_id,user_id\nr1,u\n');
    await expectSameAsDefault([good, bad, '--format', 'json']);
    await expectSameAsDefault([bad, good, '--format', 'json']);
  });

  it('empty files, a header alone, gzip, standard input', async () => {
    const gz = file(gzipSync(Buffer.from(`${HEADER}\nz1,2025-10-05T10:00:00Z,u,,0.1,ok\n`)), '.csv.gz');
    const runs = await expectSameAsDefault([file(''), file(`${HEADER}\n`), gz, '-', '--format', 'json'], `${HEADER}\nz2,2025-10-05T10:00:00Z,u,,0.2,ok\n`);
    expect(JSON.parse(runs.duckdb.stdout).input.accepted).toBe(2);
    await expectSameAsDefault([file(gzipSync(Buffer.from(`${HEADER}\n${GOOD}\n`.repeat(50))).subarray(0, 40), '.csv.gz')]);
  });

  it('requests before the policy\'s first version are refused after duplicates are counted, in allowance order', async () => {
    const document = structuredClone(defaultPolicy().document) as { id: string; versions: { effectiveFrom?: string }[] };
    document.id = 'late-start';
    document.versions = document.versions.slice(1);
    const policy = file(JSON.stringify(document), '.json');
    const log = file(`${HEADER},route\np1,2025-09-30T23:00:00Z,u,,0.1,ok,\np2,2025-10-01T00:00:00Z,u,,0.1,ok,\np0,2025-09-01T00:00:00Z,u,,0.1,ok,\np1,2025-09-30T23:00:00Z,u,,0.10,ok,\np3,2025-10-02T00:00:00Z,u,acme,0.1,ok,platform\n`);
    const runs = await expectSameAsDefault([log, '--policy', policy, '--format', 'json']);
    expect(runs.duckdb.stderr).toContain("before the policy's first version");
    expect(JSON.parse(runs.duckdbRejecting.stdout).input).toEqual({ rows: 5, accepted: 2, rejected: 2, duplicates: 1 });
    // A recorded route unlike the derived one is counted and noted as the default engine does.
    expect(runs.duckdbRejecting.stderr).toContain('1 request(s) have a recorded route that differs');
    await expectSameAsDefault([log, '--policy', policy, '--format', 'table']);
  });
});

/** A log's bytes: text as UTF-8, number arrays as raw bytes (which need not be UTF-8). */
function logOf(...parts: readonly (string | readonly number[])[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));
}

/** A data row (HEADER's columns) of exactly `bytes` bytes, its user id the padding; `quoted` writes that id in quotes. */
function rowOfLength(id: string, bytes: number, quoted = false): string {
  const row = (user: string) => `${id},2025-10-05T11:00:00Z,${quoted ? `"${user}"` : user},,0.25,ok`;
  return row('m'.repeat(bytes - row('').length));
}

describe('--engine duckdb refuses records as read as the default engine does: not UTF-8, past --max-line-bytes', () => {
  it('users al\\xffice and al\\xfeice: two refused rows, not one user sharing one allowance', async () => {
    const path = file(logOf(`${HEADER}\n${GOOD}\nr2,2025-10-05T10:00:01Z,al`, [0xff], 'ice,,0.25,ok\nr3,2025-10-05T10:00:02Z,al', [0xfe], 'ice,,0.25,ok\n'));
    const runs = await expectSameAsDefault([path, '--format', 'json']);
    expect(runs.duckdb.code).toBe(2);
    expect(runs.duckdb.stderr).toContain(`${path}, line 3, column 3 (user_id): not valid UTF-8 (byte 0xff at position 3)`);
    expect(JSON.parse(runs.duckdbRejecting.stdout).input).toEqual({ rows: 3, accepted: 1, rejected: 2, duplicates: 0 });
    expect(runs.duckdbRejecting.rejects).toContain(',4,3,user_id,not valid UTF-8 (byte 0xfe at position 3),"r3,2025-10-05T10:00:02Z,al\\xfeice,,0.25,ok"');
  });

  it('request ids r\\xff and r\\xfe, otherwise the same row: two refused rows, not a duplicate', async () => {
    const path = file(logOf(`${HEADER}\n${GOOD}\nr`, [0xff], ',2025-10-05T10:00:02Z,bob,,0.25,ok\nr', [0xfe], ',2025-10-05T10:00:02Z,bob,,0.25,ok\n'));
    const runs = await expectSameAsDefault([path, '--format', 'json']);
    expect(runs.duckdb.code).toBe(2);
    expect(runs.duckdb.stderr).toContain(`${path}, line 3, column 1 (request_id): not valid UTF-8 (byte 0xff at position 2)`);
    expect(JSON.parse(runs.duckdbRejecting.stdout).input).toEqual({ rows: 3, accepted: 1, rejected: 2, duplicates: 0 });
  });

  it('bytes that are not UTF-8 anywhere: an unknown column, a quoted field over two lines, a row with too few fields, gzip', async () => {
    const header = 'request_id,note,timestamp,user_id,cost_usd,key_result';
    const text = logOf(
      `${header}\nn1,ok,2025-10-05T10:00:00Z,u,0.1,ok\nn2,`, [0xc3, 0x28], ',2025-10-05T10:00:01Z,u,0.1,ok\n',
      'n3,"a\nb', [0xed, 0xa0, 0x80], '",2025-10-05T10:00:02Z,u,0.1,ok\n',
      'n4,x,2025-10-05T10:00:03Z,u', [0xe2, 0x82], '\n',
      'n\\5,"q""', [0x80], '",2025-10-05T10:00:04Z,u,0.1,ok\nn6,y,2025-10-05T10:00:05Z,u,0.2,ok\n',
    );
    for (const path of [file(text), file(gzipSync(text), '.csv.gz')]) {
      const runs = await expectSameAsDefault([path, '--format', 'json']);
      expect(runs.duckdb.stderr).toContain(`${path}, line 3, column 2 (note): not valid UTF-8 (byte 0xc3 at position 1)`);
      expect(JSON.parse(runs.duckdbRejecting.stdout).input).toEqual({ rows: 6, accepted: 2, rejected: 4, duplicates: 0 });
    }
  });

  it('a header that is not UTF-8, or longer than --max-line-bytes, stops the run even with --rejects', async () => {
    await expectSameAsDefault([file(logOf('request_id,timestamp,user', [0xe9], `_id,org_id,cost_usd,key_result\n${GOOD}\n`)), '--format', 'json']);
    await expectSameAsDefault([file(`${HEADER}\n${GOOD}\n`), '--max-line-bytes', '32', '--format', 'json']);
  });

  /** Around --max-line-bytes 64K, and past DuckDB's own longest line, 3 × 64K + 64. */
  const LIMIT = 64 << 10;
  for (const length of [LIMIT, LIMIT + 1, 100 << 10, 300 << 10]) {
    it(`--max-line-bytes 64K, a row of ${length} bytes: ${length > LIMIT ? 'refused' : 'read'} as by the default engine, with and without --rejects`, async () => {
      const path = file(`${HEADER}\n${GOOD}\n${rowOfLength('r2', length)}\nr3,2025-10-05T12:00:00Z,bob,,0.5,ok\n`);
      const runs = await expectSameAsDefault([path, '--max-line-bytes', '64K', '--format', 'json']);
      if (length <= LIMIT) {
        expect(runs.duckdb.code, runs.duckdb.stderr).toBe(0);
        expect(JSON.parse(runs.duckdb.stdout).input).toEqual({ rows: 3, accepted: 3, rejected: 0, duplicates: 0 });
        return;
      }
      expect(runs.duckdb.code).toBe(2);
      expect(runs.duckdb.stderr).toContain(`${path}, line 3: the record is longer than 65536 bytes (--max-line-bytes)`);
      expect(JSON.parse(runs.duckdbRejecting.stdout).input).toEqual({ rows: 3, accepted: 2, rejected: 1, duplicates: 0 });
      expect(runs.duckdbRejecting.rejects).toContain(`${path},3,,,"the record is longer than 65536 bytes (--max-line-bytes): skipped to its end, its text cut to the first 1024 bytes"`);
    });
  }

  it('the limit counts what DuckDB does not show: the quotes of a quoted field, the lines of a quoted field, not the CRLF that ends a row', async () => {
    const logs = [
      // At the limit with its quotes: read; over it only with its quotes: refused (each file on its own: a row of another sort would make the file read again anyway).
      [HEADER, rowOfLength('q1', 1024, true), rowOfLength('q2', 1025, true), 'q3,2025-10-05T12:00:00Z,bob,,0.5,ok'].join('\n') + '\n',
      [HEADER, `q1,2025-10-05T11:00:00Z,"${'m\n'.repeat(600)}",,0.25,ok`, 'q3,2025-10-05T12:00:00Z,bob,,0.5,ok'].join('\n') + '\n',
      // At the limit before its CRLF: read.
      [HEADER, rowOfLength('q1', 1024), rowOfLength('q2', 1025), 'q3,2025-10-05T12:00:00Z,bob,,0.5,ok'].join('\r\n') + '\r\n',
    ];
    for (const log of logs) {
      const runs = await expectSameAsDefault([file(log), '--max-line-bytes', '1K', '--format', 'json']);
      expect(runs.duckdb.stderr).toMatch(/line [23]: the record is longer than 1024 bytes/);
      expect(JSON.parse(runs.duckdbRejecting.stdout).input.rejected).toBe(1);
    }
  });

  it('refused records among other bad rows and across files keep the default engine\'s order and accounting', async () => {
    const a = file(logOf(`${HEADER}\n${GOOD}\nr2,2025-10-05T11:00:00Z,bob,,-1,ok\n${rowOfLength('r3', 2000)}\nr`, [0xff], ',2025-10-05T10:00:02Z,bob,,0.25,ok\nr1,2025-10-05T10:00:00Z,alice,,0.250,ok\n'));
    const b = file(`${HEADER}\n${rowOfLength('r5', 1500)}\nr1,2025-10-05T10:00:00Z,alice,,0.3,ok\nr6,2025-10-05T11:00:00Z,bob,,0.5,ok\n`);
    // First a's r1 is the request (b's conflicts), then b's (a's two conflict).
    for (const [order, input] of [
      [[a, b], { rows: 8, accepted: 2, rejected: 5, duplicates: 1 }],
      [[b, a], { rows: 8, accepted: 2, rejected: 6, duplicates: 0 }],
    ] as const) {
      const runs = await expectSameAsDefault([...order, '--max-line-bytes', '1K', '--format', 'json']);
      expect(JSON.parse(runs.duckdbRejecting.stdout).input).toEqual(input);
    }
  });

  it('--max-line-bytes is checked as the default engine checks it', async () => {
    const runs = await expectSameAsDefault([file(`${HEADER}\n${GOOD}\n`), '--max-line-bytes', 'lots']);
    expect(runs.duckdb.code).toBe(2);
  });
});

describe('--engine duckdb reads time zones as the default engine does', () => {
  const LOCAL = [
    'z1,2025-03-30T02:30:00,u,,0.1,ok', // a gap in Europe/Berlin
    'z2,2025-10-26T02:30:00,u,,0.1,ok', // twice in Europe/Berlin: the earlier instant
    'z3,2025-10-26T03:30:00.123456,u,,0.1,ok',
    'z4,2025-03-30T01:59:59,u,,0.1,ok',
    'z5,2025-03-09T02:30:00,u,,0.1,ok', // a gap in America/New_York
    'z6,2025-11-02T01:30:00.5,u,,0.1,ok', // twice in America/New_York
    'z7,2025-01-01T00:00:00Z,u,,0.1,ok',
    'z8,1999-07-01 12:00,u,,0.1,ok',
    'z9,2025-10-05T10:00,u,acme,0.1,ok',
  ];
  for (const zone of [undefined, 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Apia', 'UTC']) {
    it(`--input-timezone ${zone ?? '(none)'}`, async () => {
      await expectSameAsDefault([file(`${HEADER}\n${LOCAL.join('\n')}\n`), '--format', 'json', ...(zone === undefined ? [] : ['--input-timezone', zone])]);
    });
  }

  it('an unknown zone is a usage error', async () => {
    const runs = await expectSameAsDefault([file(`${HEADER}\n${GOOD}\n`), '--input-timezone', 'Mars/Olympus']);
    expect(runs.duckdb.code).toBe(2);
  });
});

describe('--engine duckdb gives the default engine\'s bill on random messy logs', () => {
  const cell = (usual: readonly string[], odd: readonly string[]) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
  // Sub-microsecond instants too: ties within one microsecond, ordered by their nanoseconds.
  const INSTANTS = [
    '2025-09-30T23:59:59.999Z',
    '2025-09-30T23:59:59.999999999Z',
    '2025-10-01T00:00:00Z',
    '2025-10-01T00:00:00.000000001Z',
    '2025-10-01T00:00:00.000000002Z',
    '2025-10-01T00:00:00.000001Z',
    '2025-10-01T00:00:00.000001001Z',
    '2025-10-15T12:00:00.123456789+02:00',
    '2025-10-15T10:00:00.123456788Z',
    '2025-10-31T19:30:00-05:00',
    '2025-11-01T00:00:00Z',
    '1759276800000',
  ];
  const rowArb = fc.record({
    id: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r,9', 'r"10', '\u00e9', '\u{1F600}'),
    timestamp: cell(INSTANTS, ['2025-10-01T00:00:00', '2025-13-01T00:00:00Z', '', '2025-10-01T00:00:00.1234567Z']),
    user: cell(['u1', 'u1', 'u2'], ['', '\u00fc', 'u"q']),
    org: cell(['', '', 'acme'], ['b,eta']),
    cost: cell(['0.012', '0.5', '0', '2', '0.000000000001'], ['-1', '1e-3', '', '.5']),
    key: cell(['ok', 'ok', 'rate_limited', 'error', 'none'], ['', 'OK']),
    platform: cell(['', 'ok', 'error'], ['bad']),
    route: cell(['', '', 'byok', 'platform', 'failed'], ['x']),
    dropLast: fc.nat(25).map((n) => n === 0),
    crlf: fc.boolean(),
    /** Shipped twice (a duplicate; its cost maybe written with a trailing zero), likely into another file. */
    twice: fc.nat(4).map((n) => n === 0),
    trailingZero: fc.boolean(),
  });
  const COLUMNS = ['request_id', 'timestamp', 'user_id', 'org_id', 'cost_usd', 'key_result', 'platform_result', 'route'];
  const quote = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const logArb = fc.record({
    rows: fc.array(rowArb, { maxLength: 40 }),
    files: fc.integer({ min: 1, max: 3 }),
    order: fc.array(fc.nat(), { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
    allowance: fc.constantFrom(1, 2, 1_000_000),
  });
  const policies = new Map<number, string>();
  const policyFile = (allowance: number) => {
    let path = policies.get(allowance);
    if (path === undefined) {
      path = file(JSON.stringify(policyVariant(defaultPolicy(), { allowance }, { versions: 'allowance-bearing' }).document), '.json');
      policies.set(allowance, path);
    }
    return path;
  };

  it('same bill, rejects, warnings and exit codes (logs split into files, columns in any order)', async () => {
    const seen = { accepted: 0, rejected: 0, duplicates: 0, billable: 0 };
    await fc.assert(
      fc.asyncProperty(logArb, async ({ rows: drawn, files, order, allowance }) => {
        const rows = drawn.flatMap((row) => (row.twice ? [row, { ...row, cost: row.trailingZero && row.cost.includes('.') ? `${row.cost}0` : row.cost }] : [row]));
        const columns = COLUMNS.map((c, i) => ({ c, k: order[i]! })).sort((a, b) => a.k - b.k).map((x) => x.c);
        const paths = Array.from({ length: files }, (_, f) => {
          const mine = rows.filter((_, i) => i % files === f);
          const lines = mine.map((row) => {
            const values: Record<string, string> = { request_id: row.id, timestamp: row.timestamp, user_id: row.user, org_id: row.org, cost_usd: row.cost, key_result: row.key, platform_result: row.platform, route: row.route };
            const cells = columns.map((c) => quote(values[c]!));
            if (row.dropLast) cells.pop();
            return cells.join(',') + (row.crlf ? '\r\n' : '\n');
          });
          return file(`${columns.join(',')}\n${lines.join('')}`);
        });
        const args = [...paths, '--policy', policyFile(allowance), '--format', 'json'];
        const rejects = rejectsPath();
        const js = await billWith('js', args, rejects);
        const duckdb = await billWith('duckdb', args, rejects);
        expect(duckdb).toEqual(js);
        expect((await billWith('duckdb', args)).stderr).toBe((await billWith('js', args)).stderr);
        if (js.code === 0) {
          const bill = JSON.parse(js.stdout);
          seen.accepted += bill.input.accepted;
          seen.rejected += bill.input.rejected;
          seen.duplicates += bill.input.duplicates;
          seen.billable += bill.totals.billableRequests;
        }
      }),
      { numRuns: Number(process.env.DUCKDB_PARITY_RUNS ?? Math.min(40, fc.readConfigureGlobal().numRuns ?? 40)) },
    );
    // The generated logs really exercise acceptance, refusal, duplicates and the allowance.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.duplicates).toBeGreaterThan(0);
    expect(seen.billable).toBeGreaterThan(0);
  }, 300_000);
});

describe('--engine duckdb reads what the default engine cannot', () => {
  /** A generated log: its CSV, and the default engine's bill of it. */
  async function generated(rows: number, seed: number) {
    const path = join(dir, `generated-${seed}.csv`);
    const made = await byok(['generate', '--rows', String(rows), '--seed', String(seed), '--start', '2025-09-20T00:00:00Z', '--months', '2', '--out', path]);
    expect(made.code, made.stderr).toBe(0);
    const bill = await byok(['bill', path, '--format', 'json', '-q']);
    expect(bill.code, bill.stderr).toBe(0);
    return { path, bill: bill.stdout };
  }

  it('schedules chosen by provider and model: CSV, gzipped CSV and Parquet give the default engine\'s bill; a log without the column reads it as \'\'', async () => {
    // catches: the requests view dropping model/provider, a loader reading an absent column as
    // something other than '' (NULL compared with a rule's constant), Parquet text columns missed.
    const scenario = fileURLToPath(new URL('../../../scenarios/20-fees-by-provider-and-model/', import.meta.url));
    const policy = join(scenario, 'policy.json');
    const csvPath = join(scenario, 'requests.csv');
    const csv = `read_csv('${csvPath}', all_varchar = true)`;
    const noProvider = join(dir, 'no-provider.csv');
    const noModel = join(dir, 'no-model.csv');
    await sql(`COPY (SELECT * EXCLUDE (provider) FROM ${csv}) TO '${noProvider}' (FORMAT csv, HEADER true)`);
    await sql(`COPY (SELECT * EXCLUDE (model) FROM ${csv}) TO '${noModel}' (FORMAT csv, HEADER true)`);
    const gz = file(gzipSync(readFileSync(csvPath)), '.csv.gz');
    const bills: string[] = [];
    for (const log of [csvPath, gz, noProvider, noModel]) {
      const runs = await expectSameAsDefault([log, '--policy', policy, '--format', 'json']);
      expect(runs.duckdb.code, runs.duckdb.stderr).toBe(0);
      bills.push(runs.duckdb.stdout);
    }
    expect(JSON.parse(bills[0]!).lines).toEqual(JSON.parse(readFileSync(join(scenario, 'expected-bill.json'), 'utf8')).lines);
    expect(bills[1]).toBe(bills[0]);
    // The columns matter here: without them other schedules are chosen.
    expect(JSON.parse(bills[2]!).totals.feeUsd).not.toBe(JSON.parse(bills[0]!).totals.feeUsd);
    expect(JSON.parse(bills[3]!).totals.feeUsd).not.toBe(JSON.parse(bills[0]!).totals.feeUsd);
    // Parquet (the default engine reads CSV only): the bill of the CSV it was made from.
    for (const [source, exclude, bill] of [[csvPath, '', bills[0]!], [noProvider, '', bills[2]!], [csvPath, 'EXCLUDE (provider)', bills[2]!]] as const) {
      const parquet = join(dir, `providers-${++fileCount}.parquet`);
      await sql(`COPY (SELECT * ${exclude} FROM read_csv('${source}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`);
      const run = await byok(['bill', parquet, '--policy', policy, '--engine', 'duckdb', '--format', 'json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).lines).toEqual(JSON.parse(bill).lines);
    }
  });

  it('Parquet with typed columns (TIMESTAMPTZ, DECIMAL) gives the bill of the CSV it was made from', async () => {
    const log = await generated(20_000, 11);
    const typed = join(dir, 'typed.parquet');
    const text = join(dir, 'text.parquet');
    const wide = join(dir, 'wide.parquet');
    const csv = `read_csv('${log.path}', all_varchar = true)`;
    const instant = `CASE WHEN regexp_full_match("timestamp", '-?[0-9]+') THEN make_timestamptz("timestamp"::BIGINT * 1000) ELSE "timestamp"::TIMESTAMPTZ END`;
    await sql(`COPY (SELECT * REPLACE (${instant} AS "timestamp", cost_usd::DECIMAL(38,12) AS cost_usd) FROM ${csv}) TO '${typed}' (FORMAT parquet)`);
    await sql(`COPY (SELECT * FROM ${csv}) TO '${text}' (FORMAT parquet)`);
    await sql(`COPY (SELECT * REPLACE (cost_usd::DECIMAL(38,18) AS cost_usd) FROM ${csv}) TO '${wide}' (FORMAT parquet)`);
    for (const parquet of [typed, text, wide]) {
      const run = await byok(['bill', parquet, '--engine', 'duckdb', '--format', 'json', '-q']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(log.bill);
    }
  });

  it('Parquet rows are refused with their row number; money as a float is refused whole', async () => {
    const bad = join(dir, 'bad.parquet');
    await sql(`COPY (SELECT * FROM (VALUES ('p1', '2025-10-05T10:00:00Z', 'u', '0.1', 'ok'), ('p2', 'nope', 'u', '0.1', 'ok')) t(request_id, "timestamp", user_id, cost_usd, key_result)) TO '${bad}' (FORMAT parquet)`);
    const stopped = await byok(['bill', bad, '--engine', 'duckdb']);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(`${bad}, line 2, column 2 (timestamp): timestamp "nope": expected an ISO-8601 date-time`);
    const rejects = rejectsPath();
    const kept = await byok(['bill', bad, '--engine', 'duckdb', '--rejects', rejects, '-q', '--format', 'json']);
    expect(kept.code).toBe(0);
    expect(readFileSync(rejects, 'utf8').split('\n')[1]).toBe(`${bad},2,2,timestamp,"timestamp ""nope"": expected an ISO-8601 date-time like 2025-10-31T19:00:00-05:00, or epoch milliseconds","p2,nope,u,0.1,ok"`);
    const float = join(dir, 'float.parquet');
    await sql(`COPY (SELECT 'p1' AS request_id, TIMESTAMPTZ '2025-10-05 10:00:00+00' AS "timestamp", 'u' AS user_id, 0.1::DOUBLE AS cost_usd, 'ok' AS key_result) TO '${float}' (FORMAT parquet)`);
    const refused = await byok(['bill', float, '--engine', 'duckdb']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${float}: column "cost_usd" is DOUBLE: binary floating point cannot hold money exactly`);
  });

  it('typed Parquet columns read as their text reads: negative and NULL costs, microseconds, instants before 1970 and after 9999', async () => {
    const values = [
      "('t1', TIMESTAMPTZ '2025-10-05 10:00:00.123456+00', 'u', 0.5::DECIMAL(18,6), 'ok')",
      "('t2', TIMESTAMPTZ '2025-10-05 10:00:00.123457+00', 'u', -0.5::DECIMAL(18,6), 'ok')",
      "('t3', NULL, 'u', 0.25::DECIMAL(18,6), 'ok')",
      "('t4', TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', 'u', NULL, 'ok')",
      "('t5', TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', 'u', 1::DECIMAL(18,6), 'ok')",
      "('t6', TIMESTAMPTZ '10000-01-01 00:00:00+00', 'u', 1::DECIMAL(18,6), 'ok')",
      "('t7', TIMESTAMPTZ '0001-01-01 00:00:00+00', 'u', 123456.123456::DECIMAL(18,6), 'none')",
      "('t1', TIMESTAMPTZ '2025-10-05 10:00:00.123456+00', 'u', 0.50::DECIMAL(18,6), 'ok')",
    ];
    const typed = join(dir, 'typed-edges.parquet');
    const text = join(dir, 'text-edges.parquet');
    await sql(`COPY (SELECT * FROM (VALUES ${values.join(', ')}) t(request_id, "timestamp", user_id, cost_usd, key_result)) TO '${typed}' (FORMAT parquet)`);
    // The same values as the text the engine makes of them (parquetColumns.ts), read by the checked text path.
    await sql(`COPY (SELECT request_id, strftime(make_timestamp(epoch_us("timestamp")), '%Y-%m-%dT%H:%M:%S.%fZ') AS "timestamp", user_id, cost_usd::VARCHAR AS cost_usd, key_result FROM '${typed}') TO '${text}' (FORMAT parquet)`);
    const runs = await Promise.all([typed, text].map(async (path) => {
      const rejects = rejectsPath();
      const run = await byok(['bill', path, '--engine', 'duckdb', '--rejects', rejects, '--format', 'json', '-q']);
      return { ...run, rejects: readFileSync(rejects, 'utf8').split(path).join('LOG') };
    }));
    expect(runs[0]).toEqual(runs[1]);
    expect(JSON.parse(runs[0]!.stdout).input).toEqual({ rows: 8, accepted: 3, rejected: 4, duplicates: 1 });
  });

  it('Parquet duplicates count once and conflicts name the first row by its row number', async () => {
    const dups = join(dir, 'dups.parquet');
    const rows = ["('d1', '2025-10-05T10:00:00Z', 'u', '0.1', 'ok')", "('d1', '2025-10-05T10:00:00Z', 'u', '0.10', 'ok')", "('d1', '2025-10-05T10:00:00Z', 'u', '0.2', 'ok')", "('d2', '2025-10-05T10:00:00Z', 'u', '0.2', 'ok')"];
    await sql(`COPY (SELECT * FROM (VALUES ${rows.join(', ')}) t(request_id, "timestamp", user_id, cost_usd, key_result)) TO '${dups}' (FORMAT parquet)`);
    const stopped = await byok(['bill', dups, '--engine', 'duckdb']);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(`${dups}, line 3, column 1 (request_id): request_id "d1" was already seen at ${dups}, line 1 with different content`);
    const kept = await byok(['bill', dups, '--engine', 'duckdb', '--rejects', rejectsPath(), '-q', '--format', 'json']);
    expect(JSON.parse(kept.stdout).input).toEqual({ rows: 4, accepted: 2, rejected: 1, duplicates: 1 });
  });

  it('gzipped CSV and globs: several files are one log', async () => {
    const log = await generated(9_000, 12);
    const lines = readFileSync(log.path, 'utf8').trimEnd().split('\n');
    const parts = join(dir, 'parts');
    mkdirSync(parts);
    for (let p = 0; p < 3; p++) {
      const body = lines.slice(1).filter((_, i) => i % 3 === p);
      writeFileSync(join(parts, `part-${p}.csv.gz`), gzipSync(`${lines[0]}\n${body.join('\n')}\n`));
    }
    const run = await byok(['bill', join(parts, '*.csv.gz'), '--engine', 'duckdb', '--format', 'json', '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(log.bill);
    const none = await byok(['bill', join(parts, '*.parquet'), '--engine', 'duckdb']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no file matches this pattern');
  });

  it('a log in no order at all gives the bill of the sorted log (no reorder window)', async () => {
    const log = await generated(30_000, 13);
    const [header, ...rows] = readFileSync(log.path, 'utf8').trimEnd().split('\n');
    // A fixed shuffle (a multiplicative permutation of the rows).
    const shuffled = rows.map((_, i) => rows[(i * 7919) % rows.length]!);
    expect(new Set(shuffled).size).toBe(rows.length);
    const path = file(`${header}\n${shuffled.join('\n')}\n`);
    const run = await byok(['bill', path, '--engine', 'duckdb', '--format', 'json', '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(log.bill);
    // The default engine bills it too: its first late row makes it start again, sorted.
    const js = await byok(['bill', path, '--format', 'json', '-q']);
    expect(js.code, js.stderr).toBe(0);
    expect(js.stdout).toBe(log.bill);
  });

  it('a log larger than the memory limit spills to disk and bills the same', async () => {
    // A million rows hold ~170 MB of DuckDB data: with 100 MB, most of it is spilled.
    const log = await generated(1_000_000, 14);
    const run = await byok(['bill', log.path, '--engine', 'duckdb', '--format', 'json', '-q', '--duckdb-memory-limit', '100MB', '--threads', '1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(log.bill);
    const starved = await byok(['bill', log.path, '--engine', 'duckdb', '--duckdb-memory-limit', '16MB']);
    expect(starved.code).toBe(2);
    expect(starved.stderr).toContain('ran out of memory');
  }, 120_000);
});

describe('the default engine never loads DuckDB', () => {
  it('a bill with --engine js leaves the native module unloaded; --engine duckdb loads it', () => {
    // Run in a child process on the built CLI (`pnpm test` builds first): the shared
    // objects a process has loaded show whether DuckDB's native library was.
    const cli = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const log = file(`${HEADER}\n${GOOD}\n`);
    const loaded = (engine: string) => {
      const script = `const { run } = await import(${JSON.stringify(pathToFileURL(cli).href)});
const code = await run(['bill', ${JSON.stringify(log)}, '-q', '--engine', '${engine}'], { stdout: () => {}, stderr: (t) => process.stderr.write(t) });
process.stdout.write(JSON.stringify({ code, duckdb: process.report.getReport().sharedObjects.filter((s) => /duckdb/i.test(s)) }));`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout) as { code: number; duckdb: string[] };
    };
    expect(loaded('js')).toEqual({ code: 0, duckdb: [] });
    const withDuckdb = loaded('duckdb');
    expect(withDuckdb.code).toBe(0);
    expect(withDuckdb.duckdb.length).toBeGreaterThan(0);
  });
});

describe('--engine duckdb orders requests to the nanosecond, as the default engine does (POLICY.md D1)', () => {
  const allowanceOf = (allowance: number) => file(JSON.stringify(policyVariant(defaultPolicy(), { allowance }, { versions: 'allowance-bearing' }).document), '.json');

  it('nanoseconds decide within one microsecond, in either order of the ids', async () => {
    const policy = allowanceOf(1);
    const same = file(`${HEADER}\nb,2025-10-05T10:00:00.000000002Z,u,,1,ok\na,2025-10-05T10:00:00.000000001Z,u,,2,ok\n`);
    await expectSameAsDefault([same, '--policy', policy, '--format', 'json']);
    // b is a nanosecond earlier but its id is later: b takes the free place, a pays 5% of 1.
    const inverted = file(`${HEADER}\na,2025-10-05T10:00:00.000000002Z,u,,1,ok\nb,2025-10-05T10:00:00.000000001Z,u,,2,ok\n`);
    const runs = await expectSameAsDefault([inverted, '--policy', policy, '--format', 'json']);
    expect(runs.duckdb.code, runs.duckdb.stderr).toBe(0);
    expect(JSON.parse(runs.duckdb.stdout).lines[0]).toMatchObject({ freeRequests: 1, billableRequests: 1, feeUsd: '0.05' });
  });

  /** Ids whose byte order differs from UTF-16's and from a collation's: ties go by UTF-8 bytes. */
  const IDS = ['a', 'b', 'B', '0', 'a0', '\u00e9', '\uFFFD', '\u{1F600}', '\u{10000}', 'z'];
  /** Nanoseconds past 10:00:00.000001Z, all within one microsecond, some in one nanosecond. */
  const BELOW = [0, 0, 1, 1, 2, 500, 998, 999, 999];
  const crowdArb = fc.record({
    requests: fc.uniqueArray(fc.record({ id: fc.constantFrom(...IDS), below: fc.constantFrom(...BELOW), offset: fc.constantFrom('Z', '+05:30', '-04:00'), cost: fc.constantFrom('1', '2', '0.5', '0') }), {
      selector: (r) => r.id,
      minLength: 2,
      maxLength: IDS.length,
    }),
    allowance: fc.integer({ min: 1, max: 4 }),
    order: fc.array(fc.nat(), { minLength: IDS.length, maxLength: IDS.length }),
  });
  /** The instant 2025-10-05T10:00:00.000001Z plus `below` nanoseconds, written with an offset. */
  const timestamp = (below: number, offset: string) => {
    const hour = offset === 'Z' ? '10:00' : offset === '+05:30' ? '15:30' : '06:00';
    return `2025-10-05T${hour}:00.000001${String(below).padStart(3, '0')}${offset}`;
  };

  it('law: many requests in one microsecond, across the allowance boundary, bill as the default engine bills them', async () => {
    const policies = new Map<number, string>();
    await fc.assert(
      fc.asyncProperty(crowdArb, async ({ requests, allowance, order }) => {
        let policy = policies.get(allowance);
        if (policy === undefined) policies.set(allowance, (policy = allowanceOf(allowance)));
        // Rows in a drawn order: the bill must not depend on it.
        const rows = requests.map((r, i) => ({ r, k: order[i]! })).sort((x, y) => x.k - y.k).map(({ r }) => `${r.id},${timestamp(r.below, r.offset)},u,,${r.cost},ok`);
        const args = [file(`${HEADER}\n${rows.join('\n')}\n`), '--policy', policy, '--format', 'json'];
        const js = await billWith('js', args);
        expect(js.code, js.stderr).toBe(0);
        expect(await billWith('duckdb', args)).toEqual(js);
      }),
      { numRuns: Number(process.env.DUCKDB_PARITY_RUNS ?? Math.min(30, fc.readConfigureGlobal().numRuns ?? 30)) },
    );
  }, 300_000);

  it('one request_id a nanosecond apart is a conflict; at the same nanosecond, in another offset, a duplicate', async () => {
    const log = file(`${HEADER}\nd1,2025-10-05T10:00:00.000000001Z,u,,1,ok\nd1,2025-10-05T10:00:00.000000002Z,u,,1,ok\nd2,2025-10-05T10:00:00.000000001Z,u,,1,ok\nd2,2025-10-05T12:00:00.000000001+02:00,u,,1.0,ok\n`);
    const runs = await expectSameAsDefault([log, '--format', 'json']);
    expect(runs.duckdb.code).toBe(2);
    expect(JSON.parse(runs.duckdbRejecting.stdout).input).toEqual({ rows: 4, accepted: 2, rejected: 1, duplicates: 1 });
  });
});

describe('--engine duckdb: precision, options, formats', () => {
  it('amounts past DECIMAL(38,12) are refused; the largest that fits bills as the default engine bills it', async () => {
    const fits = file(`${HEADER}\nb1,2025-10-05T10:00:00Z,u,,99999999999999999999999999.999999999999,ok\n`);
    await expectSameAsDefault([fits, '--format', 'json']);
    const past = await byok(['bill', file(`${HEADER}\nb1,2025-10-05T10:00:00Z,u,,100000000000000000000000000,ok\n`), '--engine', 'duckdb']);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('of 10^26 dollars or more');
  });

  /** A run of --engine duckdb that must stop with exit code 2 and this message alone. */
  async function expectRefusal(log: string, message: string) {
    const run = await byok(['bill', log, '--engine', 'duckdb', '--format', 'json']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `byok: ${message}\n` });
  }

  it('a line whose costs sum to 10^26 dollars or more is refused, naming its scope and period (exit code 2, not an overflow)', async () => {
    const huge = '99999999999999999999999999.9';
    const log = file(`${HEADER}\nh1,2025-10-05T10:00:00Z,u,,${huge},ok\nh2,2025-10-06T10:00:00Z,u,,${huge},ok\n`);
    const js = await billWith('js', [log, '--format', 'json']);
    expect(JSON.parse(js.stdout).lines[0].byokCostUsd).toBe('199999999999999999999999999.8');
    await expectRefusal(
      log,
      'scope user:u, period 2025-10: the sum of its costs reaches 10^26 dollars, more than --engine duckdb holds exactly (DECIMAL(38,12)); bill this log with --engine js',
    );
    // Exactly 10^26 reaches the limit too.
    const exact = file(`${HEADER}\ne1,2025-10-05T10:00:00Z,u,acme,50000000000000000000000000,none\ne2,2025-10-05T10:00:01Z,u,acme,50000000000000000000000000,error\n`);
    await expectRefusal(
      exact,
      'scope org:acme, period 2025-10: the sum of its costs reaches 10^26 dollars, more than --engine duckdb holds exactly (DECIMAL(38,12)); bill this log with --engine js',
    );
  });

  it('a line whose fees and list costs reach DECIMAL(38,14)\'s limit is refused: fees are summed at scale 12 + the rate\'s', async () => {
    // September 2025: every BYOK request pays 5%, so 2 × 10^25 dollars of cost make a 10^24 fee.
    const fees = file(`${HEADER}\nf1,2025-09-05T10:00:00Z,u,,10000000000000000000000000,ok\nf2,2025-09-05T10:00:01Z,u,,10000000000000000000000000,ok\n`);
    await expectRefusal(
      fees,
      'scope user:u, period 2025-09: the sum of its charges (fees and list costs) reaches 10^24 dollars, more than --engine duckdb holds exactly (DECIMAL(38,14)); bill this log with --engine js',
    );
    // Platform credits pay their list cost, summed with the fees: here exactly 10^24.
    const list = file(`${HEADER}\nl1,2025-10-05T10:00:00Z,u,,999999999999999999999999.99999999999,none\nl2,2025-10-05T10:00:01Z,u,,0.00000000001,none\n`);
    await expectRefusal(
      list,
      'scope user:u, period 2025-10: the sum of its charges (fees and list costs) reaches 10^24 dollars, more than --engine duckdb holds exactly (DECIMAL(38,14)); bill this log with --engine js',
    );
  });

  it('large sums below the limits bill exactly as the default engine bills them', async () => {
    // Together past every limit, but each line within them: the lines are summed exactly, then billed.
    const near = '99999999999999999999999999.999999999999';
    const log = file(
      `${HEADER}\n` +
        `n1,2025-10-05T10:00:00Z,u,,${near},ok\nn2,2025-11-05T10:00:00Z,u,,${near},ok\nn3,2025-10-05T10:00:00Z,v,,${near},ok\n` +
        `n4,2025-09-05T10:00:00Z,u,,19999999999999999999999999.999999999999,ok\nn5,2025-10-05T10:00:00Z,w,,999999999999999999999999.99999999999,none\n`,
    );
    const runs = await expectSameAsDefault([log, '--format', 'json']);
    expect(runs.duckdb.code, runs.duckdb.stderr).toBe(0);
    expect(JSON.parse(runs.duckdb.stdout).totals.byokCostUsd).toBe('319999999999999999999999999.999999999996');
  });

  it('the pricing language: fees summed at scale 12 + the finest tier rate\'s; a line whose fee bound reaches the limit is refused, not overflowed', async () => {
    // catches: the cumulative fees of the cap's window (or a tier's part) overflowing DECIMAL(38,24)
    // instead of being refused; the guard reading the shorthand's rate instead of the tiers'.
    const policyOf = (capUsd?: string) =>
      file(
        JSON.stringify({
          format: 'byok-policy/v1',
          id: 'big-tiers',
          parameters: { fees: { unit: 'list-usd', schedules: { s: [{ upTo: '1', rate: '0' }, { rate: '1.000000000001' }] }, ...(capUsd === undefined ? {} : { capUsd }) }, scopeMode: 'org', counts: 'served', defaultFailoverMode: 'fallback' },
          rules: defaultPolicyDocument.rules,
          versions: [{ version: 'v' }],
        }),
        '.json',
      );
    // 9 × 10^13 dollars: its fee (at most cost × 1.000000000001) stays below 10^14.
    const fits = file(`${HEADER}\nt1,2025-10-05T10:00:00Z,u,,90000000000000,ok\n`);
    for (const cap of [undefined, '5']) {
      const runs = await expectSameAsDefault([fits, '--policy', policyOf(cap), '--format', 'json']);
      expect(runs.duckdb.code, runs.duckdb.stderr).toBe(0);
      expect(JSON.parse(runs.duckdb.stdout).totals.feeUsd).toBe(cap ?? '90000000000088.999999999999');
    }
    // Twice that: the fees before the cap could reach 10^14 dollars, past DECIMAL(38,24).
    const past = file(`${HEADER}\nt1,2025-10-05T10:00:00Z,u,,90000000000000,ok\nt2,2025-10-05T10:00:01Z,u,,90000000000000,ok\n`);
    const run = await byok(['bill', past, '--policy', policyOf('5'), '--engine', 'duckdb', '--format', 'json']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'byok: scope user:u, period 2025-10: the sum of its charges (fees and list costs) reaches 10^14 dollars, more than --engine duckdb holds exactly (DECIMAL(38,24)); bill this log with --engine js\n',
    });
  });

  it('every output format is the default engine\'s, byte for byte', async () => {
    const log = file(`${HEADER}\n${GOOD}\nr2,2025-10-05T11:00:00Z,=cmd,,0.5,none\nr3,2025-11-05T11:00:00Z,alice,acme,0.123456789012,ok\n`);
    for (const format of ['json', 'csv', 'ndjson', 'table']) await expectSameAsDefault([log, '--format', format]);
    const out = { js: join(dir, 'out-js.csv'), duckdb: join(dir, 'out-duckdb.csv') };
    expect((await byok(['bill', log, '--format', 'csv', '--out', out.js])).code).toBe(0);
    expect((await byok(['bill', log, '--format', 'csv', '--out', out.duckdb, '--engine', 'duckdb'])).code).toBe(0);
    expect(readFileSync(out.duckdb, 'utf8')).toBe(readFileSync(out.js, 'utf8'));
  });

  it('--details is refused; --reorder-window is said to change nothing; DuckDB options need the engine', async () => {
    const log = file(`${HEADER}\n${GOOD}\n`);
    const details = await byok(['bill', log, '--engine', 'duckdb', '--details', join(dir, 'd.csv')]);
    expect(details.code).toBe(2);
    expect(details.stderr).toContain('--details is not available with --engine duckdb');
    const window = await byok(['bill', log, '--engine', 'duckdb', '--reorder-window', '1h', '--format', 'json']);
    expect(window.code).toBe(0);
    expect(window.stderr).toContain('--reorder-window has no effect with --engine duckdb');
    const stray = await byok(['bill', log, '--duckdb-memory-limit', '1GB']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--duckdb-memory-limit applies to --engine duckdb only');
    expect((await byok(['bill', log, '--engine', 'duckdb', '--duckdb-memory-limit', 'lots'])).code).toBe(2);
    expect((await byok(['bill', log, '--engine', 'sqlite'])).code).toBe(2);
  });
});

describe('--engine duckdb on logs the fuzz suite (test/fuzz) found it misread', () => {
  it('blank lines before the header, the first one ended by CRLF: the default engine\'s bill (it billed no row at all)', async () => {
    // catches: DuckDB taking CRLF as the line end from the blank first line, reading the
    // LF-ended header and rows as one line, skipping it as the header: exit 0, rows 0.
    for (const text of [`\r\n${HEADER}\n${GOOD}\n`, `\n\r\n${HEADER}\n${GOOD}\nr2,2025-10-05T11:00:00Z,bob,,0.5,ok\n`, `\r\n\r\n${HEADER}\r\n${GOOD}\r\n`]) {
      const runs = await expectSameAsDefault([file(text), '--format', 'json']);
      expect(runs.duckdb.code, runs.duckdb.stderr).toBe(0);
      expect(JSON.parse(runs.duckdb.stdout).input.accepted).toBe(text.includes('r2,') ? 2 : 1);
    }
  });

  it('a timestamp that is not UTF-8, with --input-timezone: refused as the default engine refuses it (was exit 70)', async () => {
    // catches: DuckDB's internal error on the wall-clock scan invalidating the database,
    // and the statement run after it failing in turn (exit 70) instead of the file being rewritten.
    const path = file(logOf(`${HEADER}\n${GOOD}\nr2,`, [0xff], '2025-10-05T11:00:00,bob,,0.5,ok\nr3,2025-10-05T12:00:00,bob,,0.5,ok\n'));
    const runs = await expectSameAsDefault([path, '--input-timezone', 'Europe/Berlin', '--format', 'json']);
    expect(runs.duckdb.code).toBe(2);
    expect(runs.duckdb.stderr).toContain(`${path}, line 3, column 2 (timestamp): not valid UTF-8 (byte 0xff at position 1)`);
    expect(JSON.parse(runs.duckdbRejecting.stdout).input).toEqual({ rows: 3, accepted: 2, rejected: 1, duplicates: 0 });
  });
});
