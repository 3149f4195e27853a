import type { RoundingMode } from './roundingMode.js';

/** Commercial rounding: a tie goes away from zero (0.125 → 0.13, -0.125 → -0.13). */
export const halfUp: RoundingMode = (quotient, remainder, divisor) => {
  if (remainder === 0n) return quotient;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice >= divisor) return quotient + (remainder < 0n ? -1n : 1n);
  return quotient;
};
