import type { StorageLocation } from '../storage/locations.ts';
import type { FixityFile } from './fixity-plan.ts';

/**
 * The S3 version id the registry pins for a file's copy in a location, when it records one (buckets
 * with versioning and Object Lock); undefined reads the current object (the local S3 has no versions).
 * The one place fixity learns version ids: reads, checks and repair sources all go through it.
 */
export function versionIdOf(_file: FixityFile, _location: StorageLocation): string | undefined {
  return undefined;
}
