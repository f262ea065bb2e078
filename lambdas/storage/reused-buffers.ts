/** Buffer sizes kept: powers of two from 64 KiB; a request is served by the smallest that holds it. */
const SMALLEST = 64 * 1024;

/**
 * Buffers for bodies of up to a few MiB that are handed back once their request is over and then
 * reused. A fresh buffer per body costs more than filling it: V8 counts every buffer allocated from
 * JavaScript towards its next full garbage collection, so a stream of 100 KB bodies (one per file)
 * made a thread collect its whole heap every few hundred files. Whoever takes a buffer gives it
 * back only when nothing can read it any more; one never given back is freed by the collector.
 */
export class ReusedBuffers {
  private readonly idle = new Map<number, Buffer[]>();
  private idleBytes = 0;
  private readonly maxIdleBytes: number;

  /** `maxIdleBytes`: idle buffers kept at most, over all sizes; more are left to the collector. */
  constructor(maxIdleBytes: number) {
    this.maxIdleBytes = maxIdleBytes;
  }

  /** A buffer of at least `size` bytes (its content is whatever it held before). */
  take(size: number): Buffer {
    let capacity = SMALLEST;
    while (capacity < size) capacity *= 2;
    const buffer = this.idle.get(capacity)?.pop();
    if (!buffer) return Buffer.allocUnsafeSlow(capacity);
    this.idleBytes -= capacity;
    return buffer;
  }

  give(buffer: Buffer): void {
    if (this.idleBytes + buffer.length > this.maxIdleBytes) return;
    const idle = this.idle.get(buffer.length) ?? [];
    idle.push(buffer);
    this.idle.set(buffer.length, idle);
    this.idleBytes += buffer.length;
  }
}
