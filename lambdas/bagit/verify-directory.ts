import { HashPool } from '../archive/hashing/hash-pool.ts';
import type { Verification } from './bag.ts';
import { findBagRoot } from './bag-root.ts';
import { DirectoryBagStore } from './directory-store.ts';
import { failedVerification } from './failed-verification.ts';
import { scopeStore } from './scoped-store.ts';
import { verifyBag, type VerifyOptions } from './verify-bag.ts';

/** Verify a bag directory, or a directory holding exactly one bag directory. */
export async function verifyDirectory(directory: string, options: VerifyOptions = {}): Promise<Verification> {
  // Started first so that the hashing threads boot while the directory is walked.
  const pool = options.hashPool ?? new HashPool();
  try {
    const store = new DirectoryBagStore(directory);
    const paths: string[] = [];
    for await (const file of store.listFiles()) paths.push(file.path);
    const root = findBagRoot(paths);
    if (!root.ok) return failedVerification(root.problem);
    return await verifyBag(scopeStore(store, root.prefix), { ...options, hashPool: pool });
  } finally {
    if (!options.hashPool) await pool.close();
  }
}
