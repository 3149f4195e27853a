/*
 * Exact DECIMAL text and running sums on ClickHouse. `arrayCumSum` refuses Decimals, so for a
 * running sum an amount is cut into integer pieces of 9 digits (UInt64), the pieces are
 * cumulated as integers and each running sum put together again as decimal text: exact for
 * up to 10^10 rows per scope-month, never wrapped. Text comes back into a Decimal only through
 * a CAST, which refuses more than 38 digits (the engine's error) instead of wrapping. (The
 * line sums use guarded `sum()`s instead: clickhouseBillQuery.ts.) Amounts are written as text
 * by `decimalDigitsSql`, never by `toString` of the whole (18.16 garbles it past 21 digits).
 */

/** Digits per piece: a sum of 10^10 pieces stays below 10^19, inside UInt64. */
const PIECE_DIGITS = 9;
/** Pieces per amount: a Decimal128 has at most 38 digits. */
export const PIECES = Math.ceil(38 / PIECE_DIGITS);
// Digits of an amount: at most 38, plus a high part's leading zero.
const PAD = '0'.repeat(PIECES * PIECE_DIGITS);
const PIECE = `1${'0'.repeat(PIECE_DIGITS)}`;

/** Whole dollars split at 10^18: below it `toString` of a Decimal128 is right in every version. */
const SPLIT = `CAST('1${'0'.repeat(18)}' AS Decimal(38,0))`;

/**
 * The digits of a non-negative Decimal expression of scale `scale`, without the point:
 * exactly `scale` fractional digits, leading zeros allowed.
 *
 * Not `toString` of the amount: ClickHouse 18.16 writes the integer part of a Decimal128
 * past 21 digits with NUL bytes in it, and later versions drop trailing fractional zeros.
 * So the amount is split exactly (Decimal division truncates, multiplication and
 * subtraction are exact) into whole units of 10^18 dollars, written as an integer, and a
 * rest below 10^18 dollars, whose text is read to `scale` fractional digits whatever its
 * form. `alias` names the steps (suffixed): unique within the SELECT.
 */
export function decimalDigitsSql(amount: string, scale: number, alias: string): string {
  const high = `(CAST(assumeNotNull(${amount}) / ${SPLIT} AS Decimal(38,0)) AS ${alias}_high)`;
  const rest = `(toString(assumeNotNull(${amount}) - ${high} * ${SPLIT}) AS ${alias}_rest)`;
  const point = `(position(${rest}, '.') AS ${alias}_point)`;
  const whole = `if(${point} = 0, ${alias}_rest, substring(${alias}_rest, 1, ${alias}_point - 1))`;
  const fraction = `if(${alias}_point = 0, '', substring(${alias}_rest, ${alias}_point + 1))`;
  // The rest's whole dollars padded to 18 digits, after the high part's.
  const restWhole = `substring(concat('${'0'.repeat(18)}', (${whole} AS ${alias}_whole)), length(${alias}_whole) + 1, 18)`;
  const restFraction = scale === 0 ? `''` : `substring(concat(${fraction}, '${'0'.repeat(scale)}'), 1, ${scale})`;
  return `concat(toString(${alias}_high), ${restWhole}, ${restFraction})`;
}

/**
 * The `PIECES` UInt64 pieces of a non-negative Decimal expression of scale `scale`, least
 * significant first, read 9 digits at a time from the right of its digits
 * (`decimalDigitsSql`), which the SELECT must name `digitsAlias`.
 */
export function piecesSql(amount: string, scale: number, digitsAlias: string): { readonly digits: string; readonly pieces: readonly string[] } {
  const digits = decimalDigitsSql(amount, scale, digitsAlias);
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
