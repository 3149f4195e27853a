import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '@byok-billing/cli';
import { csvExactText } from '../src/io/csvCell.js';
import { jsonNumberToDecimal } from '../src/import/jsonNumberToDecimal.js';
import { JsonDocumentSplitter } from '../src/import/jsonDocumentRecords.js';
import { costText } from '../../../test/arbitraries/money.js';
import { USERS, requestIdArb } from '../../../test/arbitraries/requestLog.js';
import { MONTHS, instantIn, renderedTimestamp } from '../../../test/arbitraries/timestamps.js';
import { byok } from '../../../test/support/runByok.js';

/*
 * `byok import generations`: a gateway's generation records (JSON) into a request log.
 * Amounts in these tests are always text: JSON numbers are written as source text and
 * compared as the strings the log must hold. No JavaScript number ever holds money here.
 */

const dir = mkdtempSync(join(tmpdir(), 'byok-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The scaled policy of scenario 08: 3 free BYOK requests per scope and month, then 5%. */
const POLICY = join(import.meta.dirname, '../../../scenarios/08-personal-and-org/policy.json');
const HEADER = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,route,charged_usd';

let fileCount = 0;
function file(content: string, ext = '.jsonl'): string {
  const path = join(dir, `records-${++fileCount}${ext}`);
  writeFileSync(path, content);
  return path;
}

/** A generation record in snake_case; `fields` replaces or adds fields as raw JSON text. */
function record(fields: Record<string, string> = {}): string {
  const base: Record<string, string> = {
    id: '"gen-1"',
    created_at: '"2025-11-03T10:00:00.123456+00:00"',
    model: '"openai/gpt-4o"',
    provider_name: '"OpenAI"',
    is_byok: 'true',
    total_cost: '0',
    upstream_inference_cost: '0.0125',
    cancelled: 'false',
    external_user: '"alice"',
  };
  const all = { ...base, ...fields };
  return `{${Object.entries(all)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(',')}}`;
}

const CAMEL: Record<string, string> = {
  created_at: 'createdAt',
  provider_name: 'providerName',
  is_byok: 'isByok',
  total_cost: 'totalCost',
  upstream_inference_cost: 'upstreamInferenceCost',
  external_user: 'externalUser',
};

/** The same record with camelCase names. */
function camel(json: string): string {
  return json.replace(/"([a-z_]+)":/g, (whole, name: string) => (CAMEL[name] ? `"${CAMEL[name]}":` : whole));
}
const wrapped = (json: string) => `{"data":${json}}`;

async function importText(content: string, args: string[] = [], ext = '.jsonl') {
  const path = file(content, ext);
  const result = await byok(['import', 'generations', path, ...args]);
  return { ...result, path };
}

/** The data rows of an imported log (after the header), each as an object by column. */
function rowsOf(csv: string): Record<string, string>[] {
  const rows = parseCsv(csv) as string[][];
  expect(rows[0]!.join(',')).toBe(HEADER);
  return rows.slice(1).map((r) => Object.fromEntries(rows[0]!.map((name, i) => [name, r[i]!])));
}

describe('byok import generations: the shapes exports come in', () => {
  it('snake_case, camelCase and {"data": …} wrapping give the same rows', async () => {
    const records = [
      record({ id: '"g1"' }),
      camel(record({ id: '"g2"', created_at: '"2025-11-03T10:00:01.000001+00:00"' })),
      wrapped(record({ id: '"g3"', created_at: '"2025-11-03T10:00:02Z"' })),
      wrapped(camel(record({ id: '"g4"', created_at: '"2025-11-03T05:00:03-05:00"' }))),
    ];
    const { code, stdout, stderr } = await importText(`${records.join('\n')}\n`, ['--org', 'acme']);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe(
      `${HEADER}\n` +
        'g1,2025-11-03T10:00:00.123456+00:00,alice,acme,openai/gpt-4o,OpenAI,0.0125,byok,0\n' +
        'g2,2025-11-03T10:00:01.000001+00:00,alice,acme,openai/gpt-4o,OpenAI,0.0125,byok,0\n' +
        'g3,2025-11-03T10:00:02Z,alice,acme,openai/gpt-4o,OpenAI,0.0125,byok,0\n' +
        'g4,2025-11-03T05:00:03-05:00,alice,acme,openai/gpt-4o,OpenAI,0.0125,byok,0\n',
    );
    expect(stderr).toContain('imported 4 of 4 record(s)');
  });

  it('a BYOK record costs its upstream_inference_cost and is charged total_cost; a platform record both total_cost', async () => {
    const records = [
      record({ id: '"b"', total_cost: '0.000625', upstream_inference_cost: '0.0125' }),
      record({ id: '"p"', is_byok: 'false', total_cost: '0.052', upstream_inference_cost: 'null' }),
      record({ id: '"q"', is_byok: 'false', total_cost: '0.03', upstream_inference_cost: '' }),
    ];
    const { code, stdout } = await importText(records.join('\n'), ['-q']);
    expect(code).toBe(0);
    expect(rowsOf(stdout).map((r) => [r.request_id, r.cost_usd, r.route, r.charged_usd])).toEqual([
      ['b', '0.0125', 'byok', '0.000625'],
      ['p', '0.052', 'platform', '0.052'],
      ['q', '0.03', 'platform', '0.03'],
    ]);
  });

  it('a .json file holding an array, pretty-printed', async () => {
    const doc = `[\n  ${record({ id: '"a"' })},\n  ${camel(record({ id: '"b"' }))}\n]\n`;
    const { code, stdout } = await importText(doc, ['-q'], '.json');
    expect(code).toBe(0);
    expect(rowsOf(stdout).map((r) => r.request_id)).toEqual(['a', 'b']);
  });

  it('a .json file holding {"data": [...]} (the list API\'s shape), and one holding a single record', async () => {
    const list = await importText(`{"data": [${record({ id: '"a"' })}, ${wrapped(record({ id: '"b"' }))}], "next": null}`, ['-q'], '.json');
    expect(list.code, list.stderr).toBe(0);
    expect(rowsOf(list.stdout).map((r) => r.request_id)).toEqual(['a', 'b']);
    const single = await importText(`{\n  "data": ${record({ id: '"only"' })}\n}\n`, ['-q'], '.json');
    expect(single.code, single.stderr).toBe(0);
    expect(rowsOf(single.stdout).map((r) => r.request_id)).toEqual(['only']);
  });

  it('standard input: JSON Lines, an array, and a pretty-printed {"data": [...]} are told apart', async () => {
    const lines = `${record({ id: '"a"' })}\n\n${camel(record({ id: '"b"' }))}\n`;
    const array = `[${record({ id: '"a"' })},${record({ id: '"b"' })}]`;
    const pretty = `{\n  "data": [\n    ${record({ id: '"a"' })},\n    ${record({ id: '"b"' })}\n  ]\n}\n`;
    for (const input of [lines, array, pretty]) {
      const { code, stdout, stderr } = await byok(['import', 'generations', '-', '--user', 'zoe', '-q'], input);
      expect(code, stderr).toBe(0);
      expect(rowsOf(stdout).map((r) => `${r.request_id}:${r.user_id}`)).toEqual(['a:zoe', 'b:zoe']);
    }
  });

  it('blank lines, CRLF line ends and a BOM are accepted in JSON Lines', async () => {
    const { code, stdout } = await importText(`\uFEFF${record({ id: '"a"' })}\r\n\r\n   \r\n${record({ id: '"b"' })}\r\n`, ['-q']);
    expect(code).toBe(0);
    expect(rowsOf(stdout).map((r) => r.request_id)).toEqual(['a', 'b']);
  });

  it('--out writes the log to a file that byok bill reads', async () => {
    const out = join(dir, 'out.csv');
    const { code, stdout, stderr } = await importText(record(), ['--out', out]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`into ${out}`);
    expect(readFileSync(out, 'utf8')).toBe(`${HEADER}\ngen-1,2025-11-03T10:00:00.123456+00:00,alice,,openai/gpt-4o,OpenAI,0.0125,byok,0\n`);
    const bill = await byok(['bill', out, '-q']);
    expect(bill.code).toBe(0);
    expect(JSON.parse(bill.stdout).lines[0].scope).toBe('user:alice');
  });

  it('an empty input gives a log with its header alone', async () => {
    const { code, stdout, stderr } = await importText('\n\n');
    expect(code).toBe(0);
    expect(stdout).toBe(`${HEADER}\n`);
    expect(stderr).toContain('the input holds no records');
  });

  it('text cells are written exactly (a log for programs: RFC 4180 quoting, no formula guard); money stays numeric', async () => {
    const { code, stdout } = await importText(record({ external_user: '"=HYPERLINK(\\"x\\")"', model: '"a,b"' }), ['-q']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[1]).toBe(`gen-1,2025-11-03T10:00:00.123456+00:00,"=HYPERLINK(""x"")",,"a,b",OpenAI,0.0125,byok,0`);
  });
});

describe('byok import generations: money from the JSON text, exactly', () => {
  /** JSON number as written → the plain decimal the log must hold. */
  const EXACT: readonly [string, string][] = [
    ['0.1', '0.1'],
    ['0.2', '0.2'],
    ['0.3', '0.3'],
    ['0.30', '0.3'],
    ['0.1000000000000000', '0.1'],
    ['1e-7', '0.0000001'],
    ['1.5E-7', '0.00000015'],
    ['2.50e+1', '25'],
    ['25E0', '25'],
    ['1e-12', '0.000000000001'],
    ['123456789e-12', '0.000123456789'],
    ['0.000123456789', '0.000123456789'],
    ['9007199254740993.000000000001', '9007199254740993.000000000001'],
    ['12345678901234567890.123456789012', '12345678901234567890.123456789012'],
    ['0', '0'],
    ['-0', '0'],
    ['0e-20', '0'],
    ['0.0E+5', '0'],
  ];
  for (const [json, plain] of EXACT) {
    it(`total_cost ${json} → ${plain}`, async () => {
      const { code, stdout, stderr } = await importText(record({ is_byok: 'false', total_cost: json }), ['-q']);
      expect(code, stderr).toBe(0);
      const [row] = rowsOf(stdout);
      expect(row!.cost_usd).toBe(plain);
      expect(row!.charged_usd).toBe(plain);
    });
  }

  it('a quoted amount (some exports quote numbers) is read the same way', async () => {
    const { code, stdout } = await importText(record({ total_cost: '"4e-4"', upstream_inference_cost: '"0.008"' }), ['-q']);
    expect(code).toBe(0);
    expect(rowsOf(stdout)[0]).toMatchObject({ cost_usd: '0.008', charged_usd: '0.0004' });
  });

  /** Amounts the log cannot hold: refused with the field and why, never rounded. */
  const REFUSED: readonly [string, RegExp][] = [
    ['0.30000000000000004', /total_cost 0\.30000000000000004 has 17 fractional digits once written as a plain decimal; the request log keeps at most 12, and byok does not round money/],
    ['1e-13', /has 13 fractional digits/],
    ['12345e-16', /has 16 fractional digits/],
    ['1e999999999', /exponent 999999999 is out of range/],
    ['1e31', /too large/],
    ['-0.01', /must not be negative/],
    ['"0x10"', /is not a JSON number/],
    ['"1.5 USD"', /is not a JSON number/],
    ['true', /total_cost must be a number, not true/],
    ['null', /total_cost is null/],
  ];
  for (const [json, reason] of REFUSED) {
    it(`total_cost ${json} is refused`, async () => {
      const { code, stdout, stderr, path } = await importText(`${record({ id: '"ok"' })}\n${record({ id: '"bad"', total_cost: json })}\n`);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`${path}, line 2, field total_cost: `);
      expect(stderr).toMatch(reason);
    });
  }

  it('jsonNumberToDecimal is the exact value of any JSON number, in canonical form (property)', () => {
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    fc.assert(
      fc.property(
        fc.constantFrom('', '-'),
        fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0, 8)).map(([a, b]) => a + b)),
        fc.option(digits(1, 14), { nil: undefined }),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 25 }), fc.boolean()), { nil: undefined }),
        (sign, int, frac, exp) => {
          const exponent = exp === undefined ? 0 : (exp[1] === '-' ? -1 : 1) * exp[2];
          const source = `${sign}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : `${exp[0]}${exp[1]}${exp[3] ? '0' : ''}${exp[2]}`}`;
          // The value, as an integer coefficient and a power of ten, in BigInt.
          const coefficient = BigInt(int + (frac ?? ''));
          const power = exponent - (frac?.length ?? 0);
          const result = jsonNumberToDecimal(source, 12);
          // The fractional digits the value needs: the power, less trailing zeros of the coefficient.
          let needed = 0;
          let integerDigits = 1;
          if (coefficient !== 0n) {
            let c = coefficient;
            let p = power;
            while (c % 10n === 0n) {
              c /= 10n;
              p++;
            }
            needed = Math.max(0, -p);
            integerDigits = String(c).length + p;
          }
          // Refused: more than 12 fractional digits, or more than 30 integer digits (no such cost).
          if (needed > 12 || integerDigits > 30) {
            expect(result.ok).toBe(false);
            return;
          }
          if (!result.ok) throw new Error(`${source}: ${result.reason}`);
          expect(result.text).toMatch(/^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/);
          expect(result.text === '-0' || (coefficient === 0n && result.text !== '0')).toBe(false);
          const [whole, fraction = ''] = result.text.replace(/^-/, '').split('.');
          const units = BigInt(whole! + fraction);
          const scale = fraction.length;
          // units × 10^-scale = coefficient × 10^power  ⇔  units × 10^(-power) = coefficient × 10^scale
          const left = power < 0 ? units * 10n ** BigInt(-power) : units;
          const right = power < 0 ? coefficient * 10n ** BigInt(scale) : coefficient * 10n ** BigInt(power + scale);
          expect(left).toBe(right);
          expect(result.text.startsWith('-')).toBe(sign === '-' && coefficient !== 0n);
        },
      ),
    );
  });
});

