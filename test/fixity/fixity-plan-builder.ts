/**
 * A fixity run's plan and what it reads, for tests that mock S3 and DynamoDB (aws-sdk-client-mock)
 * around the chunk check: run-1 of digitised/b1 v1, one chunk, in the work area of bucket `unpack`.
 */
import type { FixityFile, FixityPlan } from '../../lambdas/fixity/fixity-plan.ts';
import type { StorageLocation } from '../../lambdas/storage/locations.ts';

/** A location named `name` in bucket `{name}-bucket`: STANDARD, without Object Lock unless overridden. */
export function planLocation(name: string, overrides: Partial<StorageLocation> = {}): StorageLocation {
  return { name, bucket: `${name}-bucket`, storageClass: 'STANDARD', objectLock: false, ...overrides };
}

export function fixityPlan(overrides: Partial<FixityPlan> = {}): FixityPlan {
  return {
    runId: 'run-1',
    space: 'digitised',
    externalIdentifier: 'b1',
    version: 'v1',
    algorithm: 'sha256',
    locations: [planLocation('primary'), planLocation('replica')],
    chunkCount: 1,
    chunkList: { bucket: 'unpack', key: '.work/fixity-run-1/chunks/index.json', chunkCount: 1 },
    files: 1,
    bytes: 1,
    ...overrides,
  };
}

/** The stored-file record (`FILE#{key}`) of a planned file, as Register writes it. */
export function storedFileItem(
  file: FixityFile,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: file.key,
    space: 'digitised',
    externalIdentifier: 'b1',
    version: 'v1',
    path: file.name,
    size: file.size,
    checksums: { sha256: file.checksum },
    ...overrides,
  };
}
