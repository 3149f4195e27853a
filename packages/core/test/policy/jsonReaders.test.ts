import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { child } from '../../src/validation/jsonPath.js';
import { describe as describeValue, readArray, readBoolean, readEnum, readInteger, readObject, readString } from '../../src/validation/readJson.js';
import { policyError } from '../support/expectErrors.js';

/*
 * The readers under every policy document check (src/validation): each checks one value
 * at a JSON path and throws a PolicyValidationError naming that path.
 */

describe('child (JSON path of a member)', () => {
  it.each([
    ['$', 'a', '$.a'],
    ['$', 'Z', '$.Z'],
    ['$', '_', '$._'],
    ['$', '$schema', '$.$schema'],
    ['$', 'feeRate', '$.feeRate'],
    ['$', 'a1_$B', '$.a1_$B'],
    ['$.x', '__proto__', '$.x.__proto__'],
    ['$', 0, '$[0]'],
    ['$.versions', 12, '$.versions[12]'],
    ['$', '1a', '$["1a"]'],
    ['$', 'a-b', '$["a-b"]'],
    ['$', '-a', '$["-a"]'],
    ['$', 'a b', '$["a b"]'],
    ['$', 'ab.', '$["ab."]'],
    ['$', '', '$[""]'],
    ['$', 'é', '$["é"]'],
    ['$', 'say "hi"', '$["say \\"hi\\""]'],
  ] as [string, string | number, string][])('child(%j, %j) is %s', (path, key, expected) => {
    expect(child(path, key)).toBe(expected);
  });

  it('writes a member as .name exactly when it is an identifier, and quotes it otherwise', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), (key) => {
        const path = child('$', key);
        if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) expect(path).toBe(`$.${key}`);
        else expect(JSON.parse(path.slice(2, -1))).toBe(key);
      }),
    );
  });
});

describe('describe (a value in a message)', () => {
  it.each([
    [undefined, 'nothing'],
    [null, 'null'],
    [[1], 'an array'],
    [{}, 'an object'],
    ['x', 'string "x"'],
    ['', 'string ""'],
    [1.5, 'number 1.5'],
    [false, 'boolean false'],
    ['a'.repeat(38), `string "${'a'.repeat(38)}"`],
    ['a'.repeat(39), `string "${'a'.repeat(36)}...`],
  ] as [unknown, string][])('describes %j as %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});

describe('readObject', () => {
  it('hands back the object itself when every key is allowed', () => {
    const value = { a: 1, b: 2 };
    expect(readObject(value, '$.p', ['a', 'b', 'c'])).toBe(value);
    expect(readObject({}, '$.p', [])).toEqual({});
  });

  it.each([
    [null, 'must be an object, got null'],
    [undefined, 'must be an object, got nothing'],
    [[], 'must be an object, got an array'],
    ['{}', 'must be an object, got string "{}"'],
    [3, 'must be an object, got number 3'],
  ] as [unknown, string][])('refuses %j', (value, problem) => {
    expect(() => readObject(value, '$.p', [])).toThrow(policyError('$.p', problem));
  });

  it('refuses an unknown key, listing the allowed ones', () => {
    expect(() => readObject({ a: 1, z: 2 }, '$.p', ['a', 'b'])).toThrow(policyError('$.p.z', 'unknown key; expected one of a, b'));
    expect(() => readObject({ 'a b': 1 }, '$.p', ['a'])).toThrow(policyError('$.p["a b"]'));
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s even when it is allowed', (key) => {
    const value = JSON.parse(`{"${key}": {}}`);
    expect(() => readObject(value, '$.p', [key])).toThrow(policyError(`$.p.${key}`, 'this key is not allowed'));
  });
});

describe('readArray', () => {
  it('hands back the array itself', () => {
    const value = [1, 'a'];
    expect(readArray(value, '$.a')).toBe(value);
  });

  it('refuses anything else', () => {
    expect(() => readArray({ 0: 'a', length: 1 }, '$.a')).toThrow(policyError('$.a', 'must be an array, got an object'));
    expect(() => readArray('ab', '$.a')).toThrow(policyError('$.a', 'must be an array, got string "ab"'));
  });
});

describe('readString', () => {
  it('accepts any string, the empty one included unless told otherwise', () => {
    expect(readString('x', '$.s')).toBe('x');
    expect(readString('', '$.s')).toBe('');
    expect(readString('', '$.s', {})).toBe('');
    expect(readString('', '$.s', { nonEmpty: false })).toBe('');
    expect(readString('x', '$.s', { nonEmpty: true })).toBe('x');
  });

  it('refuses non-strings, and the empty string when told', () => {
    expect(() => readString(1, '$.s')).toThrow(policyError('$.s', 'must be a string, got number 1'));
    expect(() => readString(null, '$.s', { nonEmpty: true })).toThrow(policyError('$.s', 'must be a string, got null'));
    expect(() => readString('', '$.s', { nonEmpty: true })).toThrow(policyError('$.s', 'must not be empty'));
  });
});

describe('readEnum', () => {
  it('accepts exactly the listed strings', () => {
    expect(readEnum('b', '$.e', ['a', 'b'])).toBe('b');
    expect(() => readEnum('c', '$.e', ['a', 'b'])).toThrow(policyError('$.e', 'must be one of "a", "b", got string "c"'));
    expect(() => readEnum(['a'], '$.e', ['a', 'b'])).toThrow(policyError('$.e', 'must be one of "a", "b", got an array'));
    expect(() => readEnum(undefined, '$.e', ['a'])).toThrow(policyError('$.e', 'must be one of "a", got nothing'));
  });
});

describe('readInteger', () => {
  it('accepts safe integers from min to max, both included', () => {
    expect(readInteger(0, '$.i', 0)).toBe(0);
    expect(readInteger(Number.MAX_SAFE_INTEGER, '$.i', 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(readInteger(1, '$.i', 1, 3)).toBe(1);
    expect(readInteger(3, '$.i', 1, 3)).toBe(3);
    expect(readInteger(-5, '$.i', -5, 0)).toBe(-5);
  });

  it.each([
    [0, 1, 3, 'must be an integer from 1 to 3, got number 0'],
    [4, 1, 3, 'must be an integer from 1 to 3, got number 4'],
    [1.5, 1, 3, 'must be an integer from 1 to 3, got number 1.5'],
    ['2', 1, 3, 'must be an integer from 1 to 3, got string "2"'],
    [Number.NaN, 0, undefined, 'must be an integer from 0 to 9007199254740991, got number null'],
    [Number.POSITIVE_INFINITY, 0, undefined, 'must be an integer from 0 to 9007199254740991, got number null'],
    [2 ** 53, 0, undefined, 'must be an integer from 0 to 9007199254740991, got number 9007199254740992'],
    [-1, 0, undefined, 'must be an integer from 0 to 9007199254740991, got number -1'],
  ] as [unknown, number, number | undefined, string][])('refuses %j (from %d to %s)', (value, min, max, problem) => {
    expect(() => readInteger(value, '$.i', min, max)).toThrow(policyError('$.i', problem));
  });
});

describe('readBoolean', () => {
  it('accepts true and false only', () => {
    expect(readBoolean(true, '$.b')).toBe(true);
    expect(readBoolean(false, '$.b')).toBe(false);
    expect(() => readBoolean('true', '$.b')).toThrow(policyError('$.b', 'must be true or false, got string "true"'));
    expect(() => readBoolean(0, '$.b')).toThrow(policyError('$.b', 'must be true or false, got number 0'));
  });
});
