import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { DigestAlgorithm, Digests } from './algorithms.ts';

/** One byte stream being hashed with one or more algorithms. */
export interface StreamHash {
  /**
   * Feed the next bytes. Returns a promise when all buffers are busy: the caller should wait for it
   * before feeding more (backpressure), though further calls are still hashed in order. The chunk
   * must not be modified until that promise resolves.
   */
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** No more bytes: resolves with one hex digest per algorithm. */
  digest(): Promise<Digests>;
}

/** Hashing on the calling thread: for tiny inputs, pools without threads, and tests. */
export class InlineStream implements StreamHash {
  private readonly hashes: [DigestAlgorithm, Hash][];

  constructor(algorithms: readonly DigestAlgorithm[]) {
    this.hashes = [...new Set(algorithms)].map((algorithm) => [algorithm, createHash(algorithm)]);
  }

  update(chunk: Uint8Array): undefined {
    for (const [, hash] of this.hashes) hash.update(chunk);
    return undefined;
  }

  async digest(): Promise<Digests> {
    return Object.fromEntries(this.hashes.map(([algorithm, hash]) => [algorithm, hash.digest('hex')]));
  }
}

// One buffer for every file hashed on the calling thread: these reads never overlap.
let readBuffer: Buffer | undefined;

/**
 * Hash a file on the calling thread with blocking reads: for a small file this costs a fraction of
 * a stream's setup, and the caller has nothing else to do meanwhile.
 */
export async function hashFileInline(path: string, algorithms: readonly DigestAlgorithm[]): Promise<Digests> {
  const stream = new InlineStream(algorithms);
  readBuffer ??= Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let read = readSync(fd, readBuffer); read > 0; read = readSync(fd, readBuffer)) {
      stream.update(readBuffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return stream.digest();
}
