import type { DigestAlgorithm, Digests } from '../archive/hashing/algorithms.ts';
import { HashPool } from '../archive/hashing/hash-pool.ts';
import type { BagStore } from './bag-store.ts';
import { compareDigests, type PendingHash } from './path-group-check.ts';
import { hashStoredFiles } from './store-hashing.ts';
import type { VerificationReport } from './verification-report.ts';

export interface FixityOptions {
  /** Digests already computed (e.g. while unpacking), by bag-relative path: those files are not read again. */
  knownDigests?: (path: string) => Digests | undefined;
  hashPool?: HashPool;
}

/** Files hashed per pass over the store: bounds the requests held (an archive store streams once per pass). */
const FILES_PER_PASS = 50_000;

/** Hash the files whose digests were not known during the merge, and compare with what they must be. */
export async function checkPendingFixity(
  store: BagStore,
  pending: AsyncIterable<PendingHash>,
  options: FixityOptions,
  report: VerificationReport,
): Promise<void> {
  let pool: HashPool | undefined;
  let batch: PendingHash[] = [];
  const pass = async () => {
    if (batch.length === 0) return;
    const expected = new Map<string, [DigestAlgorithm, string][]>(batch.map((p) => [p.path, p.expected]));
    pool ??= options.hashPool ?? new HashPool();
    for await (const outcome of hashStoredFiles(store, batch, pool)) {
      if ('error' in outcome) report.failFile(outcome.path, 'unreadable', outcome.error);
      else compareDigests(outcome.path, expected.get(outcome.path) ?? [], outcome.digests, report);
    }
    batch = [];
  };
  try {
    for await (const file of pending) {
      batch.push(file);
      if (batch.length === FILES_PER_PASS) await pass();
    }
    await pass();
  } finally {
    if (pool && !options.hashPool) await pool.close();
  }
}
