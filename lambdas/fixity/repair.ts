import { CopyObjectCommand, type StorageClass } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { CHECKSUM_METADATA } from '../ingest-workflow/replication.ts';
import type { StorageLocation } from '../storage/locations.ts';
import { holdVersion, pinnedVersion } from '../storage/object-versions.ts';
import type { FixityFile } from './fixity-plan.ts';
import { versionIdOf } from './version-ids.ts';

/** CopyObject copies at most 5 GiB in one request. */
export const MAX_REPAIR_COPY_BYTES = 5 * 1024 ** 3;

/** S3's CopySource: bucket, key URL-encoded per segment, and the pinned version when there is one. */
function copySource(location: StorageLocation, file: FixityFile): string {
  const source = `${location.bucket}/${file.key.split('/').map(encodeURIComponent).join('/')}`;
  const versionId = versionIdOf(file, location);
  return versionId ? `${source}?versionId=${encodeURIComponent(versionId)}` : source;
}

/**
 * Rewrites a bad copy from a verified one, server side, with the target location's storage class
 * and an S3-computed SHA-256 (so a cold copy can be checked again later without a restore).
 * In an Object Lock location the new version gets its legal hold. The caller verifies the result
 * before calling it repaired. Returns the new version id (Object Lock locations), to be pinned.
 */
export async function rewriteCopy(
  target: StorageLocation,
  source: StorageLocation,
  file: FixityFile,
  sha256: string | undefined,
): Promise<{ versionId?: string }> {
  if (file.size > MAX_REPAIR_COPY_BYTES) {
    throw new Error(`repairing copies over 5 GiB (multipart copy) is not supported yet`);
  }
  const copied = await s3().send(
    new CopyObjectCommand({
      Bucket: target.bucket,
      Key: file.key,
      CopySource: copySource(source, file),
      StorageClass: target.storageClass as StorageClass,
      ChecksumAlgorithm: 'SHA256',
      MetadataDirective: 'REPLACE',
      Metadata: sha256 ? { [CHECKSUM_METADATA]: sha256 } : undefined,
    }),
  );
  // In an Object Lock location the new version is held like every registered object.
  const versionId = pinnedVersion(target, file.key, copied.VersionId);
  await holdVersion(target, file.key, versionId);
  return { versionId };
}
