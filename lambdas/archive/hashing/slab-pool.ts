/**
 * A fixed set of equally sized SharedArrayBuffers handed out and taken back. Its size is the upper
 * bound on memory held by bytes waiting to be hashed, whatever the size of the files.
 */
export class SlabPool {
  readonly buffers: SharedArrayBuffer[];
  readonly slabBytes: number;
  private readonly views: Uint8Array[];
  private readonly free: number[];
  private waiters: (() => void)[] = [];

  constructor(slabBytes: number, count: number) {
    this.slabBytes = slabBytes;
    this.buffers = Array.from({ length: count }, () => new SharedArrayBuffer(slabBytes));
    this.views = this.buffers.map((buffer) => new Uint8Array(buffer));
    this.free = this.buffers.map((_, index) => index);
  }

  tryAcquire(): number | undefined {
    return this.free.pop();
  }

  waitForFree(): Promise<void> {
    if (this.free.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(slab: number): void {
    this.free.push(slab);
    this.wakeAll();
  }

  /** Wake every waiter, e.g. when the pool is failing and they should notice it. */
  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  view(slab: number): Uint8Array {
    return this.views[slab];
  }
}
