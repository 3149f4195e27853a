import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeScratchDir, removeScratchDir } from '../../io/scratchDirs.js';

/*
 * The request ids of every accepted row of a run (and of the rows it refused as repeating an
 * id), checked for repeats across the whole input in bounded memory (POLICY.md D6 holds
 * wherever two rows stand, not only within the reorder window). A repeat of an accepted row
 * with the same content never gets here: it has the same instant, so the window (or the sort)
 * holds both rows together and counts the second as a duplicate.
 *
 * Ids are kept in 64 partitions by hash, in memory up to a budget and then appended to
 * temporary files; at the end each partition is read on its own and its ids compared exactly.
 * A record (40 bytes and the id): f64 ms, line · i32 ns, input, hash, hash2, idLength, pad · the id's bytes, to 8.
 */
const HEADER = 40;
const PARTITIONS = 64;
// ignoreBOM: an id may begin with U+FEFF, and must read back as it was written.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** An id that more than one row noted has, with those rows. */
export interface RepeatedId {
  readonly id: string;
  readonly rows: readonly { readonly input: number; readonly line: number; readonly ms: number; readonly ns: number }[];
}

export interface IdCheckOptions {
  /** Bytes of records kept in memory before they go to temporary files (default 8 MiB). */
  readonly memoryBytes?: number;
  /** Directory for the temporary files (default: the system's temporary directory). */
  readonly dir?: string;
}

/** Finishes the second hash of an id (murmur3's mixing), independent of the scanner's FNV-1a hash. */
function finishSecondHash(h: number): number {
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

class Partition {
  buffer = new ArrayBuffer(1 << 12);
  bytes = new Uint8Array(this.buffer);
  f64 = new Float64Array(this.buffer);
  i32 = new Int32Array(this.buffer);
  used = 0;
  path: string | undefined;

  room(length: number): void {
    if (this.used + length <= this.bytes.length) return;
    const grown = new ArrayBuffer(Math.max(this.bytes.length * 2, this.used + length));
    new Uint8Array(grown).set(this.bytes.subarray(0, this.used));
    this.buffer = grown;
    this.bytes = new Uint8Array(grown);
    this.f64 = new Float64Array(grown);
    this.i32 = new Int32Array(grown);
  }
}

export class IdCheck {
  private readonly partitions = Array.from({ length: PARTITIONS }, () => new Partition());
  private readonly memoryBytes: number;
  private readonly parentDir: string;
  private dir: string | undefined;
  private inMemory = 0;

  constructor(options: IdCheckOptions = {}) {
    this.memoryBytes = options.memoryBytes ?? 8 << 20;
    this.parentDir = options.dir ?? tmpdir();
  }

  /** Notes an accepted row's id, `bytes[start..end)`, and where the row is. */
  add(hash: number, bytes: Uint8Array, start: number, end: number, input: number, line: number, ms: number, ns: number): void {
    // Partitioned by the scanner's hash; the second hash, taken as the id is copied, tells ids
    // apart within a partition before their bytes are compared.
    const p = this.partitions[hash & (PARTITIONS - 1)]!;
    const idLength = end - start;
    const length = HEADER + ((idLength + 7) & ~7);
    p.room(length);
    const at = p.used;
    // Ids are short: a loop copies them without the view object a subarray would allocate per row.
    const target = p.bytes;
    let hash2 = 0x9747b28c ^ idLength;
    for (let k = 0, to = at + HEADER; k < idLength; k++) {
      const byte = bytes[start + k]!;
      target[to + k] = byte;
      hash2 = Math.imul(hash2 ^ byte, 0x5bd1e995);
      hash2 ^= hash2 >>> 15;
    }
    p.f64[at / 8] = ms;
    p.f64[at / 8 + 1] = line;
    const i = at / 4 + 4;
    p.i32[i] = ns;
    p.i32[i + 1] = input;
    p.i32[i + 2] = hash;
    p.i32[i + 3] = finishSecondHash(hash2);
    p.i32[i + 4] = idLength;
    p.used += length;
    this.inMemory += length;
    if (this.inMemory > this.memoryBytes) this.spill();
  }

  /** Appends every partition's records to its file and empties memory. */
  private spill(): void {
    this.dir ??= makeScratchDir(this.parentDir, 'byok-ids-');
    this.partitions.forEach((p, k) => {
      if (p.used === 0) return;
      p.path ??= join(this.dir!, `ids-${k}`);
      const fd = openSync(p.path, 'a');
      try {
        let written = 0;
        while (written < p.used) written += writeSync(fd, p.bytes, written, p.used - written);
      } finally {
        closeSync(fd);
      }
      p.used = 0;
    });
    this.inMemory = 0;
  }

  /** Every id that more than one row has (a partition at a time in memory). */
  repeats(): RepeatedId[] {
    const found: RepeatedId[] = [];
    for (const p of this.partitions) {
      let bytes: Uint8Array;
      if (p.path === undefined) bytes = p.bytes.subarray(0, p.used);
      else {
        const stored = readFileSync(p.path);
        bytes = new Uint8Array(stored.length + p.used);
        bytes.set(stored);
        bytes.set(p.bytes.subarray(0, p.used), stored.length);
      }
      if (bytes.length > 0) findRepeats(bytes, found);
    }
    return found;
  }

  close(): void {
    if (this.dir !== undefined) removeScratchDir(this.dir);
    this.dir = undefined;
  }
}

/** The repeated ids among one partition's records: an open-addressing table of record offsets. */
function findRepeats(source: Uint8Array, found: RepeatedId[]): void {
  // Typed views need an 8-aligned start: a copy when the bytes sit elsewhere in their buffer.
  const bytes = source.byteOffset % 8 === 0 ? source : source.slice();
  const f64 = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length >> 3);
  const i32 = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  let count = 0;
  for (let at = 0; at < bytes.length; at += HEADER + ((i32[at / 4 + 8]! + 7) & ~7)) count++;
  let size = 16;
  while (size < count * 2) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1);
  const groups = new Map<number, number[]>();
  for (let at = 0; at < bytes.length; at += HEADER + ((i32[at / 4 + 8]! + 7) & ~7)) {
    const hash = i32[at / 4 + 6]!;
    for (let slot = (hash ^ Math.imul(i32[at / 4 + 7]!, 0x27d4eb2d)) & mask; ; slot = (slot + 1) & mask) {
      const other = table[slot]!;
      if (other === -1) {
        table[slot] = at;
        break;
      }
      if (sameId(bytes, i32, other, at)) {
        let group = groups.get(other);
        if (group === undefined) groups.set(other, (group = [other]));
        group.push(at);
        break;
      }
    }
  }
  for (const [first, members] of groups) {
    const length = i32[first / 4 + 8]!;
    found.push({
      id: decoder.decode(bytes.subarray(first + HEADER, first + HEADER + length)),
      rows: members.map((at) => ({ input: i32[at / 4 + 5]!, line: f64[at / 8 + 1]!, ms: f64[at / 8]!, ns: i32[at / 4 + 4]! })),
    });
  }
}

function sameId(bytes: Uint8Array, i32: Int32Array, a: number, b: number): boolean {
  if (i32[a / 4 + 6] !== i32[b / 4 + 6] || i32[a / 4 + 7] !== i32[b / 4 + 7]) return false;
  const length = i32[a / 4 + 8]!;
  if (length !== i32[b / 4 + 8]) return false;
  for (let k = 0; k < length; k++) if (bytes[a + HEADER + k] !== bytes[b + HEADER + k]) return false;
  return true;
}
