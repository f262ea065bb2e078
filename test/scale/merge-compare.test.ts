/**
 * Verification merges sorted runs (of the listing, every manifest line and every fetch.txt line)
 * instead of holding maps of the whole bag. These pin that it finds exactly what the in-memory engine
 * found, in the same words and order: the expected texts below are what verification reported for
 * the same bag before the merge replaced the maps.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Verification } from '../../lambdas/bagit/bag.ts';
import { messyBag } from '../fixtures/messy-bag.ts';
import { BagVerifier } from '../fixtures/verify-both-ways.ts';

const verifier = new BagVerifier();
afterAll(() => verifier.close());

const FAILURES = [
  'manifest-md5.txt line 45 is not "CHECKSUM FILEPATH": "nonsense"',
  'manifest-sha256.txt lists data/f-011.txt more than once',
  'fetch.txt lists data/remote-1.bin more than once',
  'fetch.txt lists data/remote-2.bin, which is not in manifest-md5.txt',
  'Unable to verify 11 files in the bag: bag-info.txt (checksum), data/extra-1.txt (not in any manifest), data/f-001.txt (size), data/f-003.txt (checksum), data/f-005.txt (missing), data/f-009.txt (not in manifest-md5.txt), data/f-017.txt (checksum), data/f-021.txt (missing), data/zz/extra-2.txt (not in any manifest), manifest-md5.txt (checksum), manifest-sha256.txt (checksum)',
];

const WARNINGS = [
  'manifest-md5.txt lists data/café.txt, stored under a name that differs only in Unicode normalisation',
  'manifest-sha256.txt lists data/café.txt, stored under a name that differs only in Unicode normalisation',
  'data/README.txt and data/Readme.txt differ only in letter case',
  'data/.DS_Store looks like an operating-system junk file',
  '2 files are listed in fetch.txt but not in the bag (a holey bag): data/remote-2.bin, data/remote-1.bin',
];

function report(verification: Verification) {
  const { valid, failures, fileFailures, warnings } = verification;
  return { valid, failures, fileFailures, warnings };
}

describe('the merge-compare', () => {
  it('finds missing, extra and changed files, and every other file problem, exactly as before (directory and tar.gz)', async () => {
    const results = await verifier.verify(messyBag());
    for (const [path, verification] of Object.entries(results)) {
      expect(verification.failures, path).toEqual(FAILURES);
      expect(verification.warnings, path).toEqual(WARNINGS);
    }
  });

  it('reports the same when its sorted runs go to disk, a few records each', async () => {
    const inMemory = await verifier.verify(messyBag());
    const onDisk = await verifier.verify(messyBag(), 'bag/', 300);
    for (const path of ['directory', 'threadedDirectory', 'archive'] as const)
      expect(report(onDisk[path]), path).toEqual(report(inMemory[path]));
    expect(onDisk.archive.failures).toEqual(FAILURES);
  });
});
