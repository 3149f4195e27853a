/**
 * Where a compact line's fields sit among its `LineColumns` numbers (line × stride + field).
 * Counters are whole numbers; `*_COST`, `FEE_BASE` and `LIST_CHARGE` are exact sums of
 * units of 10^-12 dollars. Billable requests are not kept: they are the BYOK requests
 * that were not free.
 */

/** Requests counted toward the allowance so far: the last ordinal given. */
export const COUNTED = 0;
export const BYOK_REQUESTS = 1;
export const FREE_REQUESTS = 2;
export const PLATFORM_REQUESTS = 3;
export const FAILED_REQUESTS = 4;
/** List cost of the BYOK requests. */
export const BYOK_COST = 5;
/** List costs of requests charged the fee. */
export const FEE_BASE = 6;
export const PLATFORM_COST = 7;
/** List costs charged as such (platform credits). */
export const LIST_CHARGE = 8;
/** List costs of failed requests (variants riding along may charge them). */
export const FAILED_COST = 9;
/** Numbers per line without variants riding along. */
export const LINE_FIELDS = 10;

/** With variants riding along: the counted BYOK requests so far… */
export const COUNTED_BYOK = 10;
/** …and the counted requests' list costs, by route code (`COUNTED_COST + route`). */
export const COUNTED_COST = 11;
/** Numbers per line with variants riding along. */
export const RIDE_ALONG_FIELDS = 14;

/** The number of the line's `LinePlacement`. */
export const PLACEMENT = 0;
/** The line's scope: its user's name number, or −1 − its org's name number. */
export const SCOPE = 1;
/** The scope's previous line (−1 for its first): a scope's lines are a chain from its latest. */
export const PREVIOUS = 2;
/** Integers per line of a ledger that keeps its own index of scopes' lines. */
export const LINE_INTS = 3;
/** Integers per line of a ledger that shares another's index (`PLACEMENT` only). */
export const INDEXED_LINE_INTS = 1;
