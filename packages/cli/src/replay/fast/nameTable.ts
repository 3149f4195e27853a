/**
 * Numbers the distinct user and org ids of a log, looked up by their bytes: the id's
 * text is made (once) only when it is first seen, not for every row that names it.
 *
 * Open addressing with linear probing; each slot holds the name's hash beside its number,
 * so a probe reads one typed array and compares bytes only on a full hash match. The
 * names' bytes live in one arena, their offsets and lengths in typed arrays.
 */
export class NameTable {
  /** Pairs (hash, number + 1); 0 in the second marks a free slot. */
  private slots = new Int32Array(2 << 12);
  private mask = (1 << 12) - 1;
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private starts: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private lengths: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private readonly encoder = new TextEncoder();
  readonly names: string[] = [];

  /** The number of an id given as text (a row the record reader read). */
  internText(name: string): number {
    const bytes = this.encoder.encode(name);
    return this.intern(bytes, 0, bytes.length, name);
  }

  /** The number of the id written in `bytes[start..end)`, numbering it when new; `name` is its text when not ASCII. */
  intern(bytes: Uint8Array, start: number, end: number, name?: string): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    const length = end - start;
    const slots = this.slots;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[2 * slot + 1]!;
      if (entry === 0) return this.add(slot, h, bytes, start, end, name);
      if (slots[2 * slot] !== h) continue;
      const index = entry - 1;
      if (this.lengths[index] !== length) continue;
      const arena = this.arena;
      const at = this.starts[index]!;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (arena[at + i] !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return index;
    }
  }

  private add(slot: number, hash: number, bytes: Uint8Array, start: number, end: number, name: string | undefined): number {
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    const index = this.names.length;
    if (index === this.starts.length) {
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
    }
    this.starts[index] = this.arenaUsed;
    this.lengths[index] = length;
    this.arenaUsed += length;
    this.names.push(name ?? Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('latin1'));
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = index + 1;
    if (this.names.length * 2 > this.mask + 1) this.rehash();
    return index;
  }

  private rehash(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.slots = new Int32Array(2 * size);
    this.mask = size - 1;
    for (let s = 0; s < old.length; s += 2) {
      const entry = old[s + 1]!;
      if (entry === 0) continue;
      const hash = old[s]!;
      let slot = hash & this.mask;
      while (this.slots[2 * slot + 1] !== 0) slot = (slot + 1) & this.mask;
      this.slots[2 * slot] = hash;
      this.slots[2 * slot + 1] = entry;
    }
  }
}

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}
