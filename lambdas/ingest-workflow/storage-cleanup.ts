import { GetObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { isRegistered } from '../bags/bag-registry.ts';
import {
  PRIMARY_LOCATION_NAME,
  type StorageLocation,
  storageLocation,
  storageLocations,
} from '../storage/locations.ts';
import { deleteVersions, listVersionPage, type VersionMarker } from '../storage/object-version-removal.ts';
import { deletePrefix } from '../storage/s3-objects.ts';
import { storageManifestKey, storedFileKey, versionLabel } from '../storage/storage-layout.ts';
import { abortUnfinishedUploads } from '../storage/unfinished-uploads.ts';

/**
 * Removes what a failed ingest stored: every object under its claimed, unregistered version
 * `{space}/{externalIdentifier}/{version}/` in every location, and a storage manifest Register may
 * have written before it failed; first the multipart uploads it started there and never completed
 * (a large copy, the manifest), whose parts no object listing shows. In a versioned bucket (AWS, with Object Lock) every object version
 * and delete marker goes, so nothing of the failed run survives as a noncurrent version.
 *
 * Never called for a registered version. A version S3 refuses to delete is kept only when it is
 * under legal hold (Register holds before it registers, so a Register that died between the two
 * leaves held objects): the caller then keeps the version's claim, so nothing is ever written there
 * again. SPEC §3 forbids `vN` segments in identifiers, so the prefix holds nothing
 * of another bag.
 */
export interface CleanupResult {
  removed: number;
  /** Object versions under legal hold (a Register that died after holding): kept, never lost. */
  held: number;
}

export async function removeUnregisteredVersion(
  space: string,
  externalIdentifier: string,
  version: number,
): Promise<CleanupResult> {
  if (await isRegistered(space, externalIdentifier, version)) {
    throw new Error(`Refusing to clean ${space}/${externalIdentifier} v${version}: it is registered`);
  }
  const label = versionLabel(version);
  const prefix = storedFileKey(space, externalIdentifier, label, '');
  const total: CleanupResult = { removed: 0, held: 0 };
  const add = (result: CleanupResult) => {
    total.removed += result.removed;
    total.held += result.held;
  };
  const primary = storageLocation(PRIMARY_LOCATION_NAME);
  const areas = [
    ...storageLocations().map((location) => ({ location, prefix })),
    { location: primary, prefix: storageManifestKey(space, externalIdentifier, label) },
  ];
  for (const area of areas) {
    // Uploads first: one that completes meanwhile is an object the deletion below still finds.
    await abortUnfinishedUploads(area.location.bucket, area.prefix);
    add(await deleteEverything(area.location, area.prefix));
  }
  return total;
}

/**
 * A location with Object Lock keeps versions (SPEC §5.6): every version and delete marker under the
 * prefix goes. Without it (s3rver) the current objects are all there is.
 */
async function deleteEverything(location: StorageLocation, prefix: string): Promise<CleanupResult> {
  const bucket = location.bucket;
  if (!location.objectLock) return { removed: await deletePrefix(bucket, prefix), held: 0 };
  const result: CleanupResult = { removed: 0, held: 0 };
  let after: VersionMarker | undefined;
  do {
    const page = await listVersionPage(location, prefix, { after });
    const refused = await deleteVersions(location, page.versions);
    for (const refusal of refused) {
      if (!(await isHeld(bucket, refusal.key, refusal.versionId))) {
        throw new Error(
          `Could not delete ${refusal.key} (${refusal.versionId}) in ${bucket}: ${refusal.code} ${refusal.message}`,
        );
      }
    }
    result.held += refused.length;
    result.removed += page.versions.length - refused.length;
    after = page.next;
  } while (after !== undefined);
  return result;
}

async function isHeld(bucket: string, key: string, versionId: string | undefined): Promise<boolean> {
  try {
    const { LegalHold } = await s3().send(
      new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
    );
    return LegalHold?.Status === 'ON';
  } catch {
    return false;
  }
}
