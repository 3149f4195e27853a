import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { LosslessNumber } from 'lossless-json';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicyDocument } from '@byok-billing/core';
import { EXIT_BAD_INPUT } from '@byok-billing/cli';
import { JsonInputError, parseJsonDocument } from '../src/io/readJsonDocument.js';
import { parseVary } from '../src/whatif/variants.js';
import { byok } from '../../../test/support/runByok.js';

/*
 * Issue 15, hostile input: inputs that say one thing twice. A JSON key or a CSV column
 * given twice used to be read as one of the two without a word (the last one won); every
 * JSON and CSV input the CLI reads now refuses it, naming file, line and column.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SCENARIO = join(import.meta.dirname, '../../../scenarios/09-audit-invoice-matches');
const LOG = join(SCENARIO, 'requests.csv');
const POLICY = join(SCENARIO, 'policy.json');

let n = 0;
function write(name: string, content: string): string {
  const path = join(dir, `${++n}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** The error parseJsonDocument throws for `text`, or undefined when it reads it. */
function jsonError(text: string, numbers: 'safe' | 'lossless' = 'safe'): JsonInputError | undefined {
  try {
    parseJsonDocument(text, 'doc.json', { numbers });
    return undefined;
  } catch (error) {
    if (error instanceof JsonInputError) return error;
    throw error;
  }
}

