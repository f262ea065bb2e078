import { config } from '../config.ts';
import { CHECKSUM_METADATA } from '../ingest-workflow/replicator.ts';
import type { StorageLocation } from '../storage/locations.ts';
import { copyObject, workAreaProgress } from '../storage/object-copy.ts';
import { holdVersion, pinnedVersion } from '../storage/object-versions.ts';
import { fixityWorkPrefix } from './fixity-plan.ts';
import type { FixityFile } from './fixity-plan.ts';
import { versionIdOf } from './version-ids.ts';

/**
 * Rewrites a bad copy from a verified one, server side, with the target location's storage class
 * and an S3-computed SHA-256 (so a cold copy can be checked again later without a restore). Copies
 * above 5 GiB are multipart and resume from the run's work area when the chunk is retried.
 * In an Object Lock location the new version gets its legal hold. The caller verifies the result
 * before calling it repaired. Returns the new version id (Object Lock locations), to be pinned.
 */
export async function rewriteCopy(
  runId: string,
  target: StorageLocation,
  source: StorageLocation,
  file: FixityFile,
  sha256: string | undefined,
): Promise<{ versionId?: string }> {
  const destination = { bucket: target.bucket, key: file.key, storageClass: target.storageClass };
  const copied = await copyObject(
    {
      source: { bucket: source.bucket, key: file.key, versionId: versionIdOf(file, source) },
      target: destination,
      size: file.size,
      metadata: sha256 ? { [CHECKSUM_METADATA]: sha256 } : undefined,
    },
    workAreaProgress(config().unpackBucket, fixityWorkPrefix(runId), destination),
  );
  // In an Object Lock location the new version is held like every registered object.
  const versionId = pinnedVersion(target, file.key, copied.versionId);
  await holdVersion(target, file.key, versionId);
  return { versionId };
}
