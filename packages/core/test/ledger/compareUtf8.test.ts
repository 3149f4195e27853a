import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8 } from '@byok-billing/core/internal';

/** The definition: compare the UTF-8 bytes. */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('compareUtf8', () => {
  it.each([
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['a', 'a', 0],
    ['', '', 0],
    ['', 'a', -1],
    ['a', '', 1],
    ['ab', 'abc', -1],
    ['abc', 'ab', 1],
    ['abc', 'abd', -1],
    ['abd', 'abc', 1],
    ['B', 'a', -1],
    ['r10', 'r9', -1],
    ['r-1', 'r_1', -1],
    ['é', 'z', 1],
    ['z', 'é', -1],
  ])('compareUtf8(%j, %j) is %i', (a, b, expected) => {
    expect(compareUtf8(a, b)).toBe(expected);
  });

  it('puts U+E000–U+FFFF before astral characters, unlike UTF-16 order', () => {
    const privateUse = '\uE000';
    const replacement = '\uFFFD';
    const lastBmp = '\uFFFF';
    const firstAstral = '\u{10000}'; // '\uD800\uDC00'
    const emoji = '😀'; // U+1F600
    // JavaScript's < says the opposite for these pairs:
    expect(privateUse > firstAstral).toBe(true);
    expect(compareUtf8(privateUse, firstAstral)).toBe(-1);
    expect(compareUtf8(firstAstral, privateUse)).toBe(1);
    expect(compareUtf8(replacement, emoji)).toBe(-1);
    expect(compareUtf8(emoji, replacement)).toBe(1);
    expect(compareUtf8(lastBmp, firstAstral)).toBe(-1);
    expect(compareUtf8(firstAstral, lastBmp)).toBe(1);
    expect(compareUtf8(`x${privateUse}`, `x${emoji}`)).toBe(-1);
  });

  it('keeps the BMP below U+D800 below astral characters', () => {
    expect(compareUtf8('\uD7FF', '\u{10000}')).toBe(-1);
    expect(compareUtf8('\u{10000}', '\uD7FF')).toBe(1);
    expect(compareUtf8('a', '😀')).toBe(-1);
    expect(compareUtf8('\u4E2D', '\u{20000}')).toBe(-1);
  });

  it('orders astral characters among themselves by code point', () => {
    expect(compareUtf8('\u{10000}', '\u{10001}')).toBe(-1); // same high surrogate, low surrogates differ
    expect(compareUtf8('\u{10FFFF}', '\u{10000}')).toBe(1); // high surrogates differ
    expect(compareUtf8('😀', '😁')).toBe(-1);
    expect(compareUtf8('\u{1F600}', '\u{20000}')).toBe(-1);
    expect(compareUtf8('\u{20000}', '\u{1F600}')).toBe(1);
  });

  it('orders within U+E000–U+FFFF by code point', () => {
    expect(compareUtf8('\uE000', '\uFFFD')).toBe(-1);
    expect(compareUtf8('\uFFFD', '\uE000')).toBe(1);
    expect(compareUtf8('\uE000', '\uE001')).toBe(-1);
    expect(compareUtf8('\uD7FF', '\uE000')).toBe(-1);
    expect(compareUtf8('\uE000', '\uD7FF')).toBe(1);
  });

  it('a string sorts before any extension of it', () => {
    expect(compareUtf8('😀', '😀a')).toBe(-1);
    expect(compareUtf8('😀a', '😀')).toBe(1);
  });

  const unicodeString = fc.string({ unit: 'binary', maxLength: 8 });
  /** Strings from a small alphabet that crosses every boundary, so prefixes and ties are common. */
  const edgyString = fc.string({
    unit: fc.constantFrom('a', 'b', '\u007F', '\u0080', '\u07FF', '\u0800', '\uD7FF', '\uE000', '\uFFFD', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{10FFFF}'),
    maxLength: 6,
  });

  it('equals comparing the UTF-8 bytes with Buffer.compare', () => {
    fc.assert(
      fc.property(fc.oneof(unicodeString, edgyString), fc.oneof(unicodeString, edgyString), (a, b) => {
        expect(compareUtf8(a, b)).toBe(byBytes(a, b));
      }),
    );
  });

  it('equals Buffer.compare on strings sharing a prefix', () => {
    fc.assert(
      fc.property(edgyString, edgyString, edgyString, (prefix, a, b) => {
        expect(compareUtf8(prefix + a, prefix + b)).toBe(byBytes(prefix + a, prefix + b));
      }),
    );
  });

  it('is antisymmetric and zero only for equal strings', () => {
    fc.assert(
      fc.property(edgyString, edgyString, (a, b) => {
        const c = compareUtf8(a, b);
        expect(compareUtf8(b, a)).toBe(c === 0 ? 0 : -c);
        expect(c === 0).toBe(a === b);
      }),
    );
  });

  it('sorting with it gives the order of the UTF-8 bytes (code point order)', () => {
    fc.assert(
      fc.property(fc.array(edgyString, { maxLength: 12 }), (xs) => {
        const ours = [...xs].sort(compareUtf8);
        const byCodePoints = [...xs].sort((a, b) => byBytes(a, b));
        expect(ours).toEqual(byCodePoints);
      }),
    );
  });
});