describe('one JSON reader: duplicate keys refused, located by line, column and JSON path', () => {
  it('names the second occurrence: file, line, column and the object holding it', () => {
    // catches: a parser that keeps the last value (allowance 0 instead of 3) without a word.
    const text = '{\n  "parameters": {\n    "allowance": 3,\n    "allowance": 0\n  }\n}\n';
    expect(jsonError(text)?.message).toBe('doc.json, line 4, column 5: duplicate key "allowance" in $.parameters (first on line 3)');
    expect(jsonError(text)?.problem).toBe('duplicate-key');
  });

  it('a repeat with the same value, a repeat spelled with escapes, and a repeat deep in arrays are refused too', () => {
    expect(jsonError('{"a": 1, "a": 1}')?.message).toBe('doc.json, line 1, column 10: duplicate key "a" in $ (first on line 1)');
    expect(jsonError('{"xA": 1, "x\\u0041": 2}')?.reason).toBe('duplicate key "xA" in $ (first on line 1)');
    expect(jsonError('{"versions": [{"v": 1}, {"v": 2, "odd key": [0, {"k": 1, "k": 2}]}]}')?.reason).toBe(
      'duplicate key "k" in $.versions[1]["odd key"][1] (first on line 1)',
    );
  });

  it('the same key in different objects, and braces, commas and quotes inside strings, are not duplicates', () => {
    expect(jsonError('{"a": {"x": 1}, "b": {"x": 1}, "c": [{"x": 1}, {"x": 2}]}')).toBeUndefined();
    expect(parseJsonDocument('{"a,\\"b": "}{,\\"", "a": "a,\\"b"}', 'doc.json', { numbers: 'safe' })).toEqual({ 'a,"b': '}{,"', a: 'a,"b' });
  });

  it('prototype keys are refused and never reach a prototype', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const error = jsonError(`{"parameters": {"${key}": {"polluted": true, "prototype": {"polluted": true}}}}`);
      expect(error?.reason).toBe(`key "${key}" is not allowed in $.parameters (it names an object's prototype)`);
      expect(error?.problem).toBe('forbidden-key');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('numbers: counts as JavaScript numbers, refused when they would be rounded; amounts kept as their source text', () => {
    expect(parseJsonDocument('{"allowance": 1000000, "scale": 2.0}', 'doc.json', { numbers: 'safe' })).toEqual({ allowance: 1000000, scale: 2 });
    expect(jsonError('{"allowance": 9007199254740993}')?.reason).toBe(
      'the number 9007199254740993 at $.allowance cannot be read exactly (too many digits or too large)',
    );
    expect(jsonError('[1e400]')?.problem).toBe('inexact-number');
    const amount = parseJsonDocument('{"cost": 0.1000000000000000000001}', 'doc.json', { numbers: 'lossless' }) as { cost: LosslessNumber };
    expect(amount.cost).toBeInstanceOf(LosslessNumber);
    expect(amount.cost.value).toBe('0.1000000000000000000001');
  });

  it('syntax errors keep their line and column', () => {
    const error = jsonError('{\n  "a": 1,\n}');
    expect(error?.problem).toBe('syntax');
    expect(error?.location).toMatchObject({ file: 'doc.json', line: 3, column: 1 });
  });

  it('law: any JSON without repeats reads as JSON.parse reads it; one repeated key is always found, at its place', () => {
    // Objects whose keys are odd (quotes, escapes, braces) and values nested.
    const key = fc.string({ unit: fc.constantFrom('a', 'b', '"', '\\', '{', '}', '[', ',', ':', '\n', 'é', '\u{1F600}'), maxLength: 4 });
    const value = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 3 })),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), fc.nat(), fc.boolean(), (object, pick, pretty) => {
        const text = JSON.stringify(object, null, pretty ? 2 : undefined);
        expect(parseJsonDocument(text, 'doc.json', { numbers: 'safe' })).toEqual(JSON.parse(text));
        // Repeat one top-level key at the end of the document: the repeat is where it is found.
        const keys = Object.keys(object);
        const repeated = JSON.stringify(keys[pick % keys.length]!);
        const withRepeat = `${text.slice(0, text.lastIndexOf('}'))},${repeated}:0}`;
        const error = jsonError(withRepeat);
        expect(error?.problem).toBe('duplicate-key');
        expect(error?.jsonPath).toBe('$');
        expect(error?.reason.startsWith(`duplicate key ${repeated} in $ (first on line `)).toBe(true);
        const before = withRepeat.slice(0, withRepeat.length - `${repeated}:0}`.length);
        expect(error?.location.line).toBe(before.split('\n').length);
        expect(error?.location.column).toBe(before.length - before.lastIndexOf('\n'));
      }),
      { numRuns: 300 },
    );
  });

  it('a policy file with a key twice: exit 2 naming file, line, column and path (it was billed with the last value)', async () => {
    const policy = write('policy.json', '{\n  "id": "p",\n  "parameters": {\n    "allowance": 3,\n    "allowance": 0,\n    "feeRate": "0.05"\n  },\n  "versions": []\n}\n');
    const result = await byok(['bill', LOG, '--policy', policy, '-q']);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toBe(`byok: ${policy}, line 5, column 5: duplicate key "allowance" in $.parameters (first on line 4)\n`);
    // whatif reads its named policies through the same reader.
    const whatif = await byok(['whatif', LOG, '--policy', `a=${POLICY}`, '--policy', `b=${policy}`, '-q']);
    expect(whatif.code).toBe(EXIT_BAD_INPUT);
    expect(whatif.stderr).toContain('duplicate key "allowance" in $.parameters');
  });

  it('a bundle manifest with a key twice, or one that is not a manifest, is refused by byok verify (exit 2, never a crash)', async () => {
    const work = mkdtempSync(join(dir, 'bundle-'));
    cpSync(SCENARIO, join(work, 'in'), { recursive: true });
    const bundle = join(work, 'bundle');
    const audit = await byok(['audit', join(work, 'in', 'requests.csv'), '--policy', join(work, 'in', 'policy.json'), '--invoice', join(work, 'in', 'invoice.csv'), '--bundle', bundle, '-q']);
    expect(audit.code, audit.stderr).toBe(0);
    expect((await byok(['verify', bundle])).code).toBe(0);
    const manifestPath = join(bundle, 'manifest.json');
    const manifest = readFileSync(manifestPath, 'utf8');
    writeFileSync(manifestPath, manifest.replace('"format": "byok-audit-bundle/v2",', '"format": "byok-audit-bundle/v2",\n  "format": "byok-audit-bundle/v2",'));
    const twice = await byok(['verify', bundle]);
    expect(twice.code).toBe(EXIT_BAD_INPUT);
    expect(twice.stderr).toBe(`byok: ${manifestPath}, line 3, column 3: duplicate key "format" in $ (first on line 2)\n`);
    for (const text of ['null', '[]', '{"format": "byok-audit-bundle/v1"}']) {
      writeFileSync(manifestPath, text);
      const result = await byok(['verify', bundle]);
      expect(result.code, text).toBe(EXIT_BAD_INPUT);
      expect(result.stderr).toBe(`byok: ${bundle}: not a byok audit bundle\n`);
    }
  });
});

