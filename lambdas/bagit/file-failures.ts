import type { FileFailure } from './bag.ts';

/** "Unable to verify 2 files in the bag: data/a.tif (checksum), data/b.tif (missing)" */
export function describeFileFailures(failures: readonly Pick<FileFailure, 'path' | 'reason'>[]): string {
  const count = failures.length;
  const list = failures.map((failure) => `${failure.path} (${failure.reason})`).join(', ');
  return `Unable to verify ${count} ${count === 1 ? 'file' : 'files'} in the bag: ${list}`;
}
