import { join } from 'node:path';
import {
  isDigestAlgorithm,
  RELATIVE_COST,
  type DigestAlgorithm,
  type Digests,
} from '../archive/hashing/algorithms.ts';
import { HashPool } from '../archive/hashing/hash-pool.ts';
import { hashFileInline } from '../archive/hashing/stream-hash.ts';
import type { Verification } from './bag.ts';
import { findBagRoot } from './bag-root.ts';
import type { StoredFile } from './bag-store.ts';
import { DirectoryBagStore } from './directory-store.ts';
import { walkDirectory } from './directory-walk.ts';
import { failedVerification } from './failed-verification.ts';
import { scopeStore } from './scoped-store.ts';
import { verifyBag, type VerifyOptions } from './verify-bag.ts';

export interface VerifyDirectoryOptions extends VerifyOptions {
  /**
   * Payload size (in sha256-equivalent bytes: size × the algorithms' relative cost) from which the
   * hashing threads are used. Tests lower it to reach them.
   */
  threadedBytes?: number;
}

// Below this much work (about 40 ms of sha256 on one core), hashing on the calling thread is done
// about as soon as threads would have booted and shared it out.
const THREADED_BYTES = 64 << 20;

/**
 * Verify a bag directory, or a directory holding exactly one bag directory.
 *
 * Payload files are hashed while the directory is still being walked: the walk is breadth first, so
 * the manifest names (hence the algorithms) are known before the first payload file, and the
 * hashing threads start as soon as the payload is big enough to be worth them. Verification then
 * finds every payload digest already known and reads only the tag files.
 */
export async function verifyDirectory(
  directory: string,
  options: VerifyDirectoryOptions = {},
): Promise<Verification> {
  const pool = options.hashPool ?? new HashPool();
  try {
    const prehash = new PayloadPrehash(directory, pool, options.threadedBytes ?? THREADED_BYTES);
    const listing: StoredFile[] = [];
    await walkDirectory(
      directory,
      (file) => {
        listing.push(file);
        prehash.see(file);
      },
      () => prehash.afterDirectory(),
    );
    const root = findBagRoot(listing.map((file) => file.path));
    if (!root.ok) return failedVerification(root.problem);
    const digests = await prehash.finish();
    const store = new DirectoryBagStore(directory, listing);
    return await verifyBag(scopeStore(store, root.prefix), {
      ...options,
      hashPool: pool,
      knownDigests: (path) => options.knownDigests?.(path) ?? digests.get(root.prefix + path),
    });
  } finally {
    if (!options.hashPool) await pool.close();
  }
}

/**
 * Hashes payload files (`data/…` at the top or one directory down) with the algorithms of the
 * payload manifests seen so far. A file it could not hash is simply not known: verification then
 * reads it itself and reports why it could not.
 */
class PayloadPrehash {
  private readonly directory: string;
  private readonly pool: HashPool;
  private readonly algorithms = new Set<DigestAlgorithm>();
  private readonly waiting: StoredFile[] = [];
  private readonly digests = new Map<string, Digests>();
  private readonly pending: Promise<void>[] = [];
  private readonly threadedBytes: number;
  private waitingBytes = 0;
  private threaded = false;

  constructor(directory: string, pool: HashPool, threadedBytes: number) {
    this.directory = directory;
    this.pool = pool;
    this.threadedBytes = threadedBytes;
  }

  see(file: StoredFile): void {
    if (file.notRegular) return;
    const segments = file.path.split('/');
    if (segments[0] === 'data' || segments[1] === 'data') {
      this.waiting.push(file);
      this.waitingBytes += file.size;
      return;
    }
    const manifest = segments.length <= 2 ? /^manifest-(\w+)\.txt$/.exec(segments.at(-1) as string) : null;
    if (manifest && isDigestAlgorithm(manifest[1])) this.algorithms.add(manifest[1]);
  }

  async afterDirectory(): Promise<void> {
    const cost = [...this.algorithms].reduce((sum, algorithm) => sum + RELATIVE_COST[algorithm], 0);
    if (!this.threaded && this.pool.threads > 0 && this.waitingBytes * cost >= this.threadedBytes) {
      this.threaded = true;
      this.pool.start();
    }
    if (!this.threaded) return;
    this.dispatch();
    // Let the pool hand the files to its threads before the walk goes on.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async finish(): Promise<Map<string, Digests>> {
    if (this.threaded) this.dispatch();
    else await this.hashHere();
    await Promise.all(this.pending);
    return this.digests;
  }

  private dispatch(): void {
    const algorithms = [...this.algorithms];
    if (algorithms.length === 0) return;
    for (const file of this.waiting.splice(0)) {
      this.pending.push(
        this.pool.hashFile(join(this.directory, file.path), algorithms, file.size).then(
          (digests) => void this.digests.set(file.path, digests),
          () => {},
        ),
      );
    }
  }

  private async hashHere(): Promise<void> {
    const algorithms = [...this.algorithms];
    if (algorithms.length === 0) return;
    for (const file of this.waiting.splice(0)) {
      try {
        this.digests.set(file.path, await hashFileInline(join(this.directory, file.path), algorithms));
      } catch {
        // verification reads it again and names the problem
      }
    }
  }
}
