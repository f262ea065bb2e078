import type { Readable } from 'node:stream';
import { ArchiveRefusedError } from '../archive/archive-refused-error.ts';
import type { Digests } from '../archive/hashing/algorithms.ts';
import { HashPool } from '../archive/hashing/hash-pool.ts';
import type { Inflation } from '../archive/inflation.ts';
import { MemorySink } from '../archive/memory-sink.ts';
import { unpackArchive, type UnpackLimits } from '../archive/unpack.ts';
import { ArchiveBagStore } from './archive-store.ts';
import type { Verification } from './bag.ts';
import { findBagRoot } from './bag-root.ts';
import type { StoredFile } from './bag-store.ts';
import { isBagReadingFile, manifestAwareDigests } from './digest-plan.ts';
import { failedVerification } from './failed-verification.ts';
import { scopeStore } from './scoped-store.ts';

export interface VerifyArchiveOptions {
  /** How refusal reasons name the archive. */
  archiveName?: string;
  limits?: UnpackLimits;
  hashPool?: HashPool;
  /**
   * The archive already being inflated (e.g. started while the caller's code loaded): read in place
   * of `openArchive()` for the streaming pass, and owned by this call from then on.
   */
  inflation?: Inflation;
  /** See VerifyOptions.runChars. */
  runChars?: number;
}

/**
 * Verify a bag in a tar.gz in one streaming pass: every file is hashed as it goes by and only the
 * tag files needed to read the bag are kept. `openArchive` may be called again, but only when a
 * digest could not be computed on the way (a manifest for a new algorithm after its payload).
 * An unsafe archive is refused exactly as the ingest would refuse it, but names the ingest refuses
 * only because they cannot become S3 keys (CR, LF) are accepted: this answers "is this a bag?", and
 * the ingest's own unpack and policy say "may we store it?".
 */
export async function verifyArchive(
  openArchive: () => Readable,
  options: VerifyArchiveOptions = {},
): Promise<Verification> {
  const pool = options.hashPool ?? new HashPool();
  // Verification's own modules load while the archive streams (this thread mostly waits for gunzip
  // then), not before it starts.
  const verification = import('./verify-bag.ts');
  verification.catch(() => {});
  try {
    const files: StoredFile[] = [];
    const digests = new Map<string, Digests>();
    const sink = new MemorySink(isBagReadingFile);
    try {
      await unpackArchive(options.inflation ?? openArchive(), sink, {
        archiveName: options.archiveName,
        limits: options.limits,
        entryNames: 'readable',
        digests: manifestAwareDigests(),
        hashPool: pool,
        onFile: (file) => {
          files.push({ path: file.path, size: file.size });
          digests.set(file.path, file.digests);
        },
      });
    } catch (error) {
      if (error instanceof ArchiveRefusedError) return failedVerification(error.reason);
      throw error;
    }
    const root = findBagRoot(files.map((file) => file.path));
    if (!root.ok) return failedVerification(root.problem);
    const store = new ArchiveBagStore(files, sink.kept, openArchive, options.limits);
    const { verifyBag } = await verification;
    return await verifyBag(scopeStore(store, root.prefix), {
      hashPool: pool,
      runChars: options.runChars,
      knownDigests: (path) => digests.get(root.prefix + path),
    });
  } finally {
    if (!options.hashPool) await pool.close();
  }
}
