import { isSafeNumber } from 'lossless-json';

/**
 * What a JSON parser forgets: the order and position of keys. A parser keeps one value per
 * key (the last, or the first), so a document that says `"allowance": 3, "allowance": 0`
 * would be read as one of the two without a word. This scan walks the text of a document
 * that already parsed (so it is valid JSON and the scan can be simple) and finds, in
 * document order, the first key that repeats in its object, a key that names an object's
 * prototype, or (when asked) a number a JavaScript number cannot hold exactly.
 */
export interface JsonStructureProblem {
  readonly kind: 'duplicate-key' | 'forbidden-key' | 'inexact-number';
  /** Character offset of the offending token (the key's opening quote, the number's first character). */
  readonly offset: number;
  /** JSON path of the object holding the key, or of the number. */
  readonly path: string;
  readonly reason: string;
}

export interface JsonStructureOptions {
  /** Refuse numbers that a JavaScript number would round (they are read as numbers). */
  readonly exactNumbers: boolean;
}

/**
 * Keys that reach an object's prototype when code assigns or merges by key: refused
 * wherever they appear, as the core's policy reader refuses them.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** An open object or array while scanning: its path, and where inside it the scan is. */
interface Frame {
  readonly path: string;
  /** An object's keys so far (with the offset of each): undefined for an array. */
  readonly keys: Map<string, number> | undefined;
  /** The key whose value comes next (objects), or the index of the current item (arrays). */
  key: string;
  index: number;
  expectKey: boolean;
}

const QUOTE = 34;
const BACKSLASH = 92;

/** The first structural problem of a valid JSON text, in document order; undefined when there is none. */
export function findJsonStructureProblem(text: string, options: JsonStructureOptions): JsonStructureProblem | undefined {
  const frames: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const top = frames[frames.length - 1];
    if (c === '{' || c === '[') {
      frames.push({ path: valuePath(top), keys: c === '{' ? new Map() : undefined, key: '', index: 0, expectKey: c === '{' });
      i++;
    } else if (c === '}' || c === ']') {
      frames.pop();
      i++;
    } else if (c === ',') {
      if (top !== undefined) nextMember(top);
      i++;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      if (top?.keys !== undefined && top.expectKey) {
        const problem = takeKey(top, JSON.parse(text.slice(i, end)) as string, i, text);
        if (problem !== undefined) return problem;
      }
      i = end;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const end = numberEnd(text, i);
      if (options.exactNumbers && !isSafeNumber(text.slice(i, end))) return inexactNumber(text.slice(i, end), i, valuePath(top));
      i = end;
    } else {
      i++; // whitespace, ':' and the letters of true, false, null
    }
  }
  return undefined;
}

/** The path of the value the scan is at: the root, an object's member, or an array's item. */
function valuePath(top: Frame | undefined): string {
  if (top === undefined) return '$';
  return top.keys === undefined ? childPath(top.path, top.index) : childPath(top.path, top.key);
}

function nextMember(frame: Frame): void {
  if (frame.keys === undefined) frame.index++;
  else frame.expectKey = true;
}

/** Records a key of the object `frame`; a repeat or a prototype key is a problem. */
function takeKey(frame: Frame, key: string, offset: number, text: string): JsonStructureProblem | undefined {
  const keys = frame.keys!;
  if (FORBIDDEN_KEYS.has(key)) {
    return { kind: 'forbidden-key', offset, path: frame.path, reason: `key ${JSON.stringify(key)} is not allowed in ${frame.path} (it names an object's prototype)` };
  }
  const first = keys.get(key);
  if (first !== undefined) {
    const firstLine = lineOf(text, first);
    return { kind: 'duplicate-key', offset, path: frame.path, reason: `duplicate key ${JSON.stringify(key)} in ${frame.path} (first on line ${firstLine})` };
  }
  keys.set(key, offset);
  frame.key = key;
  frame.expectKey = false;
  return undefined;
}

function inexactNumber(number: string, offset: number, path: string): JsonStructureProblem {
  return { kind: 'inexact-number', offset, path, reason: `the number ${number} at ${path} cannot be read exactly (too many digits or too large)` };
}

/** The offset just after the string that opens at `start` (escapes skipped, not decoded). */
export function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  return i;
}

/** The offset just after the number that starts at `start`. */
export function numberEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && /[0-9.eE+-]/.test(text[i]!)) i++;
  return i;
}

/**
 * The offset of the first `[` or `{` that opens a level deeper than `maxDepth`, outside
 * strings; undefined when the text nests no deeper. Looked for before a document is
 * parsed: a recursive parser given 100,000 nested arrays runs out of stack and says only
 * "Maximum call stack size exceeded", naming no place in the file.
 */
export function findDeepNesting(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      continue;
    }
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
    i++;
  }
  return undefined;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** `$.versions[1].parameters`, and `$["odd key"]` for keys that are not identifiers (as the core writes paths). */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
