/**
 * Compares strings in UTF-8 byte order (= Unicode code point order), the order
 * POLICY.md D1 breaks timestamp ties by. JavaScript's `<` compares UTF-16 code units,
 * which puts U+E000–U+FFFF after astral characters; UTF-8 puts them before.
 */
export function compareUtf8(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–U+DFFF) stand for code points above U+FFFF: lift them above
    // the rest of the basic plane before comparing.
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}