describe('byok import generations: time', () => {
  it('microsecond timestamps are kept as written and put in order, whatever the export order', async () => {
    // Newest first, as exports list them; b and c are one microsecond apart in different offsets.
    const records = [
      record({ id: '"d"', created_at: '"2025-11-03T10:00:00.000003+00:00"' }),
      record({ id: '"c"', created_at: '"2025-11-03T11:00:00.000002+01:00"' }),
      record({ id: '"b"', created_at: '"2025-11-03T10:00:00.000001Z"' }),
      record({ id: '"a"', created_at: '"2025-11-03T10:00:00.000001+00:00"' }), // ties with b: id order
    ];
    const { code, stdout } = await importText(records.join('\n'), ['--org', 'acme', '-q']);
    expect(code).toBe(0);
    expect(rowsOf(stdout).map((r) => `${r.request_id} ${r.timestamp}`)).toEqual([
      'a 2025-11-03T10:00:00.000001+00:00',
      'b 2025-11-03T10:00:00.000001Z',
      'c 2025-11-03T11:00:00.000002+01:00',
      'd 2025-11-03T10:00:00.000003+00:00',
    ]);
  });

  it('the allowance runs out at the right microsecond (allowance 3: the 4th in time pays)', async () => {
    const records = ['6', '5', '4', '3', '2', '1'].map((us) =>
      record({ id: `"x${7 - Number(us)}"`, created_at: `"2025-11-03T10:00:00.00000${us}+00:00"`, upstream_inference_cost: '0.02' }),
    );
    const out = join(dir, 'micro.csv');
    expect((await importText(records.join('\n'), ['--org', 'acme', '--out', out, '-q'])).code).toBe(0);
    const details = join(dir, 'micro-details.csv');
    const bill = await byok(['bill', out, '--policy', POLICY, '--details', details, '-q']);
    expect(bill.code).toBe(0);
    const decisions = parseCsv(readFileSync(details, 'utf8'), { columns: true }) as Record<string, string>[];
    // x6 is written 000001, x1 000006: in time order x6..x1; the 4th (x3) is the first billable.
    expect(decisions.filter((d) => d.status === 'billable').map((d) => d.request_id)).toEqual(['x3', 'x2', 'x1']);
    expect(JSON.parse(bill.stdout).totals.feeUsd).toBe('0.003');
  });

  it('a created_at without an offset, or not a date-time, is refused naming the field', async () => {
    const noOffset = await importText(record({ created_at: '"2025-11-03T10:00:00.123456"' }));
    expect(noOffset.code).toBe(2);
    expect(noOffset.stderr).toContain(`${noOffset.path}, line 1, field created_at: created_at: timestamp "2025-11-03T10:00:00.123456": has no UTC offset`);
    const epoch = await importText(camel(record({ created_at: '"1762164000000"' })));
    expect(epoch.code).toBe(2);
    expect(epoch.stderr).toContain(`${epoch.path}, line 1, field createdAt: createdAt "1762164000000" is not an ISO-8601 date-time`);
  });
});

