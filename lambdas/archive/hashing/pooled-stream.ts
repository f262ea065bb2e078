import type { DigestAlgorithm, Digests } from './algorithms.ts';
import type { StreamHash } from './stream-hash.ts';

/** The part of the pool a stream writes through. */
export interface StreamWriter {
  write(stream: PooledStream, chunk: Uint8Array): Promise<void> | undefined;
  finish(stream: PooledStream): void;
}

/**
 * A stream hashed by the pool's threads. Its bytes travel through the pool's shared buffers; the
 * threads report one digest per algorithm when the stream ends.
 */
export class PooledStream implements StreamHash {
  readonly opened = new Set<number>();
  private readonly digests: Digests = {};
  private missing: number;
  private readonly result: Promise<Digests>;
  private settle!: { resolve: (digests: Digests) => void; reject: (error: Error) => void };
  private finished = false;
  /** The latest write still waiting for a free buffer; every later write goes after it. */
  private pending: Promise<void> | undefined;
  private readonly pool: StreamWriter;
  readonly id: number;
  readonly assignment: Map<number, DigestAlgorithm[]>;

  constructor(pool: StreamWriter, id: number, assignment: Map<number, DigestAlgorithm[]>) {
    this.pool = pool;
    this.id = id;
    this.assignment = assignment;
    this.missing = [...assignment.values()].reduce((sum, algorithms) => sum + algorithms.length, 0);
    this.result = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.result.catch(() => {}); // rejections surface through digest()
  }

  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.finished) throw new Error('update() after digest()');
    if (chunk.length === 0) return this.pending;
    // Bytes must reach the threads in order even when a caller does not wait for a free buffer
    // (stream events can keep coming after pause()), so later chunks queue behind a waiting one.
    if (this.pending) return this.waitFor(this.pending.then(() => this.pool.write(this, chunk)));
    const wait = this.pool.write(this, chunk);
    return wait ? this.waitFor(wait) : undefined;
  }

  digest(): Promise<Digests> {
    if (!this.finished) {
      this.finished = true;
      if (this.pending)
        this.pending.then(
          () => this.pool.finish(this),
          (error: Error) => this.fail(error),
        );
      else this.pool.finish(this);
    }
    return this.result;
  }

  private waitFor(write: Promise<void>): Promise<void> {
    const pending: Promise<void> = write.then(() => {
      if (this.pending === pending) this.pending = undefined;
    });
    this.pending = pending;
    return pending;
  }

  /** Returns true once every algorithm has reported. */
  receive(algorithm: DigestAlgorithm, hex: string): boolean {
    this.digests[algorithm] = hex;
    if (--this.missing > 0) return false;
    this.settle.resolve(this.digests);
    return true;
  }

  fail(error: Error): void {
    this.settle.reject(error);
  }
}
