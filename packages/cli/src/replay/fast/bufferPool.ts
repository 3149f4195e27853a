/**
 * Buffers a scanning thread reuses: the main thread hands each batch's buffers back once
 * its rows are decided, so a long replay allocates a few buffers, not one per piece
 * (memory freed on another thread stays with that thread's allocator otherwise).
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  /** A buffer of at least `size` bytes. */
  take(size: number): ArrayBuffer {
    for (let i = 0; i < this.free.length; i++) {
      const buffer = this.free[i]!;
      if (buffer.byteLength >= size && buffer.byteLength <= size * 2) {
        this.free.splice(i, 1);
        return buffer;
      }
    }
    return new ArrayBuffer(size);
  }

  give(buffer: ArrayBuffer): void {
    if (this.free.length < 16 && buffer.byteLength > 0) this.free.push(buffer);
  }
}

/** The pool of this thread. */
export const scanBuffers = new BufferPool();