describe('byok import generations: refused records', () => {
  /** A bad record, the field it must be blamed on, and a fragment of the reason. */
  const BAD: readonly { name: string; json: string; field: string | undefined; reason: RegExp }[] = [
    { name: 'missing id', json: record({ id: '' }), field: 'id', reason: /id is missing/ },
    { name: 'numeric id', json: record({ id: '42' }), field: 'id', reason: /id must be a string, not the number 42/ },
    { name: 'is_byok as a string', json: record({ is_byok: '"yes"' }), field: 'is_byok', reason: /is_byok must be true or false, not the string "yes"/ },
    { name: 'BYOK without upstream_inference_cost', json: record({ upstream_inference_cost: '' }), field: 'upstream_inference_cost', reason: /upstream_inference_cost is missing/ },
    { name: 'camelCase field named as written', json: camel(record({ upstream_inference_cost: 'null' })), field: 'upstreamInferenceCost', reason: /upstreamInferenceCost is null/ },
    {
      name: 'both spellings, different values',
      json: record({ totalCost: '0.5', total_cost: '0.4' }),
      field: 'total_cost',
      reason: /both total_cost and totalCost are given, with different values/,
    },
    { name: 'cancelled not a boolean', json: record({ cancelled: '1' }), field: 'cancelled', reason: /cancelled must be true or false, not the number 1/ },
    { name: 'not an object', json: '[1,2]', field: undefined, reason: /a generation record must be a JSON object, not an array/ },
    { name: 'not JSON', json: '{"id": "g", ', field: undefined, reason: /not valid JSON/ },
    { name: 'duplicate key, different values', json: '{"id": "a", "id": "b"}', field: undefined, reason: /not valid JSON: Duplicate key 'id'/ },
    // Issue 15: every JSON input refuses a key said twice, whatever the values.
    { name: 'duplicate key, equal values', json: record({ id: '"g1", "id": "g1"' }), field: undefined, reason: /duplicate key "id" in \$ \(first on line 1\)/ },
    { name: 'a key naming a prototype', json: record({ constructor: '{"prototype": {"x": 1}}' }), field: undefined, reason: /key "constructor" is not allowed/ },
  ];

  for (const bad of BAD) {
    it(`${bad.name}: exit 2 naming file, line and field`, async () => {
      const { code, stdout, stderr, path } = await importText(`${record({ id: '"ok"' })}\n\n${bad.json}\n`);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`${path}, line 3${bad.field === undefined ? ':' : `, field ${bad.field}:`}`);
      expect(stderr).toMatch(bad.reason);
    });

    it(`${bad.name}: with --rejects the record is written out and the import goes on`, async () => {
      const rejects = join(dir, `rejects-${fileCount + 1}.csv`);
      const { code, stdout, stderr, path } = await importText(`${record({ id: '"ok"' })}\n\n${bad.json}\n`, ['--rejects', rejects]);
      expect(code).toBe(0);
      expect(rowsOf(stdout).map((r) => r.request_id)).toEqual(['ok']);
      expect(stderr).toContain('imported 1 of 2 record(s)');
      expect(stderr).toContain('1 rejected');
      const rows = parseCsv(readFileSync(rejects, 'utf8')) as string[][];
      expect(rows[0]).toEqual(['file', 'line', 'index', 'field', 'reason', 'record']);
      expect(rows).toHaveLength(2);
      expect(rows[1]!.slice(0, 4)).toEqual([path, '3', '', bad.field ?? '']);
      expect(rows[1]![4]).toMatch(bad.reason);
      expect(rows[1]![5]).toBe(bad.json);
    });
  }

  it('in a .json array, a bad record is located by its line and array index', async () => {
    const doc = `{"data": [\n  ${record({ id: '"a"' })},\n  {\n    "id": "b",\n    "created_at": "2025-11-03T10:00:00Z",\n    "is_byok": false,\n    "total_cost": 1e-13\n  }\n]}\n`;
    const { code, stderr, path } = await importText(doc, [], '.json');
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 3, record [1], field total_cost: total_cost 1e-13 has 13 fractional digits`);
    const rejects = join(dir, 'array-rejects.csv');
    const collected = await importText(doc, ['--rejects', rejects, '-q'], '.json');
    expect(collected.code).toBe(0);
    const rows = parseCsv(readFileSync(rejects, 'utf8')) as string[][];
    expect(rows[1]!.slice(0, 4)).toEqual([collected.path, '3', '1', 'total_cost']);
    expect(rows[1]![5]).toBe('{\n    "id": "b",\n    "created_at": "2025-11-03T10:00:00Z",\n    "is_byok": false,\n    "total_cost": 1e-13\n  }');
  });

  it('a .json document that is not valid JSON stops the import at its line, even with --rejects', async () => {
    const { code, stderr, path } = await importText(`[\n  ${record()},\n  ${record()}\n  ${record()}\n]`, ['--rejects', join(dir, 'r.csv')], '.json');
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}, line 4: not valid JSON`);
  });

  it('JSON Lines named .json get a hint', async () => {
    const { code, stderr } = await importText(`${record({ id: '"a"' })}\n${record({ id: '"b"' })}\n`, [], '.json');
    expect(code).toBe(2);
    expect(stderr).toContain('name the file .jsonl, or give --input-format jsonl');
    const forced = await importText(`${record({ id: '"a"' })}\n${record({ id: '"b"' })}\n`, ['--input-format', 'jsonl', '-q'], '.json');
    expect(forced.code).toBe(0);
  });

  it('a document is split into its records as it streams, despite brackets, commas and escaped quotes inside strings', () => {
    const text = '{"meta": [1, 2], "data": [\n {"a": "x],\\"{"}, [3, [4]],\n  "s", 5 , null\n], "tail": {"data": [9]}}';
    const bytes = Buffer.from(text);
    // Cut anywhere: one byte at a time gives the same records as the whole text at once.
    for (const step of [1, 7, bytes.length]) {
      const splitter = new JsonDocumentSplitter('doc.json', 1 << 20);
      const records = [];
      for (let at = 0; at < bytes.length; at += step) records.push(...splitter.push(bytes.subarray(at, at + step)));
      records.push(...splitter.end());
      expect(records.map((r) => [r.text, r.location.line, r.location.index])).toEqual([
        ['{"a": "x],\\"{"}', 2, 0],
        ['[3, [4]]', 2, 1],
        ['"s"', 3, 2],
        ['5', 3, 3],
        ['null', 3, 4],
      ]);
    }
    const empty = new JsonDocumentSplitter('doc.json', 1 << 20);
    expect([...empty.push(Buffer.from('[]')), ...empty.end()]).toEqual([]);
  });
});

