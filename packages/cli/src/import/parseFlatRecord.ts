import { LosslessNumber } from 'lossless-json';

const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A fast path for the JSON a generation record almost always is: one object of strings,
 * numbers, booleans and nulls, maybe wrapped once (`{"data": {...}}`). lossless-json reads
 * any JSON, but builds every string a character at a time; on a month of records that
 * was most of an import's time. This scanner reads the common shape in one pass with
 * `slice`, and gives the same value lossless-json would (numbers as LosslessNumber, their
 * source text kept exactly). Anything else — arrays, deeper nesting, a duplicate key, a
 * `__proto__` key, an unescaped control character, or any syntax error — makes it return
 * `undefined`, and the caller parses the text with lossless-json, which then decides (and
 * words the error) exactly as before. So the fast path only ever accepts valid JSON, and
 * only where the result is certain.
 *
 * @example
 * parseFlatRecord('{"id":"gen-1","total_cost":1.5e-7}') //=> { id: 'gen-1', total_cost: LosslessNumber('1.5e-7') }
 * parseFlatRecord('[1]') //=> undefined (not a record: the caller falls back)
 */
export function parseFlatRecord(text: string): Record<string, unknown> | undefined {
  // Escapes and control characters (also a raw tab between tokens) are left to
  // lossless-json: without them, every string ends at the next quote, found natively.
  if (ESCAPE_OR_CONTROL.test(text)) return undefined;
  const scanner = new FlatScanner(text);
  const value = scanner.object(0);
  if (value === undefined) return undefined;
  scanner.skipWhitespace();
  return scanner.at === text.length ? value : undefined;
}

/** Objects may nest this deep (the record, and the record inside `{"data": …}`). */
const MAX_DEPTH = 1;

const ESCAPE_OR_CONTROL = /[\\\x00-\x1f]/;
const QUOTE = 34;

/**
 * The keys records use, by length. A key read from the text is swapped for the constant
 * here, compared in place: a constant is already an internalized string, where a fresh
 * slice would be hashed and internalized again by every property store.
 */
const KNOWN_KEYS: string[][] = [];
for (const key of [
  'data', 'id', 'created_at', 'createdAt', 'model', 'provider_name', 'providerName', 'is_byok', 'isByok', 'total_cost', 'totalCost',
  'upstream_inference_cost', 'upstreamInferenceCost', 'cancelled', 'external_user', 'externalUser',
]) {
  (KNOWN_KEYS[key.length] ??= []).push(key);
}

class FlatScanner {
  at = 0;

  constructor(private readonly text: string) {}

  skipWhitespace(): void {
    const t = this.text;
    let i = this.at;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.at = i;
  }

  /** An object at `this.at` (after whitespace), or undefined when the fast path cannot take it. */
  object(depth: number): Record<string, unknown> | undefined {
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) !== 123 /* { */) return undefined;
    this.at++;
    const result: Record<string, unknown> = {};
    // Keys seen so far (a record has about ten): a duplicate key, or a key that names a
    // prototype, is left to the full parser and its structure check (recordText.ts).
    const keys: string[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === 125 /* } */) {
      this.at++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      const key = this.key();
      if (key === undefined || PROTOTYPE_KEYS.has(key) || keys.includes(key)) return undefined;
      keys.push(key);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.at) !== 58 /* : */) return undefined;
      this.at++;
      const value = this.value(depth);
      if (value === undefined) return undefined;
      result[key] = value;
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.at++);
      if (c === 125 /* } */) return result;
      if (c !== 44 /* , */) return undefined;
    }
  }

  /** A value; undefined when the fast path cannot take it (JSON null comes back as null). */
  private value(depth: number): unknown {
    this.skipWhitespace();
    const t = this.text;
    const c = t.charCodeAt(this.at);
    if (c === QUOTE) return this.string();
    if (c === 123 /* { */) return depth < MAX_DEPTH ? this.object(depth + 1) : undefined;
    if (c === 116 /* t */) return this.keyword('true', true);
    if (c === 102 /* f */) return this.keyword('false', false);
    if (c === 110 /* n */) return this.keyword('null', null);
    return this.number();
  }

  private keyword(word: string, value: boolean | null): boolean | null | undefined {
    if (!this.text.startsWith(word, this.at)) return undefined;
    this.at += word.length;
    return value;
  }

  /** An object key: a known one as its constant. */
  private key(): string | undefined {
    const t = this.text;
    if (t.charCodeAt(this.at) !== QUOTE) return undefined;
    const start = this.at + 1;
    const end = t.indexOf('"', start);
    if (end < 0) return undefined;
    const candidates = KNOWN_KEYS[end - start];
    if (candidates !== undefined) {
      for (const known of candidates) {
        if (sameAt(t, start, known)) {
          this.at = end + 1;
          return known;
        }
      }
    }
    return this.string();
  }

  /** A string (without escapes: see ESCAPE_OR_CONTROL). */
  private string(): string | undefined {
    const t = this.text;
    if (t.charCodeAt(this.at) !== QUOTE) return undefined;
    const end = t.indexOf('"', this.at + 1);
    if (end < 0) return undefined;
    const value = t.slice(this.at + 1, end);
    this.at = end + 1;
    return value;
  }

  /** A number in the exact JSON grammar (RFC 8259 §6), kept as its source text. */
  private number(): LosslessNumber | undefined {
    const t = this.text;
    const start = this.at;
    let i = start;
    if (t.charCodeAt(i) === 45 /* - */) i++;
    if (t.charCodeAt(i) === 48 /* 0 */) i++;
    else if (isDigit1to9(t.charCodeAt(i))) while (isDigit(t.charCodeAt(++i)));
    else return undefined;
    if (t.charCodeAt(i) === 46 /* . */) {
      if (!isDigit(t.charCodeAt(++i))) return undefined;
      while (isDigit(t.charCodeAt(++i)));
    }
    const e = t.charCodeAt(i);
    if (e === 101 || e === 69 /* e E */) {
      const sign = t.charCodeAt(++i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(t.charCodeAt(i))) return undefined;
      while (isDigit(t.charCodeAt(++i)));
    }
    this.at = i;
    return new LosslessNumber(t.slice(start, i));
  }
}

/** Whether `text` holds `word` at `start` (a loop: faster here than startsWith). */
function sameAt(text: string, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (text.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isDigit1to9(c: number): boolean {
  return c >= 49 && c <= 57;
}
