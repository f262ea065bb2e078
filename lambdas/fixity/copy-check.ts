import { GetObjectAttributesCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { s3 } from '../aws-clients.ts';
import { isCold, type StorageLocation } from '../storage/locations.ts';
import { isMissingObject } from '../storage/s3-objects.ts';
import { digestStream } from '../storage/stream-digest.ts';
import type { FixityFile } from './fixity-plan.ts';
import { versionIdOf } from './version-ids.ts';

/** What one copy of one file is, against the manifest. */
export type CopyCheck =
  | { state: 'ok' }
  | { state: 'missing'; message: string }
  | { state: 'changed'; actual: string; message: string }
  /** `computable`: S3 Batch Operations "Compute checksum" can compute the missing full-object SHA-256. */
  | { state: 'not-checkable'; message: string; computable?: boolean };

export type CheckMethod = 'read-back hashing' | 'S3 full-object SHA-256 checksum';

const base64ToHex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

/** S3 answers these when the object (or the pinned version of it) is not there. */
const isGone = (error: unknown) => isMissingObject(error) || (error as Error).name === 'NoSuchVersion';

/** Reading a cold object needs a restore, so cold copies are checked from S3's own checksum. */
export function checkMethod(location: StorageLocation): CheckMethod {
  return isCold(location.storageClass) ? 'S3 full-object SHA-256 checksum' : 'read-back hashing';
}

const missing = (file: FixityFile, location: StorageLocation): CopyCheck => ({
  state: 'missing',
  message: `${file.name} is missing in ${location.name}`,
});

/**
 * Compares S3's stored full-object SHA-256 with the file's SHA-256, without reading (or restoring)
 * the object. A copy whose checksum S3 did not record, or recorded per part only (multipart copies),
 * cannot be checked this way: S3 Batch Operations' "Compute checksum" (or a restore) can.
 */
async function checkByStoredChecksum(
  location: StorageLocation,
  file: FixityFile,
  sha256: string | undefined,
): Promise<CopyCheck> {
  let attributes;
  try {
    attributes = await s3().send(
      new GetObjectAttributesCommand({
        Bucket: location.bucket,
        Key: file.key,
        VersionId: versionIdOf(file, location),
        ObjectAttributes: ['Checksum', 'ObjectSize'],
      }),
    );
  } catch (error) {
    if (isGone(error)) return missing(file, location);
    throw error;
  }
  if (attributes.ObjectSize !== undefined && attributes.ObjectSize !== file.size) {
    return {
      state: 'changed',
      actual: `size ${attributes.ObjectSize}`,
      message: `${file.name} in ${location.name} is ${attributes.ObjectSize} bytes, the manifest says ${file.size}`,
    };
  }
  const stored = attributes.Checksum?.ChecksumSHA256;
  const notCheckable = (why: string, computable: boolean): CopyCheck => ({
    state: 'not-checkable',
    message: `${file.name} in ${location.name} (${location.storageClass}) cannot be checked without a restore: ${why}${computable ? '; S3 Batch Operations "Compute checksum" can compute one' : ''}`,
    ...(computable ? { computable } : {}),
  });
  if (!sha256) return notCheckable('the registry holds no SHA-256 for it', false);
  if (!stored) return notCheckable('S3 recorded no SHA-256 checksum for it', true);
  if (stored.includes('-')) return notCheckable('S3 recorded only per-part SHA-256 checksums for it', true);
  const actual = base64ToHex(stored);
  if (actual === sha256) return { state: 'ok' };
  return {
    state: 'changed',
    actual,
    message: `${file.name} in ${location.name}: S3's stored SHA-256 ${actual} does not match ${sha256}`,
  };
}

async function checkByReading(
  location: StorageLocation,
  file: FixityFile,
  algorithm: string,
): Promise<CopyCheck | 'cold'> {
  let body: Readable;
  try {
    const object = await s3().send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: file.key,
        VersionId: versionIdOf(file, location),
      }),
    );
    body = object.Body as Readable;
  } catch (error) {
    if (isGone(error)) return missing(file, location);
    // A lifecycle rule may have moved a copy of a STANDARD location to a cold class.
    if ((error as Error).name === 'InvalidObjectState') return 'cold';
    throw error;
  }
  const actual = await digestStream(body, algorithm);
  if (actual.size !== file.size) {
    return {
      state: 'changed',
      actual: actual.digest,
      message: `${file.name} in ${location.name} is ${actual.size} bytes, the manifest says ${file.size}`,
    };
  }
  if (actual.digest === file.checksum) return { state: 'ok' };
  return {
    state: 'changed',
    actual: actual.digest,
    message: `${file.name} in ${location.name} has checksum ${actual.digest}, the manifest says ${file.checksum}`,
  };
}

/**
 * Checks one copy: STANDARD copies by streaming their bytes through the manifest's algorithm (memory
 * bounded), cold copies from S3's checksum. `sha256` gives the file's SHA-256 when the manifest's
 * algorithm is another one (only asked for cold copies).
 */
export async function checkCopy(
  location: StorageLocation,
  file: FixityFile,
  algorithm: 'sha256' | 'sha512',
  sha256: () => Promise<string | undefined>,
): Promise<CopyCheck> {
  const sha256Now = async () => (algorithm === 'sha256' ? file.checksum : sha256());
  if (checkMethod(location) === 'S3 full-object SHA-256 checksum') {
    return checkByStoredChecksum(location, file, await sha256Now());
  }
  const result = await checkByReading(location, file, algorithm);
  if (result === 'cold') return checkByStoredChecksum(location, file, await sha256Now());
  return result;
}
