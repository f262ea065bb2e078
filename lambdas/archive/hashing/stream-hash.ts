import { createHash, hash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { DigestAlgorithm, Digests } from './algorithms.ts';

/** One byte stream being hashed with one or more algorithms. */
export interface StreamHash {
  /**
   * Feed the next bytes. Returns a promise when all buffers are busy: the caller should wait for it
   * before feeding more (backpressure), though further calls are still hashed in order. The chunk
   * must not be modified until digest() is called.
   */
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** No more bytes: resolves with one hex digest per algorithm. */
  digest(): Promise<Digests>;
}

/**
 * Hashing on the calling thread: for tiny inputs, pools without threads, and tests. A stream that
 * arrives in one piece (most small files) is hashed in one call, without a Hash object per algorithm.
 */
export class InlineStream implements StreamHash {
  private readonly algorithms: readonly DigestAlgorithm[];
  private hashes: [DigestAlgorithm, Hash][] | undefined;
  private first: Uint8Array | undefined;

  constructor(algorithms: readonly DigestAlgorithm[]) {
    // One algorithm (nearly always) needs no de-duplicating copy: one stream per file adds up.
    this.algorithms = algorithms.length === 1 ? algorithms : [...new Set(algorithms)];
  }

  update(chunk: Uint8Array): undefined {
    if (!this.hashes && this.first === undefined) {
      this.first = chunk;
      return undefined;
    }
    if (!this.hashes) {
      this.hashes = this.algorithms.map((algorithm) => [algorithm, createHash(algorithm)]);
      for (const [, hash] of this.hashes) hash.update(this.first as Uint8Array);
      this.first = undefined;
    }
    for (const [, hash] of this.hashes) hash.update(chunk);
    return undefined;
  }

  async digest(): Promise<Digests> {
    const digests: Digests = {};
    if (this.hashes) for (const [algorithm, hash] of this.hashes) digests[algorithm] = hash.digest('hex');
    else
      for (const algorithm of this.algorithms) digests[algorithm] = oneShot(algorithm, this.first ?? EMPTY);
    return digests;
  }
}

const EMPTY = new Uint8Array(0);

function oneShot(algorithm: DigestAlgorithm, bytes: Uint8Array): string {
  return hash(algorithm, bytes, 'hex');
}

// One buffer for every file hashed on the calling thread: these reads never overlap.
let readBuffer: Buffer | undefined;

/**
 * Hash a file on the calling thread with blocking reads: for a small file this costs a fraction of
 * a stream's setup, and the caller has nothing else to do meanwhile.
 */
export async function hashFileInline(path: string, algorithms: readonly DigestAlgorithm[]): Promise<Digests> {
  readBuffer ??= Buffer.allocUnsafe(1 << 20);
  const unique = [...new Set(algorithms)];
  let hashes: [DigestAlgorithm, Hash][] | undefined;
  let held = 0;
  const fd = openSync(path, 'r');
  try {
    // Bytes stay in the buffer until it is full or the file ends: a small file (most of a bag of
    // many) is then hashed in one call per algorithm, without a Hash object.
    for (let read = readSync(fd, readBuffer, 0, readBuffer.length, null); read > 0;) {
      held += read;
      if (held === readBuffer.length) {
        hashes ??= unique.map((algorithm): [DigestAlgorithm, Hash] => [algorithm, createHash(algorithm)]);
        for (const [, hash] of hashes) hash.update(readBuffer);
        held = 0;
      }
      read = readSync(fd, readBuffer, held, readBuffer.length - held, null);
    }
  } finally {
    closeSync(fd);
  }
  const rest = readBuffer.subarray(0, held);
  if (!hashes) return Object.fromEntries(unique.map((algorithm) => [algorithm, oneShot(algorithm, rest)]));
  return Object.fromEntries(hashes.map(([algorithm, hash]) => [algorithm, hash.update(rest).digest('hex')]));
}
