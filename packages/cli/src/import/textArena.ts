/** Bytes per arena block: large enough that a month of rows takes a few dozen blocks. */
const BLOCK_BYTES = 1 << 23;

/**
 * Many short strings kept as UTF-8 in a few large buffers, outside the JavaScript heap.
 * An import keeps one log row per record until every record is read (to sort them and to
 * leave no half-written log behind); as strings, a month of rows was millions of heap
 * objects for the garbage collector to trace again and again, and most of an import's time.
 *
 * @example
 * const arena = new TextArena();
 * arena.add('a,b'); arena.add('ü');
 * arena.get(1) //=> 'ü'
 */
export class TextArena {
  private readonly blocks: Buffer[] = [];
  private used = 0;
  /** Per string: its block, offset and byte length (plain arrays of numbers: one heap object each). */
  private readonly blockOf: number[] = [];
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];

  get size(): number {
    return this.offsets.length;
  }

  /** Keeps `text`; returns its index. */
  add(text: string): number {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    const room = text.length * 3;
    let block = this.blocks[this.blocks.length - 1];
    if (block === undefined || this.used + room > block.length) {
      block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, room));
      this.blocks.push(block);
      this.used = 0;
    }
    const written = block.write(text, this.used, 'utf8');
    this.blockOf.push(this.blocks.length - 1);
    this.offsets.push(this.used);
    this.lengths.push(written);
    this.used += written;
    return this.offsets.length - 1;
  }

  get(index: number): string {
    const offset = this.offsets[index]!;
    return this.blocks[this.blockOf[index]!]!.toString('utf8', offset, offset + this.lengths[index]!);
  }
}
