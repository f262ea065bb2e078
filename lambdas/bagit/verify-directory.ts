import { closeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { RELATIVE_COST, type DigestAlgorithm, type Digests } from '../archive/hashing/algorithms.ts';
import { HashPool } from '../archive/hashing/hash-pool.ts';
import { hashFileInline } from '../archive/hashing/stream-hash.ts';
import type { Verification } from './bag.ts';
import { parseBagInfo, parsePayloadOxum } from './bag-info.ts';
import { findBagRoot } from './bag-root.ts';
import type { StoredFile } from './bag-store.ts';
import { isPayloadFileName, payloadManifestAlgorithm } from './digest-plan.ts';
import { DirectoryBagStore, openRegularFile } from './directory-store.ts';
import { walkDirectory } from './directory-walk.ts';
import { failedVerification } from './failed-verification.ts';
import { scopeStore } from './scoped-store.ts';
import type { VerifyOptions } from './verify-bag.ts';

export interface VerifyDirectoryOptions extends VerifyOptions {
  /**
   * Payload size (in sha256-equivalent bytes: size × the algorithms' relative cost) from which the
   * hashing threads are used. Tests lower it to reach them.
   */
  threadedBytes?: number;
}

// Payload work (bytes × algorithm cost) from which the hashing threads are booted: below it (about
// 40 ms of sha256) this thread is done about as soon as booted threads would be (measured on 4,000
// files of 8 KiB: the threads cost 0.1 s of CPU and saved no time).
const THREADED_BYTES = 64 << 20;
// Work the calling thread hashes between two looks at whether the threads are up.
const INLINE_SLICE = 4 << 20;
// Work the threads are kept ahead by, each: enough that none runs dry while this thread hashes a file.
const QUEUED_WORK_PER_THREAD = 16 << 20;
// Files bigger than this go to the threads once they are booting: this thread would hold on to one
// for too long.
const MAIN_THREAD_FILE_WORK = 16 << 20;
// Payload files up to which verification runs while they are hashed (see verifyDirectory).
const CONCURRENT_VERIFY_FILES = 1000;
// Opening, reading and closing a file costs about as much as hashing this many bytes.
const FILE_OVERHEAD = 16 << 10;

/**
 * Verify a bag directory, or a directory holding exactly one bag directory.
 *
 * Payload files are hashed from the first one on: the walk is breadth first, so the manifest names
 * (hence the algorithms) are known before the first payload file. The hashing threads boot while
 * the directory is walked once the payload is big enough to be worth them, and this thread hashes
 * until they are up. Verification then finds every payload digest already known and reads only
 * the tag files.
 */
export async function verifyDirectory(
  directory: string,
  options: VerifyDirectoryOptions = {},
): Promise<Verification> {
  const pool = options.hashPool ?? new HashPool();
  // Verification's own modules load while the directory is walked and hashed (the threads boot and
  // this thread hashes meanwhile), not before.
  const verification = import('./verify-bag.ts');
  verification.catch(() => {});
  try {
    const prehash = new PayloadPrehash(directory, pool, options.threadedBytes ?? THREADED_BYTES);
    prehash.expect(declaredPayloadBytes(directory));
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
    // With threads hashing, verification runs meanwhile: it takes each file's digests once they are
    // known, so only hashing is left when the last file is done. Not for many files (each one not
    // hashed yet when listed is checked apart, later), nor when this thread hashes them all anyway.
    const hashing = prehash.finish();
    hashing.catch(() => {});
    if (pool.threadsStarted === 0 || prehash.files > CONCURRENT_VERIFY_FILES) await hashing;
    const store = new DirectoryBagStore(directory, listing, (path) => prehash.digestsOf(path));
    const { verifyBag } = await verification;
    const verified = await verifyBag(scopeStore(store, root.prefix), {
      ...options,
      hashPool: pool,
      knownDigests: (path) => options.knownDigests?.(path) ?? prehash.known(root.prefix + path),
    });
    await hashing;
    return verified;
  } finally {
    if (!options.hashPool) await pool.close();
  }
}

/**
 * Hashes payload files (`data/…` at the top or one directory down) with the algorithms of the
 * payload manifests met before them. A file it could not hash is simply not known: verification
 * then reads it itself and reports why it could not.
 */
class PayloadPrehash {
  private readonly directory: string;
  private readonly pool: HashPool;
  private algorithms: DigestAlgorithm[] = [];
  private cost = 0;
  private readonly waiting: StoredFile[] = [];
  private next = 0;
  private readonly digests = new Map<string, Digests>();
  /** Payload files to be hashed and not yet done, and who waits for their digests. */
  private readonly unsettled = new Map<string, ((digests: Digests | undefined) => void)[]>();
  private readonly pending: Promise<void>[] = [];
  private readonly threadedBytes: number;
  private seenWork = 0;
  /** Work handed to the threads and not hashed yet. */
  private queuedWork = 0;

  constructor(directory: string, pool: HashPool, threadedBytes: number) {
    this.directory = directory;
    this.pool = pool;
    this.threadedBytes = threadedBytes;
  }

  see(file: StoredFile): void {
    if (file.notRegular) return;
    if (isPayloadFileName(file.path)) {
      if (this.cost === 0) return;
      this.waiting.push(file);
      this.unsettled.set(file.path, []);
      this.seenWork += file.size * this.cost;
      return;
    }
    // Only manifests met before any payload file count, so that every file gets the same algorithms.
    const algorithm = payloadManifestAlgorithm(file.path);
    if (algorithm && this.waiting.length === 0) {
      if (!this.algorithms.includes(algorithm)) this.algorithms.push(algorithm);
      this.cost = this.algorithms.reduce((sum, algorithm) => sum + RELATIVE_COST[algorithm], 0);
    }
  }

  /** Payload files to hash. */
  get files(): number {
    return this.waiting.length;
  }

  /** The digests of a payload file hashed already. */
  known(path: string): Digests | undefined {
    return this.digests.get(path);
  }

  /**
   * The digests of a payload file, once it is hashed; undefined when it is not hashed here (or could
   * not be: the caller then reads it and names the problem).
   */
  digestsOf(path: string): Promise<Digests | undefined> | undefined {
    const digests = this.digests.get(path);
    if (digests) return Promise.resolve(digests);
    const waiters = this.unsettled.get(path);
    if (!waiters) return undefined;
    return new Promise((resolve) => waiters.push(resolve));
  }

  private settle(path: string, digests: Digests | undefined): void {
    if (digests) this.digests.set(path, digests);
    const waiters = this.unsettled.get(path);
    this.unsettled.delete(path);
    for (const resolve of waiters ?? []) resolve(digests);
  }

  /**
   * The payload size the bag declares (Payload-Oxum), before the walk: a big bag's threads then boot
   * while this thread walks and hashes instead of from the first payload directory on. Only a hint
   * for when to boot them: a bag that claims more than it has costs one early thread, nothing else.
   */
  expect(bytes: number | undefined): void {
    if (bytes !== undefined && bytes >= this.threadedBytes) this.startThreads();
  }

  /** Boots the threads once the payload is big enough, and hands them what is waiting once up. */
  async afterDirectory(): Promise<void> {
    this.startThreadsIfWorthIt();
    if (this.pool.threadsReady) {
      this.dispatch();
      // Let the pool hand the files to its threads before the walk goes on.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Every file hashed, by the threads and by this thread side by side (it would otherwise only wait
   * for them: on a busy machine a third hasher gets its own share of the cores, on a quiet one it
   * costs nothing). The threads are handed a little work ahead from the moment they boot, so that
   * they start on it the moment they are up; this thread takes the next file whenever they have
   * enough, but leaves big files to them, so that it is never deep in one while they run dry.
   */
  async finish(): Promise<void> {
    this.startThreadsIfWorthIt();
    let sinceLook = 0;
    let left = 0;
    for (let index = this.next; index < this.waiting.length; index++)
      left += this.workOf(this.waiting[index]);
    while (this.next < this.waiting.length) {
      const file = this.waiting[this.next] as StoredFile;
      const work = this.workOf(file);
      left -= work;
      const threads = this.pool.threadsStarted;
      // Near the end a file goes to the threads only if they would still finish no later than this
      // thread does with what is left: the last files are hashed here rather than waited for.
      if (
        threads > 0 &&
        (work > MAIN_THREAD_FILE_WORK ||
          (this.queuedWork < threads * QUEUED_WORK_PER_THREAD && this.queuedWork + work <= threads * left))
      ) {
        this.next++;
        this.send(file, work);
        continue;
      }
      this.next++;
      let digests: Digests | undefined;
      try {
        digests = await hashFileInline(join(this.directory, file.path), this.algorithms);
      } catch {
        // verification reads it again and names the problem
      }
      this.settle(file.path, digests);
      sinceLook += work;
      // Only worth a look when the threads are booting or busy; the look lets their messages in.
      if (threads > 0 && sinceLook >= INLINE_SLICE) {
        sinceLook = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await Promise.all(this.pending);
    // Nothing stays unsettled (every waiting file was hashed or failed): no waiter hangs.
    for (const path of [...this.unsettled.keys()]) this.settle(path, undefined);
  }

  private startThreadsIfWorthIt(): void {
    if (this.seenWork >= this.threadedBytes) this.startThreads();
  }

  // This thread hashes too (see finish): one thread fewer than the pool would have saves booting it.
  private startThreads(): void {
    if (this.pool.threads > 0) this.pool.start(Math.max(1, this.pool.threads - 1));
  }

  private dispatch(): void {
    for (; this.next < this.waiting.length; this.next++) {
      const file = this.waiting[this.next] as StoredFile;
      this.send(file, this.workOf(file));
    }
  }

  private workOf(file: StoredFile): number {
    return file.size * this.cost + FILE_OVERHEAD;
  }

  private send(file: StoredFile, work: number): void {
    this.queuedWork += work;
    this.pending.push(
      this.pool
        .hashFile(join(this.directory, file.path), this.algorithms, file.size)
        .then(
          (digests) => this.settle(file.path, digests),
          () => this.settle(file.path, undefined),
        )
        .finally(() => (this.queuedWork -= work)),
    );
  }
}

// Enough of bag-info.txt to find Payload-Oxum in any bag-info a person writes.
const BAG_INFO_HINT_BYTES = 64 << 10;

/** Payload-Oxum's octet count from `directory/bag-info.txt`, if it says one (a hint, never checked here). */
function declaredPayloadBytes(directory: string): number | undefined {
  let text: string;
  try {
    // A hint is not worth a hang: no link followed, no FIFO waited on.
    const opened = openRegularFile(join(directory, 'bag-info.txt'));
    if (!opened) return undefined;
    const { fd } = opened;
    try {
      const bytes = Buffer.allocUnsafe(BAG_INFO_HINT_BYTES);
      text = bytes.toString('latin1', 0, readSync(fd, bytes, 0, bytes.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  return parsePayloadOxum(parseBagInfo(text, 'bag-info.txt').fields, 'bag-info.txt').oxum?.bytes;
}
