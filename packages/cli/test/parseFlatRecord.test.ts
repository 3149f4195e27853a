import fc from 'fast-check';
import { isLosslessNumber, parse, stringify } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { parseFlatRecord } from '../src/import/parseFlatRecord.js';

/*
 * The import's fast path for flat records must never change what a record reads as: it
 * either gives exactly lossless-json's value (numbers kept as their source text) or steps
 * aside (undefined) so that lossless-json reads the text, errors included.
 */

/** What lossless-json makes of a text: its value written back (key order and number text kept), or that it refuses it. */
function reference(text: string): string {
  try {
    return stringify(parse(text)) ?? 'undefined';
  } catch {
    return 'refused';
  }
}

const jsonNumberText = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.integer({ min: 1, max: 1_000_000 }).map(String)),
    fc.option(fc.stringMatching(/^[0-9]{1,14}$/), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,3}$/)), { nil: undefined }),
  )
  .map(([negative, int, frac, exp]) => `${negative ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : exp.join('')}`);

/** Text as records hold it, and now and then any text at all (quotes, backslashes, control characters). */
const textArb = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[\w .:+\-é€]{0,12}$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('id', 'created_at', 'createdAt', 'total_cost', 'totalCost', 'is_byok', 'data', 'model', 'external_user') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', '') },
  { weight: 2, arbitrary: textArb },
);
/** Almost JSON: what a hand-written scanner is tempted to accept. */
const nearlyJson = fc.constantFrom('01', '-01', '1.', '.5', '-', '1e', '1e+', '--1', '+1', '0x1', 'NaN', 'Infinity', 'tru', 'nul', 'True', "'a'");
const scalarText = fc.oneof(
  { weight: 4, arbitrary: jsonNumberText },
  { weight: 1, arbitrary: nearlyJson },
  { weight: 4, arbitrary: textArb.map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.constantFrom('true', 'false', 'null', '"gen-1"', '"2025-11-03T10:00:00.123456+00:00"', '"caf\\u00e9"', '"a\\"b"') },
);
const space = fc.oneof({ weight: 60, arbitrary: fc.constantFrom('', '', ' ') }, { weight: 1, arbitrary: fc.constantFrom('\t', '\n ', '\r\n') });

function objectText(values: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.tuple(space, keyArb, space, space, values, space), { maxLength: 8 }), space)
    .map(([members, end]) => `{${members.map(([a, k, b, c, v, d]) => `${a}${JSON.stringify(k)}${b}:${c}${v}${d}`).join(',')}${end}}`);
}
const flatObjectText = objectText(scalarText);
/** Records, wrapped or not, and other JSON: arrays, deeper nesting, bare values. */
const recordText = fc.oneof(
  { weight: 3, arbitrary: flatObjectText },
  { weight: 2, arbitrary: objectText(fc.oneof(scalarText, flatObjectText)) },
  { weight: 1, arbitrary: objectText(fc.oneof(scalarText, objectText(fc.oneof(scalarText, flatObjectText)))) },
  { weight: 1, arbitrary: fc.json() },
);

describe('parseFlatRecord', () => {
  it('the fast path takes a good share of the generated texts (else the laws say little)', () => {
    const texts = fc.sample(fc.tuple(space, recordText, space), { numRuns: 1000, seed: 7 }).map(([a, t, b]) => a + t + b);
    const taken = texts.filter((t) => parseFlatRecord(t) !== undefined).length;
    const valid = texts.filter((t) => reference(t) !== 'refused').length;
    expect(taken / texts.length).toBeGreaterThan(0.2);
    expect(valid / texts.length).toBeGreaterThan(0.5);
  });

  it("law: it gives lossless-json's value or steps aside (undefined), for any JSON text", () => {
    fc.assert(
      fc.property(fc.tuple(space, recordText, space), ([before, text, after]) => {
        const full = before + text + after;
        const fast = parseFlatRecord(full);
        if (fast !== undefined) expect(stringify(fast)).toBe(reference(full));
      }),
    );
  });

  it('law: it never accepts what lossless-json refuses (texts broken by a deleted, inserted or replaced character)', () => {
    fc.assert(
      fc.property(recordText, fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom('"', ',', ':', '{', '}', '\\', 'x', '0', '.', 'e', '-', ' ', '\u0001'), (text, at, edit, c) => {
        const i = text.length === 0 ? 0 : at % text.length;
        const broken = edit === 'delete' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + c + text.slice(edit === 'insert' ? i : i + 1);
        const fast = parseFlatRecord(broken);
        if (fast !== undefined) expect(stringify(fast)).toBe(reference(broken));
      }),
    );
  });

  it('takes the usual records, wrapped or not, numbers kept as written', () => {
    const record = '{"id":"gen-1","created_at":"2025-11-03T10:00:00.123456+00:00","is_byok":true,"total_cost":1.5e-7,"upstream_inference_cost":0.0120,"cancelled":false,"x":null}';
    const value = parseFlatRecord(record)!;
    expect(value.id).toBe('gen-1');
    expect(isLosslessNumber(value.total_cost) && value.total_cost.value).toBe('1.5e-7');
    expect(isLosslessNumber(value.upstream_inference_cost) && value.upstream_inference_cost.value).toBe('0.0120');
    expect(value.x).toBe(null);
    expect(stringify(parseFlatRecord(` {"data": ${record}} `))).toBe(stringify(parse(`{"data":${record}}`)));
  });

  it.each([
    ['an escape', '{"id":"a\\"b"}'],
    ['a duplicate key', '{"id":"a","id":"a"}'],
    ['__proto__', '{"__proto__":1}'],
    ['an array', '{"id":[1]}'],
    ['nesting beyond {"data": {...}}', '{"data":{"data":{}}}'],
    ['a leading zero', '{"n":01}'],
    ['a bare point', '{"n":1.}'],
    ['trailing text', '{"id":"a"} x'],
    ['a raw control character', '{"id":"a\u0001"}'],
    ['a top-level array', '[{"id":"a"}]'],
    ['an unterminated string', '{"id":"a}'],
  ])('steps aside for %s', (_what, text) => {
    expect(parseFlatRecord(text)).toBeUndefined();
  });
});