describe('every CSV input refuses a column named twice', () => {
  const invoiceHeader = 'scope,period,total_usd,total_usd';

  it('an invoice with total_usd twice: exit 2 naming file, line 1, the column and its name (it "matched" on the last one)', async () => {
    const invoice = write('invoice.csv', `${invoiceHeader}\norg:acme,2025-10,9.99,0.56\norg:globex,2025-10,0.02,0.02\norg:globex,2025-11,0.30,0.30\nuser:erin,2025-10,0.40,0.40\n`);
    const result = await byok(['audit', LOG, '--policy', POLICY, '--invoice', invoice, '-q']);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toBe(`byok: ${invoice}, line 1, column 4 (total_usd): column "total_usd" appears twice in the header (also column 3)\n`);
  });

  it('an accounts file with a column twice, and a log with one, are refused alike; names are compared trimmed', async () => {
    const accounts = write('accounts.csv', 'scope,free_requests, free_requests\norg:acme,5,0\n');
    const result = await byok(['bill', LOG, '--accounts', accounts, '-q']);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toBe(`byok: ${accounts}, line 1, column 3 (free_requests): column "free_requests" appears twice in the header (also column 2)\n`);
    const log = write('log.csv', 'request_id,timestamp,user_id,cost_usd,key_result,user_id\nr1,2025-10-02T10:00:00Z,a,0.1,ok,b\n');
    const bill = await byok(['bill', log, '-q']);
    expect(bill.code).toBe(EXIT_BAD_INPUT);
    expect(bill.stderr).toBe(`byok: ${log}, line 1, column 6 (user_id): column "user_id" appears twice in the header (also column 3)\n`);
  });
});

describe('whatif --vary fee: a bare number is a fraction, at most 100%', () => {
  it('fee=5 (500%) is refused, suggesting fee=5% or fee=0.05; a rate above 100% is written with %', async () => {
    // catches: fee=5 silently simulating a 500% fee.
    expect(() => parseVary('fee=5')).toThrow('--vary fee=5 would be a 500% fee: for 5% write fee=5% or fee=0.05; a rate above 100% must be written with % (fee=500%)');
    expect(() => parseVary('fee=1.5')).toThrow(/would be a 150% fee/);
    expect(parseVary('fee=5%,0.05,1,0,150%').map((s) => s.value)).toEqual(['0.05', '0.05', '1', '0', '1.5']);
    const result = await byok(['whatif', LOG, '--vary', 'fee=3%,5', '-q']);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toContain('fee=5%');
    expect((await byok(['whatif', LOG, '--vary', 'fee=3%,150%', '-q', '--format', 'json'])).code).toBe(0);
  });
});

/*
 * Found by the fuzz suite (test/fuzz): exit codes other than 0, 1 and 2, and refusals that
 * named no line, in the small readers (policies, accounts, invoices, generation records).
 */
