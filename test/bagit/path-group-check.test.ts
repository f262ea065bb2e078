import { describe, expect, it } from 'vitest';
import type { Digests } from '../../lambdas/archive/hashing/algorithms.ts';
import type { BagRecord } from '../../lambdas/bagit/bag-records.ts';
import type { Manifest } from '../../lambdas/bagit/manifest.ts';
import { checkAnyGroup, checkSimpleGroup, type GroupContext } from '../../lambdas/bagit/path-group-check.ts';
import { VerificationReport } from '../../lambdas/bagit/verification-report.ts';

const sha256 = 'a'.repeat(64);
const other = 'b'.repeat(64);
const md5 = 'c'.repeat(32);
const manifests: (Manifest | undefined)[] = [
  { file: 'manifest-sha256.txt', kind: 'payload', algorithm: 'sha256' },
  { file: 'manifest-md5.txt', kind: 'payload', algorithm: 'md5' },
  { file: 'tagmanifest-sha256.txt', kind: 'tag', algorithm: 'sha256' },
];

const file = (path: string, digests: Digests | null = null): BagRecord => ['f', path, path, 10, 3, digests];
const line = (path: string, manifest: number, checksum: string, number = 1): BagRecord => [
  'm',
  path,
  path,
  manifest,
  checksum,
  number,
];

/** Groups of the common shape, with each rule the shortcut applies broken in turn. */
const groups: [string, BagRecord[]][] = [
  [
    'listed everywhere, digests known and right',
    [file('data/a', { sha256, md5 }), line('data/a', 0, sha256), line('data/a', 1, md5)],
  ],
  [
    'a checksum that does not match',
    [file('data/a', { sha256: other, md5 }), line('data/a', 0, sha256), line('data/a', 1, md5)],
  ],
  ['digests not known yet', [file('data/a'), line('data/a', 0, sha256), line('data/a', 1, md5)]],
  ['missing from one payload manifest', [file('data/a', { sha256 }), line('data/a', 0, sha256)]],
  ['in no manifest', [file('data/a', { sha256 })]],
  ['a tag file in the tag manifest', [file('bag-info.txt', { sha256 }), line('bag-info.txt', 2, sha256)]],
  ['a tag file in no manifest', [file('bagit.txt')]],
  [
    'a junk file',
    [
      file('data/.DS_Store', { sha256, md5 }),
      line('data/.DS_Store', 0, sha256),
      line('data/.DS_Store', 1, other.slice(0, 32)),
    ],
  ],
];

function run(check: typeof checkAnyGroup, records: BagRecord[], everyManifest: boolean) {
  const report = new VerificationReport();
  const context: GroupContext = {
    manifests,
    fetchRead: false,
    duplicatesAllowed: !everyManifest,
    everyManifest,
    listed: 5,
    report,
  };
  const result = check(records, context);
  const verification = report.finish(undefined, 0, async () => {});
  return { result, failures: verification.failures, warnings: verification.warnings };
}

describe('the shortcut for the common group', () => {
  it('leaves duplicates, fetch.txt entries and other spellings to the general case', () => {
    const context = {
      manifests,
      fetchRead: true,
      duplicatesAllowed: false,
      everyManifest: true,
      listed: 5,
      report: new VerificationReport(),
    };
    expect(
      checkSimpleGroup([file('data/a'), line('data/a', 0, sha256), line('data/a', 0, sha256, 2)], context),
    ).toBeUndefined();
    expect(
      checkSimpleGroup([file('data/a'), ['u', 'data/a', 'data/a', 'https://x/a', 10, 1]], context),
    ).toBeUndefined();
    expect(
      checkSimpleGroup([file('data/é'), ['m', 'data/é', 'data/e\u0301', 0, sha256, 1]], context),
    ).toBeUndefined();
  });

  it.each(groups.flatMap(([name, records]) => [true, false].map((every) => [name, every, records] as const)))(
    'judges like the general case: %s (every manifest required: %s)',
    (_name, everyManifest, records) => {
      const shortcut = (group: readonly BagRecord[], context: GroupContext) => {
        const result = checkSimpleGroup(group, context);
        expect(result, 'the shortcut applies').toBeDefined();
        return result as ReturnType<typeof checkAnyGroup>;
      };
      expect(run(shortcut, records, everyManifest)).toEqual(run(checkAnyGroup, records, everyManifest));
    },
  );
});