describe('byok import generations: users, orgs, cancellations, duplicates', () => {
  it('the user is --user, else the record\'s external_user; a record with neither is refused', async () => {
    const records = `${record({ id: '"a"', external_user: '"bob"' })}\n${camel(record({ id: '"b"', external_user: '"carol"' }))}\n`;
    const own = await importText(records, ['-q']);
    expect(rowsOf(own.stdout).map((r) => `${r.user_id}/${r.org_id}`)).toEqual(['bob/', 'carol/']);
    const given = await importText(records, ['--user', 'zoe', '--org', 'acme', '-q']);
    expect(rowsOf(given.stdout).map((r) => `${r.user_id}/${r.org_id}`)).toEqual(['zoe/acme', 'zoe/acme']);
    const none = await importText(`${record({ id: '"a"', external_user: 'null' })}\n${record({ id: '"b"', external_user: '' })}\n`);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`${none.path}, line 1, field external_user: the record has no external_user and no --user was given`);
    const rescued = await importText(`${record({ id: '"a"', external_user: 'null' })}\n`, ['--user', 'zoe', '-q']);
    expect(rescued.code).toBe(0);
  });

  it('empty --user or --org is a usage error', async () => {
    expect((await importText(record(), ['--user', ''])).code).toBe(2);
    expect((await importText(record(), ['--org', ''])).stderr).toContain('--org must not be empty');
  });

  it('a cancelled record is route failed, keeps its recorded charge, and takes no allowance', async () => {
    const records = [
      record({ id: '"c"', created_at: '"2025-11-03T09:00:00Z"', cancelled: 'true', total_cost: '0', upstream_inference_cost: '0.02' }),
      record({ id: '"p"', created_at: '"2025-11-03T09:30:00Z"', cancelled: 'true', is_byok: 'false', total_cost: '0.001' }),
      ...['1', '2', '3', '4'].map((n) => record({ id: `"b${n}"`, created_at: `"2025-11-03T1${n}:00:00Z"`, upstream_inference_cost: '0.02', total_cost: n === '4' ? '0.001' : '0' })),
    ];
    const out = join(dir, 'cancelled.csv');
    const { code, stderr } = await importText(records.join('\n'), ['--org', 'acme', '--out', out]);
    expect(code).toBe(0);
    expect(stderr).toContain('4 byok, 0 platform, 2 cancelled (route failed)');
    expect(rowsOf(readFileSync(out, 'utf8')).slice(0, 2).map((r) => [r.request_id, r.cost_usd, r.route, r.charged_usd])).toEqual([
      ['c', '0.02', 'failed', '0'],
      ['p', '0.001', 'failed', '0.001'],
    ]);
    // Allowance 3: b1..b3 free, b4 pays 5% of 0.02 = 0.001, as charged. The one finding is the
    // platform record charged although it was cancelled.
    const audit = await byok(['audit', out, '--per-request', '--policy', POLICY, '--format', 'json', '-q']);
    expect(audit.code).toBe(1);
    const report = JSON.parse(audit.stdout);
    expect(report.findings.map((f: { requestId: string; wrongCharge: string }) => [f.requestId, f.wrongCharge])).toEqual([['p', 'charge on a failed request']]);
    expect(report.summary.chargeDifferences).toEqual([{ scope: 'org:acme', period: '2025-11', requests: 6, differenceUsd: '0.001' }]);
  });

  it('a repeated id with the same content counts once; with other content it is refused naming the first', async () => {
    const first = record({ id: '"g"', total_cost: '0.10', upstream_inference_cost: '2' });
    // The same request: camelCase, wrapped, its instant in another offset, amounts in other spellings.
    const same = wrapped(camel(record({ id: '"g"', created_at: '"2025-11-03T11:00:00.123456+01:00"', total_cost: '1e-1', upstream_inference_cost: '2.000' })));
    const other = record({ id: '"g"', total_cost: '0.11', upstream_inference_cost: '2' });
    const kept = await importText(`${first}\n${same}\n`);
    expect(kept.code).toBe(0);
    expect(rowsOf(kept.stdout)).toHaveLength(1);
    expect(kept.stdout).toContain(',2,byok,0.1\n');
    expect(kept.stderr).toContain('imported 1 of 2 record(s)');
    expect(kept.stderr).toContain('1 duplicate(s) skipped');
    const refused = await importText(`${first}\n${same}\n${other}\n`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${refused.path}, line 3, field id: id "g" was already seen at ${refused.path}, line 1 with different content`);
  });
});

/*
 * The round trip: a request log → the records the gateway would write for it → import →
 * bill, equals billing the log itself. Also the per-request audit: the charges come through
 * exactly. Amounts are spelled as JSON writes them (plain, exponent, trailing zeros), names
 * in either style, records maybe wrapped, in any order, as JSON Lines or a JSON array.
 */
describe('byok import generations: import → bill equals billing the original log (property)', () => {
  type Route = 'byok' | 'platform' | 'failed';
  interface Request {
    readonly id: string;
    readonly timestamp: string;
    readonly user: string;
    readonly route: Route;
    /** For a failed (cancelled) request: whether it was a BYOK attempt. */
    readonly byokAttempt: boolean;
    readonly cost: string;
    readonly charged: string;
    readonly model: string | undefined;
  }
  type Scoping = { kind: 'external' } | { kind: 'org'; org: string } | { kind: 'user'; user: string };

  /** Every JSON spelling of a plain decimal's value: as is, coefficient × 10^-n, scientific, padded. */
  function jsonSpelling(plain: string): fc.Arbitrary<string> {
    const [whole, fraction = ''] = plain.split('.');
    const digits = (whole! + fraction).replace(/^0+(?=.)/, '');
    const scale = fraction.length;
    const coefficient = scale === 0 ? digits : `${digits}e-${scale}`;
    const significant = digits.replace(/^0+/, '');
    const scientific =
      significant === '' ? '0E0' : `${significant[0]}${significant.length > 1 ? `.${significant.slice(1)}` : ''}E${significant.length - 1 - scale}`;
    const padded = `${digits === '0' ? '0' : `${digits}000`}e-${scale + 3}`;
    return fc.constantFrom(plain, coefficient, scientific, padded, `${plain}${plain.includes('.') ? '' : '.'}00`);
  }

  const ISO = /^[0-9]{4}-/;
  const requestsArb = (ids: string[], months: string[], users: string[]) =>
    fc.tuple(
      ...ids.map((id) =>
        fc
          .record({
            instant: instantIn(months),
            user: fc.constantFrom(...users),
            route: fc.constantFrom<Route>('byok', 'byok', 'byok', 'platform', 'failed'),
            byokAttempt: fc.boolean(),
            cost: costText,
            charged: costText,
            model: fc.constantFrom(undefined, 'm1', 'openai/gpt-4o'),
          })
          .chain((r) =>
            renderedTimestamp(r.instant).map((t): Request => ({
              id,
              // Exports write created_at as ISO-8601; an epoch rendering becomes its UTC form.
              timestamp: ISO.test(t) ? t : new Date(r.instant.epochMs).toISOString(),
              user: r.user,
              route: r.route,
              byokAttempt: r.route === 'byok' || (r.route === 'failed' && r.byokAttempt),
              cost: r.cost,
              // What the gateway charged: anything for BYOK and cancellations, the list price on credits.
              charged: r.route === 'platform' || (r.route === 'failed' && !r.byokAttempt) ? r.cost : r.charged,
              model: r.model,
            })),
          ),
      ),
    );

  const caseArb = fc
    .record({
      months: fc.subarray([...MONTHS], { minLength: 1, maxLength: 2 }),
      users: fc.subarray([...USERS], { minLength: 1, maxLength: 3 }),
      ids: fc.uniqueArray(requestIdArb, { minLength: 0, maxLength: 25 }),
      scoping: fc.constantFrom<Scoping>({ kind: 'external' }, { kind: 'org', org: 'acme' }, { kind: 'user', user: 'u1' }),
      asArray: fc.boolean(),
    })
    .chain((c) =>
      requestsArb(c.ids, c.months, c.users).chain((requests) =>
        fc
          .tuple(
            ...requests.map((r) =>
              fc.record({
                cost: jsonSpelling(r.cost),
                charged: jsonSpelling(r.charged),
                camel: fc.boolean(),
                wrap: fc.boolean(),
                quoteAmounts: fc.constantFrom(false, false, false, true),
              }),
            ),
          )
          .chain((spellings) =>
            fc
              .shuffledSubarray(
                requests.map((r, i) => ({ request: r, spelling: spellings[i]! })),
                { minLength: requests.length, maxLength: requests.length },
              )
              .map((records) => ({ ...c, requests, records })),
          ),
      ),
    );

  /** The record the gateway writes for a request. */
  function gatewayRecord(r: Request, s: { cost: string; charged: string; camel: boolean; wrap: boolean; quoteAmounts: boolean }, scoping: Scoping): string {
    const name = (snake: string) => (s.camel ? (CAMEL[snake] ?? snake) : snake);
    const amount = (text: string) => (s.quoteAmounts ? JSON.stringify(text) : text);
    const fields: string[] = [
      `"id":${JSON.stringify(r.id)}`,
      `"${name('created_at')}":${JSON.stringify(r.timestamp)}`,
      `"${name('is_byok')}":${r.byokAttempt}`,
      // BYOK: total_cost is the fee charged, the list cost is upstream; credits: total_cost is both.
      `"${name('total_cost')}":${amount(r.byokAttempt ? s.charged : s.cost)}`,
      `"${name('upstream_inference_cost')}":${r.byokAttempt ? amount(s.cost) : 'null'}`,
      `"cancelled":${r.route === 'failed'}`,
    ];
    if (r.model !== undefined) fields.push(`"model":${JSON.stringify(r.model)}`);
    if (scoping.kind !== 'user') fields.push(`"${name('external_user')}":${JSON.stringify(r.user)}`);
    const json = `{${fields.join(',')}}`;
    return s.wrap ? `{"data":${json}}` : json;
  }

  it('bills and per-request audits agree exactly', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        run++;
        const user = (r: Request) => (c.scoping.kind === 'user' ? c.scoping.user : r.user);
        const org = c.scoping.kind === 'org' ? c.scoping.org : '';
        const original = join(dir, `prop-${run}-original.csv`);
        writeFileSync(
          original,
          `request_id,timestamp,user_id,org_id,model,cost_usd,route,charged_usd\n${c.requests
            .map((r) => [csvExactText(r.id), csvExactText(r.timestamp), csvExactText(user(r)), csvExactText(org), csvExactText(r.model ?? ''), r.cost, r.route, r.charged].join(','))
            .join('\n')}\n`,
        );
        const lines = c.records.map((x) => gatewayRecord(x.request, x.spelling, c.scoping));
        const records = file(c.asArray ? `[\n${lines.join(',\n')}\n]\n` : `${lines.join('\n')}\n`, c.asArray ? '.json' : '.jsonl');
        const imported = join(dir, `prop-${run}-imported.csv`);
        const scopeArgs = c.scoping.kind === 'org' ? ['--org', c.scoping.org] : c.scoping.kind === 'user' ? ['--user', c.scoping.user] : [];
        const importRun = await byok(['import', 'generations', records, ...scopeArgs, '--out', imported, '-q']);
        expect(importRun.code, importRun.stderr).toBe(0);

        const billOf = (log: string) => byok(['bill', log, '--policy', POLICY, '--sort', '--format', 'json', '-q']);
        const [a, b] = [await billOf(original), await billOf(imported)];
        expect(a.code, a.stderr).toBe(0);
        expect(b.code, b.stderr).toBe(0);
        expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));

        const auditOf = (log: string) => byok(['audit', log, '--per-request', '--policy', POLICY, '--sort', '--format', 'json', '-q']);
        const [x, y] = [await auditOf(original), await auditOf(imported)];
        expect(y.code).toBe(x.code);
        if (c.requests.length > 0) {
          const strip = (text: string) => {
            const report = JSON.parse(text);
            return { ...report, findings: report.findings.map((f: { source?: string }) => ({ ...f, source: undefined })) };
          };
          expect(strip(y.stdout)).toEqual(strip(x.stdout));
        }
      }),
    );
  }, 300_000);
});

/*
 * Issue 15, hostile input: the import refuses what the log readers refuse — bytes that are not
 * UTF-8, and records past --max-line-bytes — and strings that are not Unicode (a lone
 * surrogate escape), each of which made two records one when written to the log.
 */
describe('byok import generations: hostile input', () => {
  let count = 0;
  const bytesFile = (bytes: Buffer, ext = '.jsonl') => {
    const path = join(dir, `hostile-${++count}${ext}`);
    writeFileSync(path, bytes);
    return path;
  };
  const withBytes = (json: string, bad: number) => Buffer.concat(json.split('\u00ff').flatMap((part, k) => (k === 0 ? [Buffer.from(part)] : [Buffer.from([bad]), Buffer.from(part)])));

  it('a record with bytes that are not UTF-8 is refused naming file, line and field; with --rejects it is shown with \\xHH', async () => {
    const path = bytesFile(
      Buffer.concat([
        Buffer.from(`${record({ id: '"a"' })}\n`),
        withBytes(`${record({ id: '"b"', external_user: '"al\u00ffice"' })}\n`, 0xff),
        withBytes(`${record({ id: '"c"', external_user: '"al\u00ffice"' })}\n`, 0xfe),
      ]),
    );
    const stopped = await byok(['import', 'generations', path]);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(`${path}, line 2, field external_user: not valid UTF-8 (byte 0xff at position 3)`);
    const rejects = join(dir, 'hostile-utf8.csv');
    const { code, stdout } = await byok(['import', 'generations', path, '--rejects', rejects, '-q']);
    expect(code).toBe(0);
    expect(rowsOf(stdout).map((r) => r.request_id)).toEqual(['a']);
    const rows = (parseCsv(readFileSync(rejects, 'utf8')) as string[][]).slice(1);
    expect(rows.map((r) => r.slice(1, 5))).toEqual([
      ['2', '', 'external_user', 'not valid UTF-8 (byte 0xff at position 3)'],
      ['3', '', 'external_user', 'not valid UTF-8 (byte 0xfe at position 3)'],
    ]);
    expect(rows[0]![5]).toContain('"external_user":"al\\xffice"');
  });

  it('ids "g\\ud800" and "g\\udfff" (lone surrogates) are refused, not both imported as g\\uFFFD', async () => {
    const { code, stderr, stdout, path } = await importText(`${record({ id: '"g\\ud800"' })}\n${record({ id: '"g\\udfff"' })}\n${record({ id: '"g\\ud83d\\ude00"' })}\n`, [
      '--rejects',
      join(dir, 'hostile-surrogates.csv'),
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain('imported 1 of 3 record(s)');
    expect(rowsOf(stdout).map((r) => r.request_id)).toEqual(['g\u{1F600}']);
    const rows = (parseCsv(readFileSync(join(dir, 'hostile-surrogates.csv'), 'utf8')) as string[][]).slice(1);
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      [path, '1', '', 'id', 'id is not a valid Unicode string (a lone surrogate \\ud800 at character 2)'],
      [path, '2', '', 'id', 'id is not a valid Unicode string (a lone surrogate \\udfff at character 2)'],
    ]);
  });

  it('a record longer than --max-line-bytes is refused and skipped, in JSON Lines and in a document; a document itself may be any size', async () => {
    const long = record({ id: '"long"', model: `"${'m'.repeat(4000)}"` });
    const lines = await importText(`${record({ id: '"a"' })}\n${long}\n${record({ id: '"b"' })}\n`, ['--max-line-bytes', '1K', '--rejects', join(dir, 'hostile-long.csv'), '-q']);
    expect(lines.code).toBe(0);
    expect(rowsOf(lines.stdout).map((r) => r.request_id)).toEqual(['a', 'b']);
    const [, refused] = parseCsv(readFileSync(join(dir, 'hostile-long.csv'), 'utf8')) as string[][];
    expect(refused!.slice(1, 4)).toEqual(['2', '', '']);
    expect(refused![4]).toContain('the record is longer than 1024 bytes (--max-line-bytes)');
    expect(refused![5]).toBe(long.slice(0, 1024));
    // One line holding a whole array: its records are read one by one, each within the limit.
    const many = Array.from({ length: 200 }, (_, k) => record({ id: `"g${k}"` }));
    const doc = await importText(`[${[...many.slice(0, 100), long, ...many.slice(100)].join(',')}]`, ['--max-line-bytes', '1K', '--rejects', join(dir, 'hostile-doc.csv'), '-q'], '.json');
    expect(doc.code).toBe(0);
    expect(rowsOf(doc.stdout)).toHaveLength(200);
    const [, inDoc] = parseCsv(readFileSync(join(dir, 'hostile-doc.csv'), 'utf8')) as string[][];
    expect(inDoc!.slice(1, 3)).toEqual(['1', '100']);
    const stopped = await importText(`{"data": [${long}]}`, ['--max-line-bytes', '1K'], '.json');
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(`${stopped.path}, line 1, record [0]: the record is longer than 1024 bytes`);
  });

  it('a 50 MB line at the default limit is refused fast', async () => {
    const path = bytesFile(Buffer.from(`${record({ id: '"a"', model: `"${'m'.repeat(50 << 20)}"` })}\n${record({ id: '"b"' })}\n`));
    const started = Date.now();
    const { code, stderr } = await byok(['import', 'generations', path, '--rejects', join(dir, 'hostile-50.csv')]);
    expect(code).toBe(0);
    expect(stderr).toContain('imported 1 of 2 record(s)');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
