import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
} from '@aws-sdk/client-s3';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import type { StorageLocation } from '../storage/locations.ts';

/** One stored object version (`versionId` only where the location has Object Lock, hence versions). */
export interface ObjectVersion {
  key: string;
  versionId?: string;
  /** A delete marker has no bytes and no hold. */
  deleteMarker: boolean;
}

const HOLDS_IN_FLIGHT = 16;

/**
 * Up to 1,000 object versions under `prefix` (all of them, delete markers included, where the bucket
 * keeps versions; else the objects). `exact` keeps only that key: a prefix also matches longer keys.
 */
export async function listObjectVersions(
  { bucket, objectLock }: StorageLocation,
  prefix: string,
  exact = false,
): Promise<ObjectVersion[]> {
  const keep = (key: string | undefined) => key !== undefined && (!exact || key === prefix);
  if (objectLock) {
    const page = await s3().send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }),
    );
    return [
      ...(page.Versions ?? [])
        .filter((v) => keep(v.Key))
        .map((v) => ({ key: v.Key as string, versionId: v.VersionId, deleteMarker: false })),
      ...(page.DeleteMarkers ?? [])
        .filter((m) => keep(m.Key))
        .map((m) => ({ key: m.Key as string, versionId: m.VersionId, deleteMarker: true })),
    ];
  }
  const page = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
  return (page.Contents ?? [])
    .filter((o) => keep(o.Key))
    .map((o) => ({ key: o.Key as string, deleteMarker: false }));
}

/**
 * Lifts legal holds (where the buckets have Object Lock) and deletes the versions. Per-key errors
 * fail the step, so the state machine retries it; every part can run again.
 */
export async function removeObjectVersions(
  { bucket, objectLock }: StorageLocation,
  versions: readonly ObjectVersion[],
): Promise<void> {
  if (versions.length === 0) return;
  if (objectLock) {
    await mapConcurrently(
      versions.filter((version) => !version.deleteMarker),
      HOLDS_IN_FLIGHT,
      (version) =>
        s3().send(
          new PutObjectLegalHoldCommand({
            Bucket: bucket,
            Key: version.key,
            VersionId: version.versionId,
            LegalHold: { Status: 'OFF' },
          }),
        ),
    );
  }
  const result = await s3().send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: {
        Objects: versions.map((version) => ({ Key: version.key, VersionId: version.versionId })),
        Quiet: true,
      },
    }),
  );
  const failed = result.Errors ?? [];
  if (failed.length > 0) {
    throw new Error(
      `Could not delete ${failed.length} object versions, e.g. ${failed[0]?.Key}: ${failed[0]?.Message}`,
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
