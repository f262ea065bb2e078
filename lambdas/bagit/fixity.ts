import type { DigestAlgorithm, Digests } from '../archive/hashing/algorithms.ts';
import { HashPool } from '../archive/hashing/hash-pool.ts';
import type { BagStore, HashRequest } from './bag-store.ts';
import type { ExpectedDigests } from './completeness.ts';
import { hashStoredFiles } from './store-hashing.ts';
import type { VerificationReport } from './verification-report.ts';

export interface FixityOptions {
  /** Digests already computed (e.g. while unpacking), by bag-relative path: those files are not read again. */
  knownDigests?: (path: string) => Digests | undefined;
  hashPool?: HashPool;
}

/** Compare every expected checksum with the file's actual digest, reading only what is not yet known. */
export async function checkFixity(
  store: BagStore,
  files: Map<string, number>,
  expected: Map<string, ExpectedDigests>,
  options: FixityOptions,
  report: VerificationReport,
): Promise<void> {
  const requests: HashRequest[] = [];
  for (const [path, digests] of expected) {
    const known = options.knownDigests?.(path) ?? {};
    const unknown: DigestAlgorithm[] = [];
    for (const algorithm of digests.keys()) if (known[algorithm] === undefined) unknown.push(algorithm);
    compare(path, digests, known, report);
    if (unknown.length > 0) requests.push({ path, size: files.get(path) ?? 0, algorithms: unknown });
  }
  if (requests.length === 0) return;
  const pool = options.hashPool ?? new HashPool();
  try {
    for await (const outcome of hashStoredFiles(store, requests, pool)) {
      if ('error' in outcome) report.failFile(outcome.path, 'unreadable', outcome.error);
      else compare(outcome.path, expected.get(outcome.path) as ExpectedDigests, outcome.digests, report);
    }
  } finally {
    if (!options.hashPool) await pool.close();
  }
}

function compare(path: string, expected: ExpectedDigests, actual: Digests, report: VerificationReport): void {
  for (const [algorithm, digest] of expected) {
    const found = actual[algorithm];
    if (found !== undefined && found !== digest) {
      report.failFile(path, 'checksum', `${algorithm} expected ${digest}, found ${found}`);
    }
  }
}
