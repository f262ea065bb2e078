import { config } from '../config.ts';
import type { StorageLocation } from '../storage/locations.ts';
import type { VersionIds } from '../storage/object-versions.ts';
import { getJson, putJson } from '../storage/s3-objects.ts';
import { replicatedVersionsKey } from './work-area.ts';

/**
 * The S3 version ids a chunk's copies got in a location with Object Lock, kept in the work area by
 * replication for verification and Register to pin: a million files never pass through Step
 * Functions state, and Register needs no HEAD per file (which would name whatever version is
 * current then, not the verified one). A location without versions keeps nothing.
 */
export async function writeReplicatedVersions(
  ingestId: string,
  location: StorageLocation,
  chunk: number,
  versions: VersionIds,
): Promise<void> {
  if (!location.objectLock) return;
  await putJson(config().unpackBucket, replicatedVersionsKey(ingestId, location.name, chunk), versions);
}

/** File name → version id, for the files of one chunk in one location ({} without Object Lock). */
export async function readReplicatedVersions(
  ingestId: string,
  location: StorageLocation,
  chunk: number,
): Promise<VersionIds> {
  if (!location.objectLock) return {};
  return getJson<VersionIds>(config().unpackBucket, replicatedVersionsKey(ingestId, location.name, chunk));
}
