import type { Verification } from './bag.ts';
import type { BagStore } from './bag-store.ts';
import { warnAbout } from './bag-warnings.ts';
import { checkCompleteness } from './completeness.ts';
import { checkFixity, type FixityOptions } from './fixity.ts';
import { checkFetchEntries, checkPayloadOxum } from './payload-checks.ts';
import { readBag } from './read-bag.ts';
import { VerificationReport } from './verification-report.ts';

export type VerifyOptions = FixityOptions;

/**
 * Validate a bag per RFC 8493 (and BagIt 0.93–0.97) wherever it is stored. Every problem is
 * collected; nothing stops at the first. Policy (what an ingest additionally demands) is not here:
 * see ingest-policy.ts.
 */
export async function verifyBag(store: BagStore, options: VerifyOptions = {}): Promise<Verification> {
  const report = new VerificationReport();
  const files = new Map<string, number>();
  for await (const file of store.listFiles()) {
    if (file.notRegular) report.failFile(file.path, file.notRegular);
    else files.set(file.path, file.size);
  }
  const bag = await readBag(store, files, report);
  if (!bag) return report.finish(undefined, []);
  if (bag.manifests.length === 0) report.fail('The bag has no payload manifest (manifest-ALGORITHM.txt)');
  const { expected, unfetched } = checkCompleteness(bag, report);
  checkFetchEntries(bag, report);
  checkPayloadOxum(bag, unfetched, report);
  await checkFixity(store, files, expected, options, report);
  warnAbout(bag, unfetched, report);
  return report.finish(bag, unfetched);
}
