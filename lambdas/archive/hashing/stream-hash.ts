import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
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

export async function hashFileInline(path: string, algorithms: readonly DigestAlgorithm[]): Promise<Digests> {
  const stream = new InlineStream(algorithms);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
    stream.update(chunk as Buffer);
  return stream.digest();
}
