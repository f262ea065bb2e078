import { GetObjectAttributesCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { s3 } from '../aws-clients.ts';
import { describeFileFailures } from '../bagit/file-failures.ts';
import { isCold, type StorageLocation } from '../storage/locations.ts';
import { isMissingObject } from '../storage/s3-objects.ts';
import { storedFileKey } from '../storage/storage-layout.ts';
import { digestStream } from '../storage/stream-digest.ts';
import { pinnedVersion } from '../storage/object-versions.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import type { BagFile } from './bag-files.ts';
import { partsMatchSource } from './multipart-checksums.ts';
import { mapConcurrently } from '../map-concurrently.ts';

export type VerificationMethod = 'read-back hashing' | 'S3-stored SHA-256 checksums';

/** Reading a cold object needs a restore, so cold locations are checked with S3's own checksums. */
export function verificationMethod(location: StorageLocation): VerificationMethod {
  return isCold(location.storageClass) ? 'S3-stored SHA-256 checksums' : 'read-back hashing';
}

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/**
 * What is wrong with one stored object (one version of it, when given) compared with the bag's
 * checksums, or undefined when nothing is. Never trusts metadata: warm objects are read back, cold
 * ones checked with the checksums S3 computed from the bytes it received.
 */
export async function storedObjectProblem(
  location: StorageLocation,
  key: string,
  file: BagFile,
  source: { bucket: string; key: string },
  versionId: string | undefined,
): Promise<string | undefined> {
  const expected = file.checksums.sha256 as string;
  try {
    if (verificationMethod(location) === 'S3-stored SHA-256 checksums') {
      const attributes = await s3().send(
        new GetObjectAttributesCommand({
          Bucket: location.bucket,
          Key: key,
          VersionId: versionId,
          ObjectAttributes: ['Checksum', 'ObjectSize'],
        }),
      );
      if (attributes.ObjectSize !== file.size) return 'size';
      const stored = attributes.Checksum?.ChecksumSHA256;
      if (!stored) return 'no stored checksum';
      // Multipart copies store a checksum of part checksums ("…-N"): check the parts one by one.
      if (stored.includes('-'))
        return partsMatchSource({ bucket: location.bucket, key, versionId }, source, expected);
      return stored === hexToBase64(expected) ? undefined : 'checksum';
    }
    const { Body } = await s3().send(
      new GetObjectCommand({ Bucket: location.bucket, Key: key, VersionId: versionId }),
    );
    const actual = await digestStream(Body as Readable, 'sha256');
    if (actual.size !== file.size) return 'size';
    return actual.digest === expected ? undefined : 'checksum';
  } catch (error) {
    if (isMissingObject(error)) return 'missing';
    throw error;
  }
}

/** Read-backs in flight: each mostly waits on S3, hashing as the bytes arrive. */
const READS_IN_FLIGHT = 16;

/**
 * Checks every file this version holds in one location against the bag's checksums: the very
 * versions replication wrote (`versionOf`), which are the ones Register will hold. Files that came
 * through fetch.txt were verified when their own version was stored.
 */
export async function verifyReplicaFiles(
  location: StorageLocation,
  bag: { space: string; externalIdentifier: string; version: string },
  files: readonly BagFile[],
  /** Where the verified bytes of a file are, for objects whose stored checksums are per part. */
  sourceOf: (file: BagFile) => { bucket: string; key: string },
  /** The version replication wrote, per file; undefined without Object Lock. */
  versionOf: (file: BagFile) => string | undefined = () => undefined,
): Promise<void> {
  const failures: { path: string; reason: string }[] = [];
  await mapConcurrently(
    files.filter((file) => file.heldBy === 'this'),
    READS_IN_FLIGHT,
    async (file) => {
      const key = storedFileKey(bag.space, bag.externalIdentifier, bag.version, file.name);
      const reason = await storedObjectProblem(
        location,
        key,
        file,
        sourceOf(file),
        pinnedVersion(location, key, versionOf(file)),
      );
      if (reason) failures.push({ path: file.name, reason });
    },
  );
  if (failures.length > 0) {
    throw new RefusalError(`${describeFileFailures(failures)} in ${location.name}`);
  }
}
