import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@byok-billing/core';

/** Independent reference: rebuild every object with its keys inserted in sorted order. */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeysDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** The same value with every object's keys in reverse order. */
function reverseKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeysDeep);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a "__proto__" key stays a key (assignment would set the prototype).
    return Object.fromEntries(Object.keys(value).reverse().map((k) => [k, reverseKeysDeep((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** The same value with every key prefixed by "k": no key is an array index, so objects keep insertion order. */
function prefixKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prefixKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[`k${k}`] = prefixKeysDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

describe('canonicalJson', () => {
  it.each([
    [null, 'null'],
    [true, 'true'],
    [false, 'false'],
    [0, '0'],
    [-1.5, '-1.5'],
    [1e21, '1e+21'],
    ['', '""'],
    ['a"b\\c\n', '"a\\"b\\\\c\\n"'],
    ['é😀', '"é😀"'],
    [[], '[]'],
    [{}, '{}'],
  ])('writes %j as %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('sorts object keys and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe('{"a":2,"b":1,"c":3}');
    expect(canonicalJson({ z: 'x', A: 'y', _: 'z' })).toBe('{"A":"y","_":"z","z":"x"}');
  });

  it('sorts keys as strings, integer-like keys included (JSON.stringify would put "2" first)', () => {
    expect(JSON.stringify({ 2: 'b', 10: 'a' })).toBe('{"2":"b","10":"a"}');
    expect(canonicalJson({ 2: 'b', 10: 'a' })).toBe('{"10":"a","2":"b"}');
  });

  it('sorts nested objects, including objects inside arrays', () => {
    expect(canonicalJson({ b: { d: 1, c: [{ y: 1, x: 2 }] }, a: null })).toBe('{"a":null,"b":{"c":[{"x":2,"y":1}],"d":1}}');
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson(['b', 'a', ['d', 'c']])).toBe('["b","a",["d","c"]]');
  });

  it('escapes keys like JSON does', () => {
    expect(canonicalJson({ 'a"b': 1, 'line\nbreak': 2 })).toBe('{"a\\"b":1,"line\\nbreak":2}');
  });

  it('gives the same text for differently ordered objects', () => {
    const a = { id: 'byok', versions: [{ version: '1', parameters: { feeRate: '0.05', freeRequests: 1000000 } }], format: 1 };
    const b = { format: 1, versions: [{ parameters: { freeRequests: 1000000, feeRate: '0.05' }, version: '1' }], id: 'byok' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"format":1,"id":"byok","versions":[{"parameters":{"feeRate":"0.05","freeRequests":1000000},"version":"1"}]}');
  });

  it('key order does not change the text (law)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(reverseKeysDeep(value))).toBe(canonicalJson(value));
      }),
    );
  });

  it('is JSON.stringify of the value with keys sorted (law; keys kept non-numeric so JS keeps insertion order)', () => {
    fc.assert(
      fc.property(fc.jsonValue().map(prefixKeysDeep), (value) => {
        expect(canonicalJson(value)).toBe(JSON.stringify(sortKeysDeep(value)));
      }),
    );
  });

  it('parses back to the same JSON value (law)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('is idempotent through a parse (law)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});
