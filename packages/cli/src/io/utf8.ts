/**
 * UTF-8 checks at the byte level. Inputs are UTF-8 (FORMATS.md); decoding anything else
 * silently turns every invalid byte into U+FFFD, so `al\xffice` and `al\xfeice` became one
 * user sharing one allowance, and request ids `r\xff` and `r\xfe` one request. Readers
 * check the bytes (`isUtf8`, native) and refuse what is not UTF-8; these helpers say where
 * the first bad byte is and write the bytes back as text that is itself valid UTF-8.
 */
import { isUtf8 } from 'node:buffer';

export { isUtf8 };

/** Length of the valid UTF-8 sequence at `i` (1 to 4), or 0 when the byte there starts none. */
function sequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  if (c < 0xc2) return 0; // a continuation byte alone, or an overlong 2-byte form
  const continues = (k: number) => i + k < end && (b[i + k]! & 0xc0) === 0x80;
  if (c < 0xe0) return continues(1) ? 2 : 0;
  if (c < 0xf0) {
    // No overlong forms (E0 80..9F) and no surrogates (ED A0..BF).
    const second = i + 1 < end ? b[i + 1]! : 0;
    const low = c === 0xe0 ? 0xa0 : 0x80;
    const high = c === 0xed ? 0x9f : 0xbf;
    return second >= low && second <= high && continues(2) ? 3 : 0;
  }
  if (c < 0xf5) {
    // No overlong forms (F0 80..8F) and nothing past U+10FFFF (F4 90..).
    const second = i + 1 < end ? b[i + 1]! : 0;
    const low = c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xf4 ? 0x8f : 0xbf;
    return second >= low && second <= high && continues(2) && continues(3) ? 4 : 0;
  }
  return 0;
}

/** Index of the first byte of `bytes[start..end)` that is not part of a valid UTF-8 character, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  for (let i = start; i < end; ) {
    const n = sequenceLength(bytes, i, end);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/** `byte 0xff at position 3` (1-based, counted in bytes): where a value stops being UTF-8. */
export function describeInvalidByte(byte: number, position: number): string {
  return `byte 0x${byte.toString(16).padStart(2, '0')} at position ${position}`;
}

const BACKSLASH = 92;

/**
 * The bytes as text that is valid UTF-8 and says what was there: valid characters as they
 * are, each byte that is not part of one as `\xHH`, and — only when there is such a byte —
 * each backslash doubled, so the text maps back to exactly one byte string.
 */
export function escapeInvalidUtf8(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  let text = '';
  let runStart = 0;
  const flush = (end: number) => {
    if (end > runStart) text += Buffer.from(bytes.buffer, bytes.byteOffset + runStart, end - runStart).toString('utf8');
  };
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i, bytes.length);
    if (n === 0 || bytes[i] === BACKSLASH) {
      flush(i);
      text += n === 0 ? `\\x${bytes[i]!.toString(16).padStart(2, '0')}` : '\\\\';
      i++;
      runStart = i;
    } else {
      i += n;
    }
  }
  flush(bytes.length);
  return text;
}

/**
 * The first `length` bytes, less a character cut in two at the end: the start of a
 * refused record, shown without a spurious bad byte where the cut fell.
 */
export function utf8Prefix(bytes: Uint8Array, length: number): Uint8Array {
  let end = Math.min(length, bytes.length);
  if (end < bytes.length) {
    // Step back over continuation bytes to the start of the last character; drop it if cut.
    let lead = end;
    while (lead > 0 && end - lead < 3 && (bytes[lead - 1]! & 0xc0) === 0x80) lead--;
    if (lead > 0 && bytes[lead - 1]! >= 0xc0) {
      const start = lead - 1;
      if (sequenceLength(bytes, start, bytes.length) > end - start) end = start;
    }
  }
  return bytes.subarray(0, end);
}

/** The text of bytes that may not be UTF-8, every bad byte as U+FFFD (only for messages that quote a parser). */
export function lossyText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}
