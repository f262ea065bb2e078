/**
 * S3 version ids of stored objects. In a location with Object Lock (see StorageLocation.objectLock)
 * every stored file is pinned to the version the ingest wrote and verified: Register puts a legal hold
 * on exactly that version, the storage manifest records it, and every later read names it, so an
 * object written over the key later (a new version) never changes what a bag holds. Without Object
 * Lock (the local S3) there are no version ids and reads take the key's only object.
 */
import { PutObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import type { StorageLocation } from './locations.ts';

/** A file's version id per location name (`primary`, then each replica's name). */
export type VersionIds = Record<string, string>;

/**
 * The version id an S3 write or read answered with, checked against the location: a location with
 * Object Lock that answers none is not versioned, and a bag stored there could not be pinned.
 */
export function pinnedVersion(
  location: StorageLocation,
  key: string,
  versionId: string | undefined,
): string | undefined {
  if (!location.objectLock) return undefined;
  if (!versionId || versionId === 'null') {
    throw new Error(
      `${location.name} (${location.bucket}) returned no version id for ${key}: the bucket must have versioning and Object Lock`,
    );
  }
  return versionId;
}

/**
 * Puts a legal hold on one version: from then on S3 refuses to delete or change that version for
 * every principal (root included) until the hold is removed, which only the deletion workflow may do.
 * Setting a hold that is already on changes nothing, so a retried Register can hold again.
 */
export async function holdVersion(location: StorageLocation, key: string, versionId: string | undefined) {
  if (!location.objectLock) return;
  await s3().send(
    new PutObjectLegalHoldCommand({
      Bucket: location.bucket,
      Key: key,
      VersionId: pinnedVersion(location, key, versionId),
      LegalHold: { Status: 'ON' },
    }),
  );
}
