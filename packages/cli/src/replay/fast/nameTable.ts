/**
 * Numbers the distinct user and org ids of a log, looked up by their bytes: the id's
 * text is made (once) only when it is first seen, not for every row that names it.
 */
export class NameTable {
  private slots = new Int32Array(1 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private starts: number[] = [];
  private lengths: number[] = [];
  private hashes: number[] = [];
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
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const index = this.slots[slot]!;
      if (index === -1) return this.add(slot, h, bytes, start, end, name);
      if (this.hashes[index] !== h || this.lengths[index] !== length) continue;
      const at = this.starts[index]!;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (this.arena[at + i] !== bytes[start + i]) {
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
    this.starts.push(this.arenaUsed);
    this.lengths.push(length);
    this.hashes.push(hash);
    this.arenaUsed += length;
    this.names.push(name ?? Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('latin1'));
    this.slots[slot] = index;
    if (this.names.length * 2 > this.slots.length) this.rehash();
    return index;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let index = 0; index < this.names.length; index++) {
      let slot = this.hashes[index]! & this.mask;
      while (this.slots[slot] !== -1) slot = (slot + 1) & this.mask;
      this.slots[slot] = index;
    }
  }
}
