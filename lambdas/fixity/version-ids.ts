import type { StorageLocation } from '../storage/locations.ts';
import type { FixityFile } from './fixity-plan.ts';

/**
 * The S3 version id the storage manifest pins for a file's copy in a location (buckets with
 * versioning and Object Lock); undefined reads the key's current object (the local S3 has no
 * versions). The one place fixity learns version ids: checks and repair sources go through it.
 */
export function versionIdOf(file: FixityFile, location: StorageLocation): string | undefined {
  return file.versionIds?.[location.name];
}
