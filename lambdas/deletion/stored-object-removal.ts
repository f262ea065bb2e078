import { PutObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import type { StorageLocation } from '../storage/locations.ts';
import { deleteVersions, listVersionPage, type ObjectVersion } from '../storage/object-version-removal.ts';

const HOLDS_IN_FLIGHT = 16;

/**
 * Up to 1,000 object versions under `prefix`, from the start: the deletion workflow removes each page
 * before it lists again, until none are left. `exact` keeps only that key.
 */
export async function listObjectVersions(
  location: StorageLocation,
  prefix: string,
  exact = false,
): Promise<ObjectVersion[]> {
  return (await listVersionPage(location, prefix, { exact })).versions;
}

/**
 * Lifts legal holds (where the buckets have Object Lock) and deletes the versions. Per-key errors
 * fail the step, so the state machine retries it; every part can run again.
 */
export async function removeObjectVersions(
  location: StorageLocation,
  versions: readonly ObjectVersion[],
): Promise<void> {
  if (versions.length === 0) return;
  if (location.objectLock) {
    await mapConcurrently(
      versions.filter((version) => !version.deleteMarker),
      HOLDS_IN_FLIGHT,
      (version) =>
        s3().send(
          new PutObjectLegalHoldCommand({
            Bucket: location.bucket,
            Key: version.key,
            VersionId: version.versionId,
            LegalHold: { Status: 'OFF' },
          }),
        ),
    );
  }
  const failed = await deleteVersions(location, versions);
  if (failed.length > 0) {
    throw new Error(
      `Could not delete ${failed.length} object versions, e.g. ${failed[0]?.key}: ${failed[0]?.message}`,
    );
  }
}

/** Removes stored-file index items (`FILE#{id}`), 25 per batch; removing a missing item is a no-op. */
export async function removeStoredFileItems(ids: readonly string[]): Promise<void> {
  const tableName = config().tableName;
  for (let start = 0; start < ids.length; start += 25) {
    let requests = ids
      .slice(start, start + 25)
      .map((id) => ({ DeleteRequest: { Key: { pk: `FILE#${id}`, sk: 'FILE' } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed stored-file deletes');
      const result = await dynamo().send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}
