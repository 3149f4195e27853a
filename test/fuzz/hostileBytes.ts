import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/*
 * Bytes no well-behaved exporter writes, to splice into text inputs: sequences that are not
 * UTF-8 (each a different way to be wrong), characters that are valid but unusual in a line
 * (lone CR, a BOM in the middle, U+2028, C1 controls), and NUL, which makes a file "not
 * text". None of them holds LF, `"` or `,`, so splicing one inside a field keeps the
 * CSV's record structure (a test can still count records).
 */
export const NOT_UTF8: readonly (readonly number[])[] = [
  [0xff], // never in UTF-8
  [0xfe],
  [0x80], // a continuation byte alone
  [0xc3, 0x28], // a lead byte without its continuation
  [0xc0, 0xaf], // an overlong "/"
  [0xe0, 0x80, 0xaf], // an overlong "/" in three bytes
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate (U+D800) encoded
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0xe2, 0x82], // truncated (the start of "€")
  [0xf8, 0x88, 0x80, 0x80, 0x80], // a five-byte form
];

export const ODD_TEXT: readonly (readonly number[])[] = [
  [0x0d], // CR alone: no line end in CSV
  [0xef, 0xbb, 0xbf], // a BOM past the start
  [0xe2, 0x80, 0xa8], // U+2028 LINE SEPARATOR
  [0xc2, 0x85], // U+0085 NEXT LINE
  [0x09], // tab
  [0x7f], // DEL
  [0xf0, 0x9f, 0x98, 0x80], // an astral character (😀)
];

export const NUL: readonly number[] = [0x00];

/** A run of bytes to splice into a field: mostly not UTF-8, sometimes odd text, rarely NUL. */
export const hostileByteRunArb: fc.Arbitrary<readonly number[]> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NOT_UTF8) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_TEXT) },
  { weight: 1, arbitrary: fc.constant(NUL) },
);

/**
 * A blind edit of a whole input, after it was written: cut it short, splice arbitrary bytes
 * in, flip a byte or drop a few. Positions are drawn as naturals and taken modulo the
 * input's length when applied, so they shrink towards the start.
 */
export type ByteMutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'flip'; readonly at: number; readonly mask: number }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number };

export const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(hostileByteRunArb, fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }), fc.constantFrom([0x22], [0x2c], [0x0a], [0x0d, 0x0a], [0x5c])),
  }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

export function applyByteMutations(bytes: Buffer, mutations: readonly ByteMutation[]): Buffer {
  let out = bytes;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    switch (m.kind) {
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes), out.subarray(at)]);
        break;
      case 'flip':
        if (at < out.length) {
          out = Buffer.from(out);
          out[at] = out[at]! ^ m.mask;
        }
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
        break;
    }
  }
  return out;
}

/** Up to two blind edits, on about one input in `oneIn`. */
export function maybeByteMutations(oneIn: number): fc.Arbitrary<readonly ByteMutation[]> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(byteMutationArb, { minLength: 1, maxLength: 2 }) });
}

/**
 * How an input is stored: as written, gzipped (the readers decompress `.gz`), or a gzip
 * file that is cut short or has a byte changed (a download that broke off, a bad disk).
 */
export type Storage = 'plain' | 'gzip' | 'gzip-truncated' | 'gzip-corrupt';

export const storageArb: fc.Arbitrary<Storage> = fc.oneof(
  { weight: 16, arbitrary: fc.constant<Storage>('plain') },
  { weight: 3, arbitrary: fc.constant<Storage>('gzip') },
  { weight: 1, arbitrary: fc.constant<Storage>('gzip-truncated') },
  { weight: 1, arbitrary: fc.constant<Storage>('gzip-corrupt') },
);

/** The stored bytes of `text` and whether they decompress to it whole. `cut` picks where a broken gzip breaks. */
export function store(text: Buffer, storage: Storage, cut: number): { bytes: Buffer; intact: boolean } {
  if (storage === 'plain') return { bytes: text, intact: true };
  const gz = gzipSync(text);
  if (storage === 'gzip') return { bytes: gz, intact: true };
  if (storage === 'gzip-truncated') return { bytes: gz.subarray(0, cut % gz.length), intact: false };
  // A byte past the 10-byte gzip header changed: the deflate data or the CRC no longer holds.
  const corrupt = Buffer.from(gz);
  const at = 10 + (cut % (gz.length - 10));
  corrupt[at] = corrupt[at]! ^ 0x5a;
  return { bytes: corrupt, intact: false };
}

/**
 * Gives `bytes` a short, exact form in fast-check's reports: a JavaScript expression that
 * rebuilds them (`Buffer.from("r1,\xff\n" + "h".repeat(4500), "latin1")`), where the
 * default printing of a Buffer is one number per byte.
 */
export function printable(bytes: Buffer): Buffer {
  Object.defineProperty(bytes, fc.toStringMethod, { value: () => bytesExpression(bytes), enumerable: false, configurable: true });
  return bytes;
}

function bytesExpression(bytes: Buffer): string {
  const pieces: string[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') pieces.push(`"${literal}"`);
    literal = '';
  };
  for (let i = 0; i < bytes.length; ) {
    let run = 1;
    while (i + run < bytes.length && bytes[i + run] === bytes[i]) run++;
    const b = bytes[i]!;
    const char = b === 0x22 ? '\\"' : b === 0x5c ? '\\\\' : b === 0x0a ? '\\n' : b === 0x0d ? '\\r' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    if (run >= 16) {
      flush();
      pieces.push(`"${char}".repeat(${run})`);
      i += run;
    } else {
      literal += char;
      i++;
    }
  }
  flush();
  return `Buffer.from(${pieces.length === 0 ? '""' : pieces.join(' + ')}, "latin1")`;
}
