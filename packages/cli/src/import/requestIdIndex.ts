import { TextArena } from './textArena.js';

/**
 * The request ids an import has kept, to find a repeated one. A `Map` of a month of ids
 * cost more than reading the records (a million string keys, each a heap object holding
 * on to the text it was cut from); this is an open-addressing hash table over typed
 * arrays, with the ids themselves as UTF-8 in an arena. A hash match is confirmed on the
 * id's text, so two ids never pass for one.
 *
 * @example
 * const index = new RequestIdIndex();
 * index.add('gen-1') //=> 0
 * index.find('gen-1') //=> 0
 * index.find('gen-2') //=> -1
 */
export class RequestIdIndex {
  private readonly ids = new TextArena();
  /** Per id, its hash (for growing the table without re-reading ids). */
  private hashes = new Int32Array(1 << 12);
  /** Open addressing, linear probing: id index + 1, or 0 for an empty slot. At most half full. */
  private slots = new Int32Array(1 << 13);
  /** The last id looked up and its hash: `add` after a failed `find` does not hash again. */
  private lastId: string | undefined;
  private lastHash = 0;

  get size(): number {
    return this.ids.size;
  }

  /** The index of `id`, or -1 when it was never added. */
  find(id: string): number {
    const hash = this.hashOf(id);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return -1;
      if (this.hashes[entry - 1] === hash && this.ids.get(entry - 1) === id) return entry - 1;
    }
  }

  /** Adds an id that `find` does not know; returns its index (0, 1, 2, … in the order added). */
  add(id: string): number {
    const index = this.ids.add(id);
    const hash = this.hashOf(id);
    if (index >= this.hashes.length) {
      const grown = new Int32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[index] = hash;
    if ((index + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(index, hash);
    return index;
  }

  idAt(index: number): string {
    return this.ids.get(index);
  }

  private place(index: number, hash: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = index + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let i = 0; i < this.ids.size; i++) this.place(i, this.hashes[i]!);
  }

  /** FNV-1a over the UTF-16 code units, then a final mix (ids often differ only at the end). */
  private hashOf(id: string): number {
    if (id === this.lastId) return this.lastHash;
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    this.lastId = id;
    this.lastHash = h;
    return h;
  }
}