describe('hostile input found by the fuzz suite: every refusal is exit 2 and says where', () => {
  it('a policy the core refuses names the line and column of the value at fault (or of the object missing it)', async () => {
    // catches: "policy.json: invalid policy at $.versions[0]…" with no line (it named the JSON path only).
    const negative = write('policy.json', '{\n  "id": "p",\n  "versions": [\n    {"version": "v", "parameters": {"allowance": -1, "feeRate": "0.05"}}\n  ]\n}\n');
    expect((await byok(['bill', LOG, '--policy', negative, '-q'])).stderr).toBe(
      `byok: ${negative}, line 4, column 50: invalid policy at $.versions[0].parameters.allowance: must be an integer from 0 to 9007199254740991, got number -1\n`,
    );
    const missing = write('policy.json', '{\n  "id": "p",\n  "versions": [\n    {"version": "v", "parameters": {"feeRate": "0.05"}}\n  ]\n}\n');
    const result = await byok(['bill', LOG, '--policy', missing, '-q']);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toBe(`byok: ${missing}, line 4, column 36: invalid policy at $.versions[0].parameters.allowance: is required (here or in $.parameters)\n`);
    const empty = write('policy.json', '{"id": "p", "versions": []}');
    expect((await byok(['whatif', LOG, '--policy', `p=${empty}`, '-q'])).stderr).toBe(`byok: ${empty}, line 1, column 25: invalid policy at $.versions: must hold at least one version\n`);
    // Deep in a whole policy, on one line after a BOM (which is not a column).
    const text = JSON.stringify(defaultPolicyDocument).replace('"effectiveFrom":"2025-10-01T00:00:00Z"', '"effectiveFrom":"2025-10-01T00:00:01Z"');
    const shifted = write('policy.json', `\uFEFF${text}`);
    const refused = await byok(['bill', LOG, '--policy', shifted, '-q']);
    expect(refused.stderr.startsWith(`byok: ${shifted}, line 1, column ${text.indexOf('"2025-10-01T00:00:01Z"') + 1}: invalid policy at $.versions[1].effectiveFrom: `), refused.stderr).toBe(true);
  });

  it('JSON nested 100,000 deep is refused at the first level past 256, not with "Maximum call stack size exceeded"', async () => {
    // catches: a recursive parser's stack overflow reported with no line (or, elsewhere, as exit 70).
    const deep = write('policy.json', `{"id": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const result = await byok(['bill', LOG, '--policy', deep, '-q']);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    // The object is the first level: its 256th array is the 257th.
    expect(result.stderr).toBe(`byok: ${deep}, line 1, column ${'{"id": '.length + 256}: arrays and objects nest more than 256 levels deep\n`);
    expect(jsonError(`${'['.repeat(256)}${']'.repeat(256)}`)).toBeUndefined();
    expect(jsonError(`["{{{{", ${'['.repeat(255)}${']'.repeat(255)}]`)).toBeUndefined();
  });

  it('a broken .gz accounts file, invoice or generation records: exit 2 naming the file, never 70', async () => {
    // catches: "internal error: Error: unexpected end of file" (exit 70) from the gzip stream of every reader but the log's.
    const broken = (name: string, text: string) => {
      const whole = gzipSync(Buffer.from(text.repeat(200)));
      const path = join(dir, `${++n}-${name}`);
      writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
      return path;
    };
    const accounts = broken('accounts.csv.gz', 'scope,free_requests\norg:acme,5\n');
    const invoice = broken('invoice.csv.gz', 'scope,period,total_usd\norg:acme,2025-10,0.56\n');
    const records = broken('records.jsonl.gz', '{"id":"g1","created_at":"2025-11-05T10:00:00Z","is_byok":true,"total_cost":0,"upstream_inference_cost":0.1}\n');
    for (const [path, args] of [
      [accounts, ['bill', LOG, '--accounts', accounts, '-q']],
      [invoice, ['audit', LOG, '--policy', POLICY, '--invoice', invoice, '-q']],
      [records, ['import', 'generations', records, '--org', 'acme', '-q']],
    ] as const) {
      const result = await byok(args);
      expect(result.code, result.stderr).toBe(EXIT_BAD_INPUT);
      expect(result.stderr).toBe(`byok: ${path}: is not a readable gzip file (unexpected end of file); is it truncated or corrupt?\n`);
    }
  });

  it('an empty invoice names line 1, where its header belongs', async () => {
    for (const text of ['', '\n\r\n']) {
      const invoice = write('invoice.csv', text);
      const result = await byok(['audit', LOG, '--policy', POLICY, '--invoice', invoice, '-q']);
      expect(result.code).toBe(EXIT_BAD_INPUT);
      expect(result.stderr).toBe(`byok: ${invoice}, line 1: is empty; an invoice needs a header scope,period,total_usd\n`);
    }
  });
});
