import { childPath, numberEnd, stringEnd } from './jsonStructure.js';

/** An open object or array while scanning: its path, and where inside it the scan is. */
interface Frame {
  readonly path: string;
  readonly isObject: boolean;
  key: string;
  index: number;
  expectKey: boolean;
}

/**
 * Where the value at a JSON path (`$.versions[1].parameters.feeRate`, written as the core's
 * validation writes paths, see childPath) starts in a document's text: its offset, or,
 * when the document has no value there (a required member left out), the offset of the
 * deepest value on the way to it. So a policy the core refuses is named by line and column
 * like every other bad input, not by its JSON path alone.
 *
 * `text` must be valid JSON without a key twice in one object (parseJsonDocument read it).
 */
export function locateJsonPath(text: string, path: string): number {
  const frames: Frame[] = [];
  let ancestor = { length: -1, offset: 0 };
  /** Whether the value starting at `offset` is the one looked for; else remembers it when it is on the way. */
  const isTarget = (offset: number): boolean => {
    const top = frames[frames.length - 1];
    const here = top === undefined ? '$' : top.isObject ? childPath(top.path, top.key) : childPath(top.path, top.index);
    if (here === path) return true;
    const next = path[here.length];
    if (path.startsWith(here) && (next === '.' || next === '[') && here.length > ancestor.length) ancestor = { length: here.length, offset };
    return false;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const top = frames[frames.length - 1];
    if (c === '{' || c === '[') {
      if (isTarget(i)) return i;
      const parent = frames[frames.length - 1];
      const own = parent === undefined ? '$' : parent.isObject ? childPath(parent.path, parent.key) : childPath(parent.path, parent.index);
      frames.push({ path: own, isObject: c === '{', key: '', index: 0, expectKey: c === '{' });
      i++;
    } else if (c === '}' || c === ']') {
      frames.pop();
      i++;
    } else if (c === ',') {
      if (top?.isObject) top.expectKey = true;
      else if (top !== undefined) top.index++;
      i++;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      if (top?.isObject && top.expectKey) {
        top.key = JSON.parse(text.slice(i, end)) as string;
        top.expectKey = false;
      } else if (isTarget(i)) {
        return i;
      }
      i = end;
    } else if (c === '-' || (c >= '0' && c <= '9') || c === 't' || c === 'f' || c === 'n') {
      if (isTarget(i)) return i;
      i = c === 't' || c === 'n' ? i + 4 : c === 'f' ? i + 5 : numberEnd(text, i);
    } else {
      i++; // white space and ':'
    }
  }
  return ancestor.offset;
}
