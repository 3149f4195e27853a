/**
 * The one strict decimal reader behind money and rates: `digits[.digits]` with an
 * optional leading `-` where allowed. Exponents, `+`, spaces, currency signs, a bare
 * point (`.5`, `5.`) and too many fractional digits are refused with a reason, so a
 * log with `1e-3` or `$0.01` in a cost column is an error, not a silent misreading.
 */
export interface ParsedDecimal {
  readonly units: bigint;
  readonly scale: number;
}

export interface DecimalSyntaxOptions {
  /** At most this many digits after the point. */
  readonly maxFractionDigits: number;
  /** Whether a leading `-` is accepted. */
  readonly allowNegative: boolean;
}

/** Returns the parsed value, or a reason string explaining why the text is refused. */
export function parseDecimal(text: string, options: DecimalSyntaxOptions): ParsedDecimal | string {
  const length = text.length;
  if (length === 0) return 'empty value';
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 /* - */) {
    if (!options.allowNegative) return 'must not be negative';
    negative = true;
    i = 1;
  } else if (first === 43 /* + */) {
    return 'must not carry a "+" sign';
  }
  const intStart = i;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < length && text.charCodeAt(i) === 46 /* . */) {
    i++;
    fracStart = i;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    fracEnd = i;
    if (fracEnd === fracStart) return 'a decimal point must be followed by digits';
  }
  if (i < length) {
    const c = text[i];
    if (c === 'e' || c === 'E') return 'exponent notation is not accepted; write a plain decimal';
    return `unexpected character ${JSON.stringify(c)} at position ${i + 1}; expected a plain decimal like 0.0125`;
  }
  if (intEnd === intStart) return 'digits are required before the decimal point';
  const fracDigits = fracEnd - fracStart;
  if (fracDigits > options.maxFractionDigits) {
    return `has ${fracDigits} fractional digits; at most ${options.maxFractionDigits} are accepted`;
  }
  const digits = text.slice(intStart, intEnd) + text.slice(fracStart, fracEnd);
  const magnitude = BigInt(digits);
  return { units: negative ? -magnitude : magnitude, scale: fracDigits };
}
