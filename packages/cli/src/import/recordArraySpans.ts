/** Where one element of a JSON document's array of records is in the text. */
export interface ElementSpan {
  /** Offsets of the element's first character and one past its last. */
  readonly start: number;
  readonly end: number;
  /** 1-based physical line the element starts on. */
  readonly line: number;
}

interface Frame {
  readonly kind: 'array' | 'object';
  /** Whether this array is the one holding the records. */
  readonly target: boolean;
  /** In an object: whether the next string is a key. */
  expectingKey: boolean;
  /** In an object: the last key read (raw text between the quotes). */
  lastKey: string;
}

/**
 * The spans of the records in a JSON document that has already parsed: the elements of
 * the top-level array, or of the array under a top-level `"data"` key. JSON parsers give
 * values, not positions; this scan gives each record the line and text an error or a
 * rejects file should point at. It assumes valid JSON (the parser checked it) and so only
 * tracks strings, nesting and commas.
 */
export function recordArraySpans(text: string): ElementSpan[] {
  const spans: ElementSpan[] = [];
  const stack: Frame[] = [];
  let line = 1;
  let open: { start: number; line: number } | undefined;
  let lastEnd = 0; // one past the last non-whitespace character

  const top = (): Frame | undefined => stack[stack.length - 1];
  const valueStarts = (at: number) => {
    const frame = top();
    if (frame?.target && open === undefined) open = { start: at, line };
    if (frame?.kind === 'object') frame.expectingKey = false;
  };
  const closeElement = () => {
    if (open !== undefined) spans.push({ start: open.start, end: lastEnd, line: open.line });
    open = undefined;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      line++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    switch (c) {
      case 34 /* " */: {
        const frame = top();
        const isKey = frame?.kind === 'object' && frame.expectingKey;
        if (!isKey) valueStarts(i);
        let j = i + 1;
        while (j < text.length && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 /* \ */ ? 2 : 1;
        if (isKey) frame.lastKey = text.slice(i + 1, j);
        i = j;
        break;
      }
      case 91 /* [ */:
      case 123 /* { */: {
        valueStarts(i);
        const parent = top();
        const isArray = c === 91;
        const target = isArray && (parent === undefined || (stack.length === 1 && parent.kind === 'object' && parent.lastKey === 'data'));
        stack.push({ kind: isArray ? 'array' : 'object', target, expectingKey: !isArray, lastKey: '' });
        break;
      }
      case 93 /* ] */:
      case 125 /* } */: {
        // The array's own closing bracket ends its last element but is no part of it.
        if (stack.pop()?.target) closeElement();
        lastEnd = i + 1;
        continue;
      }
      case 44 /* , */: {
        const frame = top();
        if (frame?.target) closeElement();
        if (frame?.kind === 'object') frame.expectingKey = true;
        break;
      }
      case 58 /* : */:
        break;
      default:
        // A number, true, false or null: runs until a delimiter.
        valueStarts(i);
        while (i + 1 < text.length && !/[\s,\]}]/.test(text[i + 1]!)) i++;
    }
    lastEnd = i + 1;
  }
  return spans;
}
