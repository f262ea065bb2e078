import {
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { isRegistered } from '../bags/bag-registry.ts';
import { storageLocations } from '../storage/locations.ts';
import { deletePrefix } from '../storage/s3-objects.ts';
import { storageManifestKey, storedFileKey, versionLabel } from '../storage/storage-layout.ts';

/**
 * Removes what a failed ingest stored: every object under its claimed, unregistered version
 * `{space}/{externalIdentifier}/{version}/` in every location, and a storage manifest Register may
 * have written before it failed. In a versioned bucket (AWS, with Object Lock) every object version
 * and delete marker goes, so nothing of the failed run survives as a noncurrent version.
 *
 * Never called for a registered version: its objects are under legal hold (and the bucket policy
 * would refuse anyway). SPEC §3 forbids `vN` segments in identifiers, so the prefix holds nothing
 * of another bag.
 */
export async function removeUnregisteredVersion(
  space: string,
  externalIdentifier: string,
  version: number,
): Promise<number> {
  if (await isRegistered(space, externalIdentifier, version)) {
    throw new Error(`Refusing to clean ${space}/${externalIdentifier} v${version}: it is registered`);
  }
  const label = versionLabel(version);
  const prefix = storedFileKey(space, externalIdentifier, label, '');
  let removed = 0;
  for (const location of storageLocations()) removed += await deleteEverything(location.bucket, prefix);
  removed += await deleteEverything(
    config().primaryBucket,
    storageManifestKey(space, externalIdentifier, label),
  );
  return removed;
}

const versioning = new Map<string, Promise<boolean>>();

/**
 * Whether the bucket keeps object versions. A server without versioning (s3rver) answers
 * NotImplemented; asking the bucket keeps this a property of the storage, not of where we run.
 */
function isVersioned(bucket: string): Promise<boolean> {
  let answer = versioning.get(bucket);
  if (!answer) {
    answer = s3()
      .send(new GetBucketVersioningCommand({ Bucket: bucket }))
      .then(
        ({ Status }) => Status === 'Enabled' || Status === 'Suspended',
        (error: Error) => {
          if (error.name === 'NotImplemented') return false;
          versioning.delete(bucket);
          throw error;
        },
      );
    versioning.set(bucket, answer);
  }
  return answer;
}

async function deleteEverything(bucket: string, prefix: string): Promise<number> {
  if (!(await isVersioned(bucket))) return deletePrefix(bucket, prefix);
  let removed = 0;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3().send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((entry) => entry.Key?.startsWith(prefix))
      .map((entry) => ({ Key: entry.Key as string, VersionId: entry.VersionId }));
    // A page holds at most 1,000 entries, DeleteObjects' limit.
    if (objects.length > 0) {
      const result = await s3().send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        throw new Error(
          `Could not delete ${failed.length} object versions in ${bucket}, e.g. ${failed[0]?.Key} (${failed[0]?.VersionId}): ${failed[0]?.Message}`,
        );
      }
      removed += objects.length;
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);
  return removed;
}
