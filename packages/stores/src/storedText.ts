/**
 * SQLite keeps text as UTF-8, where a UTF-16 code unit without its pair (a lone
 * surrogate) has no encoding: better-sqlite3 writes it as the three bytes of its code
 * point, which read back as three U+FFFD. Such a string is found again when it is bound
 * as a parameter, but what SQLite returns for it is not the string.
 */

const LONE_SURROGATE = /[\ud800-\udfff]/u;

type WellFormed = { isWellFormed(): boolean };
const native = typeof (String.prototype as Partial<WellFormed>).isWellFormed === 'function';

/**
 * True when a string holds no lone surrogate, so SQLite returns it exactly. `isWellFormed`
 * (Node 20) answers a one-byte string at once; the expression is the fallback.
 */
export function plainText(text: string): boolean {
  return native ? (text as unknown as WellFormed).isWellFormed() : !LONE_SURROGATE.test(text);
}

/**
 * `text` as a UTF-8 encoder leaves it: each lone surrogate becomes U+FFFD, as node-postgres
 * sends it, so what PostgreSQL returns for `text` compares equal to `sentAs(text)`.
 */
export function sentAs(text: string): string {
  return plainText(text) ? text : Buffer.from(text, 'utf8').toString('utf8');
}
