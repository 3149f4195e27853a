import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { run } from '@byok-billing/cli';
import { byok } from '../../../test/support/runByok.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-bill-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function file(content: string | Buffer, ext = '.csv'): string {
  const path = join(dir, `log-${++fileCount}${ext}`);
  writeFileSync(path, content);
  return path;
}

const HEADER = 'request_id,timestamp,user_id,org_id,cost_usd,key_result';
const GOOD = 'r1,2025-10-05T10:00:00Z,alice,,0.25,ok';

/** Each bad row, the column it must be blamed on, and a fragment of the reason. */
const BAD_ROWS: readonly { name: string; row: string; column: string; reason: RegExp }[] = [
  { name: 'negative cost', row: 'r2,2025-10-05T11:00:00Z,alice,,-0.5,ok', column: 'column 5 (cost_usd)', reason: /must not be negative/ },
  { name: 'cost with an exponent', row: 'r2,2025-10-05T11:00:00Z,alice,,1e-3,ok', column: 'column 5 (cost_usd)', reason: /exponent/ },
  { name: 'cost with 13 fractional digits', row: 'r2,2025-10-05T11:00:00Z,alice,,0.0000000000001,ok', column: 'column 5 (cost_usd)', reason: /13 fractional digits; at most 12/ },
  { name: 'timestamp without offset', row: 'r2,2025-10-05T11:00:00,alice,,0.5,ok', column: 'column 2 (timestamp)', reason: /no UTC offset/ },
  { name: 'impossible date', row: 'r2,2025-02-30T11:00:00Z,alice,,0.5,ok', column: 'column 2 (timestamp)', reason: /day 30 does not exist/ },
  { name: 'unknown key_result', row: 'r2,2025-10-05T11:00:00Z,alice,,0.5,OK', column: 'column 6 (key_result)', reason: /key_result "OK" is not one of/ },
  { name: 'same request_id, different content', row: 'r1,2025-10-05T10:00:00Z,alice,,0.26,ok', column: 'column 1 (request_id)', reason: /already seen at .*line 2 with different content/ },
  { name: 'wrong number of fields', row: 'r2,2025-10-05T11:00:00Z,alice,0.5,ok', column: 'line 3', reason: /5 fields; the header has 6/ },
  { name: 'empty user_id', row: 'r2,2025-10-05T11:00:00Z,,,0.5,ok', column: 'column 3 (user_id)', reason: /user_id is empty/ },
];

