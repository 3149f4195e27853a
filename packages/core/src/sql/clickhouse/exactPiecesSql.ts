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
 * significant first, read 9 digits at a time from the right of its digits without the
 * point. The digits are written to exactly `scale` fractional digits whatever `toString`
 * gives: ClickHouse 18.16 writes every fractional digit, later versions drop trailing zeros
 * (`output_format_decimal_trailing_zeros`). `digitsAlias` names the digits (and, suffixed,
 * the steps to them): unique within the SELECT.
 */
export function piecesSql(amount: string, scale: number, digitsAlias: string): { readonly digits: string; readonly pieces: readonly string[] } {
  // assumeNotNull: an amount computed from Nullable account terms is typed Nullable but never NULL.
  const text = `(toString(assumeNotNull(${amount})) AS ${digitsAlias}_text)`;
  const point = `(position(${text}, '.') AS ${digitsAlias}_point)`;
  const whole = `if(${point} = 0, ${digitsAlias}_text, substring(${digitsAlias}_text, 1, ${digitsAlias}_point - 1))`;
  const fraction = `if(${digitsAlias}_point = 0, '', substring(${digitsAlias}_text, ${digitsAlias}_point + 1))`;
  const digits = scale === 0 ? whole : `concat(${whole}, substring(concat(${fraction}, '${'0'.repeat(scale)}'), 1, ${scale}))`;
  const padded = `concat('${PAD}', ${digitsAlias})`;
  const pieces = Array.from({ length: PIECES }, (_, k) => `toUInt64(substring(${padded}, length(${digitsAlias}) + ${PAD.length - PIECE_DIGITS * (k + 1) + 1}, ${PIECE_DIGITS}))`);
  return { digits, pieces };
}

/**
 * The digits (leading zeros kept, no point) of a sum given as the sums of its pieces (UInt64
 * expressions, least significant first): carries are propagated piece by piece, the highest
 * piece keeps what is left. Each step is named inline (`<prefix>_v<k>`, `<prefix>_t<k>`) and
 * referred to by name after, so the text grows linearly with the pieces, not exponentially;
 * `prefix` must be unique within the SELECT.
 */
export function piecesToDigitsSql(pieceSums: readonly string[], prefix: string): string {
  const parts: string[] = [];
  pieceSums.forEach((sum, k) => {
    const value = k === 0 ? `(${sum})` : `(${sum} + intDiv(${prefix}_v${k - 1}, ${PIECE}))`;
    const named = `(${value} AS ${prefix}_v${k})`;
    if (k === pieceSums.length - 1) {
      parts.unshift(`toString(${named})`);
    } else {
      const digits = `(toString(${named} % ${PIECE}) AS ${prefix}_t${k})`;
      parts.unshift(`substring(concat('${'0'.repeat(PIECE_DIGITS)}', ${digits}), length(${prefix}_t${k}) + 1, ${PIECE_DIGITS})`);
    }
  });
  return `concat(${parts.join(', ')})`;
}

/**
 * Digits (no point, leading zeros allowed, at least `scale` + 1 of them) as the decimal text
 * at `scale`. With `alias`, the digits expression is written once, named, and read by name.
 */
export function digitsToDecimalTextSql(digits: string, scale: number, alias?: string): string {
  if (scale === 0) return digits;
  const first = alias === undefined ? digits : `(${digits} AS ${alias})`;
  const again = alias ?? digits;
  return `concat(substring(${first}, 1, length(${again}) - ${scale}), '.', substring(${again}, length(${again}) - ${scale - 1}, ${scale}))`;
}

/**
 * The canonical text `byok bill` prints for decimal text: no leading zeros (one before the
 * point), no trailing fractional zeros, no trailing point, `0` for zero.
 */
export function canonicalDecimalTextSql(text: string): string {
  const trimmedLeft = `replaceRegexpOne(${text}, '^0+([0-9])', '\\\\1')`;
  return `replaceRegexpOne(replaceRegexpOne(${trimmedLeft}, '0+$', ''), '\\\\.$', '')`;
}
