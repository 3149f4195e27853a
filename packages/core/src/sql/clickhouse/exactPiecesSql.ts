/*
 * Exact sums of DECIMALs on ClickHouse. Its `sum()` over Decimal128 wraps silently past
 * 38 digits and `arrayCumSum` refuses Decimals, so an amount is cut into integer pieces of
 * 9 digits (UInt64), pieces are summed (or cumulated) as integers, and the sum is put
 * together again as decimal text: exact for any number of rows below 10^10 per sum, and
 * never wrapped. Text comes back into a Decimal only through a CAST, which refuses more
 * than 38 digits (the engine's error) instead of wrapping.
 */

/** Digits per piece: a sum of 10^10 pieces stays below 10^19, inside UInt64. */
const PIECE_DIGITS = 9;
/** Pieces per amount: a Decimal128 has at most 38 digits. */
export const PIECES = Math.ceil(38 / PIECE_DIGITS);
const PAD = '0'.repeat(PIECES * PIECE_DIGITS);
const PIECE = `1${'0'.repeat(PIECE_DIGITS)}`;

/**
 * The `PIECES` UInt64 pieces of a non-negative Decimal expression of scale `scale`, least
 * significant first: its digits without the point (`toString` writes every fractional
 * digit), read 9 at a time from the right.
 */
export function piecesSql(amount: string, digitsAlias: string): { readonly digits: string; readonly pieces: readonly string[] } {
  // assumeNotNull: an amount computed from Nullable account terms is typed Nullable but never NULL.
  const digits = `replaceOne(toString(assumeNotNull(${amount})), '.', '')`;
  const padded = `concat('${PAD}', ${digitsAlias})`;
  const pieces = Array.from({ length: PIECES }, (_, k) => `toUInt64(substring(${padded}, length(${digitsAlias}) + ${PAD.length - PIECE_DIGITS * (k + 1) + 1}, ${PIECE_DIGITS}))`);
  return { digits, pieces };
}

/**
 * The decimal text (at scale `scale`, every fractional digit written, leading zeros kept)
 * of a sum given as the sums of its pieces (UInt64 expressions, least significant first):
 * carries are propagated piece by piece, the highest piece keeps what is left.
 */
export function piecesToDigitsSql(pieceSums: readonly string[]): string {
  const parts: string[] = [];
  let carry = '0';
  pieceSums.forEach((sum, k) => {
    const value = carry === '0' ? `(${sum})` : `(${sum} + ${carry})`;
    if (k === pieceSums.length - 1) {
      parts.unshift(`toString(${value})`);
    } else {
      parts.unshift(lpad9(`(${value} % ${PIECE})`));
      carry = `intDiv(${value}, ${PIECE})`;
    }
  });
  return `concat(${parts.join(', ')})`;
}

function lpad9(value: string): string {
  return `substring(concat('${'0'.repeat(PIECE_DIGITS)}', toString(${value})), length(toString(${value})) + 1, ${PIECE_DIGITS})`;
}

/** Digits (no point, leading zeros allowed, at least `scale` + 1 of them) as the decimal text at `scale`. */
export function digitsToDecimalTextSql(digits: string, scale: number): string {
  if (scale === 0) return digits;
  return `concat(substring(${digits}, 1, length(${digits}) - ${scale}), '.', substring(${digits}, length(${digits}) - ${scale - 1}, ${scale}))`;
}

/**
 * The canonical text `byok bill` prints for decimal text: no leading zeros (one before the
 * point), no trailing fractional zeros, no trailing point, `0` for zero.
 */
export function canonicalDecimalTextSql(text: string): string {
  const trimmedLeft = `replaceRegexpOne(${text}, '^0+([0-9])', '\\\\1')`;
  return `replaceRegexpOne(replaceRegexpOne(${trimmedLeft}, '0+$', ''), '\\\\.$', '')`;
}