describe('byok bill: bad rows', () => {
  for (const bad of BAD_ROWS) {
    it(`${bad.name}: exit 2 naming file, line and column`, async () => {
      const path = file(`${HEADER}\n${GOOD}\n${bad.row}\n`);
      const { code, stdout, stderr } = await byok(['bill', path, '--quiet']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`${path}, line 3`);
      expect(stderr).toContain(bad.column);
      expect(stderr).toMatch(bad.reason);
    });

    it(`${bad.name}: with --rejects the row is written out with its reason and the run goes on`, async () => {
      const path = file(`${HEADER}\n${GOOD}\n${bad.row}\n`);
      const rejects = join(dir, `rejects-${fileCount}.csv`);
      const { code, stdout } = await byok(['bill', path, '--rejects', rejects, '--quiet']);
      expect(code).toBe(0);
      const bill = JSON.parse(stdout);
      expect(bill.input).toEqual({ rows: 2, accepted: 1, rejected: 1, duplicates: 0 });
      const rows = parseCsv(readFileSync(rejects, 'utf8')) as string[][];
      expect(rows[0]).toEqual(['file', 'line', 'column', 'column_name', 'reason', 'row']);
      expect(rows).toHaveLength(2);
      const [rejectedFile, line, column, , reason, original] = rows[1]!;
      expect(rejectedFile).toBe(path);
      expect(line).toBe('3');
      if (bad.column.startsWith('column')) expect(bad.column).toContain(`column ${column} (`);
      expect(reason).toMatch(bad.reason);
      expect(original).toBe(bad.row);
    });
  }

  it('an unknown route is refused in the route column', async () => {
    const path = file('request_id,timestamp,user_id,cost_usd,route\nr1,2025-10-05T10:00:00Z,u,0.1,byok\nr2,2025-10-05T10:01:00Z,u,0.1,credits\n');
    const { code, stderr } = await byok(['bill', path, '-q']);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 3, column 5 (route): route "credits" is not one of byok, platform, failed`);
  });

  it('a row far behind the reorder window makes the run start again sorted, and says so once naming both lines', async () => {
    const path = file(`${HEADER}\nr1,2025-10-05T10:00:00Z,a,,0.1,ok\nr2,2025-10-05T09:00:00Z,a,,0.1,ok\nr3,2025-10-05T08:00:00Z,a,,0.1,ok\n`);
    const late = await byok(['bill', path]);
    expect(late.code).toBe(0);
    const notices = late.stderr.split('\n').filter((l) => l.includes('reorder window'));
    expect(notices).toEqual([`byok: warning: ${path}, line 3 arrives more than the reorder window behind ${path}, line 2 (15m); billing the whole log in allowance order instead (sorted on disk)`]);
    const sorted = await byok(['bill', path, '-q', '--sort']);
    expect(sorted.code).toBe(0);
    expect(late.stdout).toBe(sorted.stdout);
    expect(JSON.parse(sorted.stdout).input.accepted).toBe(3);
    // Within a wider window the same log is put in order in one pass, silently.
    const wide = await byok(['bill', path, '--reorder-window', '2h']);
    expect(wide.code).toBe(0);
    expect(wide.stderr).not.toContain('reorder window');
    expect(wide.stdout).toBe(sorted.stdout);
  });
});

describe('byok bill: one request id, anywhere in the input (POLICY.md D6)', () => {
  it('an id back with other content after the window moved on is refused, not billed twice', async () => {
    // The reproduction: r1 at 10:00, r2 at 10:20, r1 again at 10:45 with the same cost.
    const path = file(`${HEADER}\nr1,2025-10-05T10:00:00Z,a,,0.5,ok\nr2,2025-10-05T10:20:00Z,a,,0.5,ok\nr1,2025-10-05T10:45:00Z,a,,0.5,ok\n`);
    const strict = await byok(['bill', path, '-q']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`${path}, line 4, column 1 (request_id): request_id "r1" was already seen at ${path}, line 2 with different content`);
    for (const extra of [[], ['--sort'], ['--engine', 'duckdb']]) {
      const rejects = `${path}.${extra.join('') || 'window'}.rejects.csv`;
      const run = await byok(['bill', path, '-q', '--format', 'json', '--rejects', rejects, ...extra]);
      expect(run.code, extra.join(' ')).toBe(0);
      expect(JSON.parse(run.stdout).input, extra.join(' ')).toEqual({ rows: 3, accepted: 2, rejected: 1, duplicates: 0 });
      expect(readFileSync(rejects, 'utf8')).toContain(`${path},4,1,request_id,`);
    }
  });

  it('the audit of an invoice that bills the returning id twice does not match', async () => {
    // The same reproduction, with no free requests: billed twice, r1's fee made the invoice 0.075.
    const path = file(`${HEADER}\nr1,2025-10-05T10:00:00Z,a,,0.5,ok\nr2,2025-10-05T10:20:00Z,a,,0.5,ok\nr1,2025-10-05T10:45:00Z,a,,0.5,ok\n`);
    const accounts = file('scope,failover_mode,free_requests\nuser:a,,0\n');
    const invoice = file('scope,period,total_usd\nuser:a,2025-10,0.075\n');
    const strict = await byok(['audit', path, '--accounts', accounts, '--invoice', invoice, '-q']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`${path}, line 4, column 1 (request_id)`);
    const audit = await byok(['audit', path, '--accounts', accounts, '--invoice', invoice, '-q', '--format', 'json', '--rejects', `${path}.audit-rejects.csv`]);
    expect(audit.code).toBe(1);
    const report = JSON.parse(audit.stdout) as { matches: boolean; summary: { recomputedTotalUsd: string } };
    expect(report.matches).toBe(false);
    expect(report.summary.recomputedTotalUsd).toBe('0.05');
  });

  it('the earliest row of an id is the request, whichever comes first in the file', async () => {
    const path = file(`${HEADER}\nr1,2025-10-05T10:45:00Z,a,,7,ok\nr2,2025-10-05T10:20:00Z,a,,0.5,ok\nr1,2025-10-05T10:00:00Z,a,,0.5,ok\n`);
    const rejects = `${path}.rejects.csv`;
    const run = await byok(['bill', path, '-q', '--format', 'json', '--rejects', rejects]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).lines[0].byokCostUsd).toBe('1');
    expect(readFileSync(rejects, 'utf8')).toContain(`${path},2,1,request_id,"request_id ""r1"" was already seen at ${path}, line 4 with different content"`);
  });

  // Found by the DuckDB parity property: the held row a repeat is compared with may itself repeat
  // an earlier row the window (or the sorted plan's window of zero) had already let go.
  it.each([
    {
      name: 'a repeat compared with a held row that repeats an earlier one',
      log: `r9,2025-11-01T00:00:00Z,a,,0.5,ok\nr9,2025-11-01T00:00:00Z,a,,0.5,ok\nr1,2025-10-01T00:00:00Z,a,,0.5,ok\nr9,2025-11-01T00:30:00Z,b,,0.5,ok\nr9,2025-11-01T00:30:00Z,b,,0.5,ok\nr9,2025-09-30T23:59:59.999Z,a,,0.5,ok\n`,
      refused: [2, 3, 5, 6],
      earliest: 7,
    },
    {
      name: 'a row earlier than the held row of its id, both after the earliest left the window',
      log: `r1,2025-10-05T10:00:00Z,a,,0.5,ok\nr2,2025-10-05T10:20:00Z,a,,0.5,ok\nr1,2025-10-05T10:20:00Z,a,,0.7,ok\nr1,2025-10-05T10:10:00Z,a,,0.9,ok\n`,
      refused: [4, 5],
      earliest: 2,
    },
  ])('every refused repeat names the earliest row of its id: $name', async ({ log, refused, earliest }) => {
    const path = file(`${HEADER}\n${log}`);
    const idAt = (line: number) => log.split('\n')[line - 2]!.split(',')[0]!;
    const expected = refused.map((line) => `${path},${line},1,request_id,"request_id ""${idAt(line)}"" was already seen at ${path}, line ${earliest} with different content"`);
    for (const extra of [[], ['--sort'], ['--engine', 'duckdb']]) {
      const rejects = `${path}.${extra.join('') || 'window'}.rejects.csv`;
      const run = await byok(['bill', path, '-q', '--format', 'json', '--rejects', rejects, ...extra]);
      expect(run.code, extra.join(' ')).toBe(0);
      const lines = readFileSync(rejects, 'utf8').trim().split('\n').slice(1).map((l) => l.slice(0, l.indexOf(' with different content"') + ' with different content"'.length));
      expect(lines, extra.join(' ')).toEqual(expected);
    }
    // Without --rejects, the first refused row in input order, naming the earliest.
    const strict = await byok(['bill', path, '-q']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`${path}, line ${refused[0]}, column 1 (request_id)`);
    expect(strict.stderr).toContain(`was already seen at ${path}, line ${earliest} with different content`);
  });

  it('a CR LF inside a quoted value is part of it: "a\\r\\nb" and "a\\nb" are two requests (issue 15)', async () => {
    const path = file(`${HEADER}\r\n"a\r\nb",2025-10-05T10:00:00Z,alice,,0.5,ok\r\n"a\nb",2025-10-05T10:00:00Z,alice,,0.5,ok\r\n`);
    for (const extra of [[], ['--sort'], ['--threads', '1'], ['--engine', 'duckdb']]) {
      const run = await byok(['bill', path, '-q', '--format', 'json', ...extra]);
      expect(run.code, extra.join(' ')).toBe(0);
      expect(JSON.parse(run.stdout).input, extra.join(' ')).toEqual({ rows: 2, accepted: 2, rejected: 0, duplicates: 0 });
    }
    const details = `${path}.details.ndjson`;
    await byok(['bill', path, '-q', '--details', details]);
    expect(readFileSync(details, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).request_id)).toEqual(['a\nb', 'a\r\nb']); // allowance order: (instant, request_id)
  });

  it('an identical retry shipped later than the window is a duplicate, as with --sort', async () => {
    const path = file(`${HEADER}\nr1,2025-10-05T10:00:00Z,a,,0.5,ok\nr2,2025-10-05T11:00:00Z,a,,0.5,ok\nr1,2025-10-05T10:00:00.000+00:00,a,,0.50,ok\n`);
    const runs = await Promise.all([[], ['--sort']].map((extra) => byok(['bill', path, '-q', '--format', 'json', ...extra])));
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).input).toEqual({ rows: 3, accepted: 2, rejected: 0, duplicates: 1 });
    }
    expect(runs[0]!.stdout).toBe(runs[1]!.stdout);
  });
});

describe('byok bill: a log of only its header', () => {
  it('without a line end after it: an empty bill on every path (it was ERR_BUFFER_OUT_OF_BOUNDS)', async () => {
    const path = file(HEADER);
    for (const extra of [[], ['--sort'], ['--threads', '0'], ['--engine', 'duckdb']]) {
      const run = await byok(['bill', path, '-q', '--format', 'json', ...extra]);
      expect(run.code, `${extra.join(' ')}: ${run.stderr}`).toBe(0);
      expect(JSON.parse(run.stdout).input, extra.join(' ')).toEqual({ rows: 0, accepted: 0, rejected: 0, duplicates: 0 });
    }
    const piped = await byok(['bill', '-', '-q', '--format', 'json'], HEADER);
    expect(piped.code, piped.stderr).toBe(0);
  });
});

describe('byok bill: bad files', () => {
  it('a missing required column is named', async () => {
    const path = file('request_id,timestamp,user_id,key_result\nr1,2025-10-05T10:00:00Z,a,ok\n');
    const { code, stderr } = await byok(['bill', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 1: missing required column cost_usd`);
  });

  it('a log with neither key_result nor route is refused', async () => {
    const path = file('request_id,timestamp,user_id,cost_usd\nr1,2025-10-05T10:00:00Z,a,0.1\n');
    const { code, stderr } = await byok(['bill', path]);
    expect(code).toBe(2);
    expect(stderr).toContain('missing required column key_result or route');
  });

  it('a truncated gzip file is refused', async () => {
    const whole = gzipSync(Buffer.from(`${HEADER}\n${GOOD}\n`.repeat(200)));
    const path = file(whole.subarray(0, Math.floor(whole.length / 2)), '.csv.gz');
    const { code, stderr } = await byok(['bill', path, '-q']);
    expect(code).toBe(2);
    expect(stderr).toContain(path);
    expect(stderr).toMatch(/gzip|truncated|unexpected end/i);
  });

  it('a .gz file that is not gzip is refused', async () => {
    const path = file(`${HEADER}\n${GOOD}\n`, '.csv.gz');
    const { code, stderr } = await byok(['bill', path, '-q']);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}: is not a readable gzip file`);
  });

  it('a binary file is not CSV, named at the line of its first NUL byte', async () => {
    // The PNG signature: "\x89PNG\r\n\x1a\n", then NUL bytes on line 3.
    const path = file(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]), '.png');
    const { code, stderr } = await byok(['bill', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 3: is not a CSV text file`);
  });

  it('a missing file is refused with its name', async () => {
    const { code, stderr } = await byok(['bill', join(dir, 'nope.csv')]);
    expect(code).toBe(2);
    expect(stderr).toContain('nope.csv: cannot be read (ENOENT)');
  });

  it('an unterminated quoted field names the line it starts on', async () => {
    const path = file(`${HEADER}\n${GOOD}\nr2,2025-10-05T11:00:00Z,"alice,,0.5,ok\n`);
    const { code, stderr } = await byok(['bill', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 3: malformed CSV: a quoted field is never closed`);
  });

  it('an empty log and a header alone give an empty bill', async () => {
    for (const content of ['', `${HEADER}\n`]) {
      const { code, stdout } = await byok(['bill', file(content), '-q']);
      expect(code).toBe(0);
      const bill = JSON.parse(stdout);
      expect(bill.lines).toEqual([]);
      expect(bill.input).toEqual({ rows: 0, accepted: 0, rejected: 0, duplicates: 0 });
      expect(bill.totals.totalUsd).toBe('0');
    }
  });
});

describe('byok bill: input forms and outputs', () => {
  it('reads standard input with -, several files as one log, and gzip', async () => {
    const a = file(`${HEADER}\nr1,2025-10-05T10:00:00Z,alice,,0.25,ok\n`);
    const b = file(gzipSync(Buffer.from(`${HEADER}\nr2,2025-10-05T10:05:00Z,alice,,0.5,none\n`)), '.csv.gz');
    const { code, stdout } = await byok(['bill', a, b, '-', '-q'], `${HEADER}\nr3,2025-10-05T10:06:00Z,alice,,1,ok\n`);
    expect(code).toBe(0);
    const bill = JSON.parse(stdout);
    expect(bill.lines).toHaveLength(1);
    expect(bill.lines[0]).toMatchObject({ scope: 'user:alice', byokRequests: 2, byokCostUsd: '1.25', platformCostUsd: '0.5' });
  });

  it('--input-timezone reads offset-less timestamps in that zone', async () => {
    const path = file(`${HEADER}\nr1,2025-10-31T21:30:00,alice,,0.25,ok\n`);
    const { code, stdout } = await byok(['bill', path, '-q', '--input-timezone', 'America/New_York']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).lines[0].period).toBe('2025-11');
    const bad = await byok(['bill', path, '-q', '--input-timezone', 'Mars/Olympus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--input-timezone');
  });

  it('CSV outputs neutralize cells a spreadsheet would run as formulas', async () => {
    const path = file(`${HEADER}\n=1+2,2025-10-05T10:00:00Z,alice,,0.25,ok\n@SUM(A1),2025-10-05T10:00:01Z,bob,,-1,ok\n`);
    const details = join(dir, 'formula-details.csv');
    const rejects = join(dir, 'formula-rejects.csv');
    const { code } = await byok(['bill', path, '-q', '--details', details, '--rejects', rejects]);
    expect(code).toBe(0);
    const detailRows = parseCsv(readFileSync(details, 'utf8')) as string[][];
    expect(detailRows[1]![2]).toBe("'=1+2");
    const rejectRows = parseCsv(readFileSync(rejects, 'utf8')) as string[][];
    expect(rejectRows[1]![5]).toBe("'@SUM(A1),2025-10-05T10:00:01Z,bob,,-1,ok");
    // Exact amounts stay numbers: a negative difference is not text.
    const bill = await byok(['bill', path, '-q', '--format', 'csv', '--rejects', rejects]);
    expect(bill.stdout.split('\n')[1]).toBe('user:alice,2025-10,1,1,0,0.25,0,0,0,0,0');
  });

  it('--details writes one decision record per request, duplicates pointing at the original', async () => {
    const path = file(`${HEADER}\nr1,2025-10-05T10:00:00Z,alice,,0.25,ok\nr1,2025-10-05T10:00:00Z,alice,,0.25,ok\nr2,2025-10-05T10:01:00Z,alice,,0.5,none\n`);
    const details = join(dir, 'details.csv');
    const { code } = await byok(['bill', path, '-q', '--details', details]);
    expect(code).toBe(0);
    const rows = readFileSync(details, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('file,line,request_id,timestamp_utc,scope,period,policy_version,failover_mode,route,route_rule,recorded_route,route_mismatch,ordinal,allowance,status,cost_usd,fee_usd,charge_usd,charge_rule,duplicate_of_line');
    expect(rows).toHaveLength(4);
    // Issue 15: the duplicate's record comes right after the record it repeats, with its
    // request id and instant (it used to come first, with an empty request_id).
    expect(rows[1]).toBe(`${path},2,r1,2025-10-05T10:00:00Z,user:alice,2025-10,2025-10-free-million,fallback,byok,fallback: key served,,false,1,1000000,free,0.25,0,0,BYOK within the free allowance,`);
    expect(rows[2]).toBe(`${path},3,r1,2025-10-05T10:00:00Z${','.repeat(16)}2`);
    expect(rows[3]!.startsWith(`${path},4,r2,`)).toBe(true);
    const ndjson = join(dir, 'details.ndjson');
    await byok(['bill', path, '-q', '--details', ndjson]);
    const records = readFileSync(ndjson, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => [r.line, r.request_id])).toEqual([[2, 'r1'], [3, 'r1'], [4, 'r2']]);
    expect(records[1]).toEqual({ file: path, line: 3, request_id: 'r1', timestamp_utc: '2025-10-05T10:00:00Z', duplicate_of_line: 2, duplicate_of_file: path });
    expect(records.find((r) => r.request_id === 'r2')).toMatchObject({ route: 'platform', charge_usd: '0.5', ordinal: null, status: null });
  });

  it('reports route mismatches as a warning and uses the derived route', async () => {
    const path = file('request_id,timestamp,user_id,cost_usd,key_result,route\nr1,2025-10-05T10:00:00Z,u,0.1,ok,platform\n');
    const { code, stdout, stderr } = await byok(['bill', path]);
    expect(code).toBe(0);
    expect(stderr).toContain('1 request(s) have a recorded route that differs');
    expect(JSON.parse(stdout).lines[0].byokRequests).toBe(1);
  });

  it('table format rounds money to cents for display and accounts for every row', async () => {
    const path = file(`${HEADER}\nr1,2025-09-05T10:00:00Z,alice,,0.25,ok\n`);
    const { code, stdout } = await byok(['bill', path, '-q', '--format', 'table']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/user:alice\s+2025-09\s+1\s+0\s+1\s+0\.25\s+0\.01\s/);
    expect(stdout).toContain('rows 1: accepted 1, duplicates 0, rejected 0');
  });

  it('--out writes the bill to a file; ndjson gives the accounting, one object per line, and the totals', async () => {
    const path = file(`${HEADER}\n${GOOD}\n${GOOD}\nr3,2025-09-10T10:00:00Z,bob,,-1,ok\n`);
    const out = join(dir, 'bill.ndjson');
    const { code, stdout } = await byok(['bill', path, '-q', '--format', 'ndjson', '--out', out, '--rejects', join(dir, 'bill.ndjson.rejects.csv')]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const records = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const json = JSON.parse((await byok(['bill', path, '-q', '--format', 'json', '--rejects', join(dir, 'bill.json.rejects.csv')])).stdout);
    // Issue 15: the row accounting and the totals are there, as in the JSON bill.
    expect(records).toEqual([{ policy: json.policy, input: { rows: 3, accepted: 1, rejected: 1, duplicates: 1 } }, ...json.lines, { totals: json.totals }]);
    expect(records[1]).toMatchObject({ scope: 'user:alice', byokCostUsd: '0.25' });
  });

  it('bad option values are usage errors (exit 2)', async () => {
    const path = file(`${HEADER}\n${GOOD}\n`);
    expect((await byok(['bill', path, '--reorder-window', 'soon'])).code).toBe(2);
    expect((await byok(['bill', path, '--format', 'xml'])).code).toBe(2);
    expect((await byok(['bill'])).code).toBe(2);
  });

  it('--help documents every option with examples', async () => {
    const { code, stdout } = await byok(['bill', '--help']);
    expect(code).toBe(0);
    for (const option of ['--policy', '--accounts', '--format', '--out', '--input-timezone', '--details', '--rejects', '--reorder-window', '--sort', '--quiet']) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toContain('Examples:');
  });
});

/** A log's bytes: text, and byte values that need not be UTF-8. */
const logOf = (...parts: (string | number[] | Buffer)[]) => Buffer.concat(parts.map((part) => (Buffer.isBuffer(part) ? part : Buffer.from(part as string))));

/** Runs `work`, sampling this process's resident memory: its result, the peak in MB, and the time taken. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number; ms: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = Date.now();
  try {
    const result = await work();
    return { result, peakMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20, ms: Date.now() - started };
  } finally {
    clearInterval(timer);
  }
}

/*
 * Issue 15, hostile input, the readers: bytes that are not UTF-8, records without bound, NUL
 * bytes and CR line ends. Both log readers (the byte scanner and the record reader) and the
 * import refuse the same things in the same words (test/fastReplayParity.test.ts holds the
 * two log readers to each other on generated logs).
 */
describe('byok bill: bytes that are not UTF-8', () => {
  const twoUsers = () => logOf(`${HEADER}\nr1,2025-10-05T10:00:00Z,al`, [0xff], `ice,,0.25,ok\nr2,2025-10-05T10:00:01Z,al`, [0xfe], 'ice,,0.25,ok\n');

  it('users al\\xffice and al\\xfeice are refused, not read as one user sharing one allowance: exit 2 naming file, line and column', async () => {
    // catches: decoding with U+FFFD, which made both "al\uFFFDice".
    const path = file(twoUsers());
    const { code, stdout, stderr } = await byok(['bill', path, '-q']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${path}, line 2, column 3 (user_id): not valid UTF-8 (byte 0xff at position 3)`);
  });

  it('with --rejects each row is written as valid UTF-8 text, bad bytes as \\xHH; ids r\\xff and r\\xfe are two refused rows, not a duplicate', async () => {
    const path = file(
      logOf(twoUsers(), 'r', [0xff], ',2025-10-05T10:00:02Z,bob,,0.25,ok\nr', [0xfe], ',2025-10-05T10:00:02Z,bob,,0.25,ok\nr\\7,2025-10-05T10:00:03Z,"b\no', [0xc3], '",,0.25,ok\n', `${GOOD}\n`),
    );
    const rejects = join(dir, 'rejects-utf8.csv');
    const { code, stdout } = await byok(['bill', path, '--rejects', rejects, '-q']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).input).toEqual({ rows: 6, accepted: 1, rejected: 5, duplicates: 0 });
    const bytes = readFileSync(rejects);
    expect(isUtf8(bytes)).toBe(true);
    const rows = (parseCsv(bytes.toString('utf8')) as string[][]).slice(1).map(([, line, column, name, reason, text]) => [line, column, name, reason, text]);
    expect(rows).toEqual([
      ['2', '3', 'user_id', 'not valid UTF-8 (byte 0xff at position 3)', 'r1,2025-10-05T10:00:00Z,al\\xffice,,0.25,ok'],
      ['3', '3', 'user_id', 'not valid UTF-8 (byte 0xfe at position 3)', 'r2,2025-10-05T10:00:01Z,al\\xfeice,,0.25,ok'],
      ['4', '1', 'request_id', 'not valid UTF-8 (byte 0xff at position 2)', 'r\\xff,2025-10-05T10:00:02Z,bob,,0.25,ok'],
      ['5', '1', 'request_id', 'not valid UTF-8 (byte 0xfe at position 2)', 'r\\xfe,2025-10-05T10:00:02Z,bob,,0.25,ok'],
      // A quoted field over two lines: named by the line it starts on; a backslash is doubled, so the text maps back to one byte string.
      ['6', '3', 'user_id', 'not valid UTF-8 (byte 0xc3 at position 4)', 'r\\\\7,2025-10-05T10:00:03Z,"b\no\\xc3",,0.25,ok'],
    ]);
  });

  it('a header that is not UTF-8 stops the run, even with --rejects', async () => {
    const path = file(logOf('request_id,timestamp,user', [0xe9], '_id,org_id,cost_usd,key_result\n', `${GOOD}\n`));
    const { code, stderr } = await byok(['bill', path, '-q', '--rejects', join(dir, 'r-header.csv')]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 1, column 3: the header is not valid UTF-8 (byte 0xe9 at position 5)`);
  });
});

describe('byok bill: records longer than --max-line-bytes', () => {
  it('a 20 MB cell: refused naming file and line; with --rejects the run goes on and the row is shown cut to its first 1024 bytes', async () => {
    const path = file(`${HEADER}\n${GOOD}\nr2,2025-10-05T11:00:00Z,${'m'.repeat(20 << 20)},,0.25,ok\nr3,2025-10-05T12:00:00Z,bob,,0.5,ok\n`);
    const stopped = await byok(['bill', path, '-q', '--max-line-bytes', '64K']);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(`${path}, line 3: the record is longer than 65536 bytes (--max-line-bytes)`);
    const rejects = join(dir, 'rejects-long.csv');
    const { code, stdout } = await byok(['bill', path, '-q', '--max-line-bytes', '64K', '--rejects', rejects]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).input).toEqual({ rows: 3, accepted: 2, rejected: 1, duplicates: 0 });
    const [, refused] = parseCsv(readFileSync(rejects, 'utf8')) as string[][];
    expect(refused!.slice(0, 3)).toEqual([path, '3', '']);
    expect(refused![4]).toContain('its text cut to the first 1024 bytes');
    expect(refused![5]).toBe(`r2,2025-10-05T11:00:00Z,${'m'.repeat(1024 - 24)}`);
  });

  it('a header and 50 MB without a line end: refused at a small limit, and at the default limit fast and in bounded memory', async () => {
    const bytes = Buffer.alloc((50 << 20) + HEADER.length + 1, 'x');
    bytes.write(`${HEADER}\n`);
    const path = file(bytes);
    const small = await byok(['bill', path, '-q', '--max-line-bytes', '1K']);
    expect(small.code).toBe(2);
    expect(small.stderr).toContain(`${path}, line 2: the record is longer than 1024 bytes`);
    // The default: it used to grow to 24 GB and be killed. A file this large is scanned by threads.
    const { result, peakMb, ms } = await measured(() => byok(['bill', path, '-q']));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path}, line 2: the record is longer than 1048576 bytes (--max-line-bytes)`);
    expect(ms).toBeLessThan(20_000);
    expect(peakMb).toBeLessThan(1024);
    // Standard input, and the record reader of `byok meter`, the same.
    const stdin = await byok(['bill', '-', '-q', '--max-line-bytes', '1K'], bytes.subarray(0, 4 << 20));
    expect(stdin.stderr).toContain('<stdin>, line 2: the record is longer than 1024 bytes');
    const meter = await byok(['meter', path, '-q']);
    expect(meter.code).toBe(2);
    expect(meter.stderr).toContain(`${path}, line 2: the record is longer than 1048576 bytes`);
  });

  it('a 64 MB line inside a 64 KB gzip is skipped as it streams by, and the rows after it are billed', async () => {
    // catches: a line read whole before being looked at (a 1 GB line in a 4.7 MB gzip ran for more than 11 minutes).
    const path = file(gzipSync(Buffer.from(`${HEADER}\n${GOOD}\nr2,2025-10-05T11:00:00Z,${'x'.repeat(64 << 20)},,0.25,ok\nr3,2025-10-05T12:00:00Z,bob,,0.5,ok\n`)), '.csv.gz');
    const { result, ms } = await measured(() => byok(['bill', path, '-q', '--rejects', join(dir, 'rejects-gz.csv')]));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).input).toEqual({ rows: 3, accepted: 2, rejected: 1, duplicates: 0 });
    expect(ms).toBeLessThan(20_000);
  });

  it('a quoted field holding line ends past the limit is skipped to where its quotes close: the lines after it are counted and read as rows', async () => {
    const path = file(`${HEADER}\n${GOOD}\nr2,2025-10-05T11:00:00Z,"${'a\n'.repeat(2000)}",,0.25,ok\nr3,2025-10-05T12:00:00Z,bob,,-1,ok\n`);
    const rejects = join(dir, 'rejects-quoted.csv');
    const { code, stdout } = await byok(['bill', path, '-q', '--max-line-bytes', '1K', '--rejects', rejects]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).input).toEqual({ rows: 3, accepted: 1, rejected: 2, duplicates: 0 });
    const rows = (parseCsv(readFileSync(rejects, 'utf8')) as string[][]).slice(1);
    // The record spans lines 3 to 2003; the next row is line 2004.
    expect(rows.map((r) => [r[1], r[3]])).toEqual([
      ['3', ''],
      ['2004', 'cost_usd'],
    ]);
  });

  it('--max-line-bytes is checked, and the commands that read logs take it', async () => {
    const path = file(`${HEADER}\n${GOOD}\n`);
    for (const bad of ['abc', '0', '2G', '-5']) expect((await byok(['bill', path, '--max-line-bytes', bad])).code).toBe(2);
    expect((await byok(['bill', path, '-q', '--max-line-bytes', '16M'])).code).toBe(0);
    for (const command of ['bill', 'audit', 'explain', 'whatif']) expect((await byok([command, '--help'])).stdout).toContain('--max-line-bytes');
  });
});

describe('byok bill: NUL bytes and CR line ends', () => {
  it('a NUL byte on line 2 is reported on line 2', async () => {
    const path = file(logOf(`${HEADER}\nr1,2025-10-05T10:00:00Z,al`, [0], 'ice,,0.25,ok\n'));
    const { code, stderr } = await byok(['bill', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 2: is not a CSV text file (it contains NUL bytes)`);
  });

  it('a file with CR alone as line end is said to be one, not shown with CRs inside its header', async () => {
    const path = file(`${HEADER}\r${GOOD}\r`);
    const { code, stderr } = await byok(['bill', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 1: missing required column key_result or route (header: "${HEADER}"); its lines seem to end in CR alone`);
    expect(stderr).not.toContain('\\r');
  });
});
