import type { RoundingMode } from './roundingMode.js';

/**
 * Banker's rounding: a tie goes to the even neighbour, so ties do not bias sums.
 * `quotient` is truncated toward zero and `remainder` has the dividend's sign.
 */
export const halfEven: RoundingMode = (quotient, remainder, divisor) => {
  if (remainder === 0n) return quotient;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  const away = remainder < 0n ? -1n : 1n;
  if (twice > divisor) return quotient + away;
  if (twice < divisor) return quotient;
  return quotient % 2n === 0n ? quotient : quotient + away;
};
