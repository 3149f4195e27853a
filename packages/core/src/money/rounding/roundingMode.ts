/**
 * A rounding mode decides, for a division `numerator / divisor` that is not exact,
 * whether the truncated quotient moves one step away from zero. Modes are plain
 * functions passed in where presentation rounding happens; nothing rounds implicitly.
 */
export type RoundingMode = (quotient: bigint, remainder: bigint, divisor: bigint) => bigint;

export type RoundingModeName = 'half-even' | 'half-up';
