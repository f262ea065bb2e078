/**
 * Listing and deleting every stored object version under a prefix, one page at a time. A location
 * with Object Lock keeps versions (SPEC §5.6), so there every version and delete marker is listed and
 * deleted by version id; without it (s3rver) the current objects are all there is. What to do with a
 * version S3 refuses (keep it, fail) is the caller's policy, so refusals are returned, not thrown.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import type { StorageLocation } from './locations.ts';

/** One stored object version (`versionId` only where the location has Object Lock, hence versions). */
export interface ObjectVersion {
  key: string;
  versionId?: string;
  /** A delete marker has no bytes and no hold. */
  deleteMarker: boolean;
}

/** Where ListObjectVersions resumes after a truncated page. */
export interface VersionMarker {
  keyMarker: string;
  versionIdMarker: string | undefined;
}

export interface VersionPage {
  versions: ObjectVersion[];
  /** Set when the listing was truncated (only where the location keeps versions). */
  next?: VersionMarker;
}

/** A version DeleteObjects refused, as S3 reported it. */
export interface DeleteRefusal {
  key: string;
  versionId?: string;
  code?: string;
  message?: string;
}

/**
 * One page of up to 1,000 object versions under `prefix` (DeleteObjects' limit, so a page can be
 * deleted in one request), from the start or after `after`. `exact` keeps only that key: a prefix
 * also matches longer keys.
 */
export async function listVersionPage(
  { bucket, objectLock }: StorageLocation,
  prefix: string,
  { exact = false, after }: { exact?: boolean; after?: VersionMarker } = {},
): Promise<VersionPage> {
  const keep = (key: string | undefined) =>
    key !== undefined && key.startsWith(prefix) && (!exact || key === prefix);
  if (objectLock) {
    const page = await s3().send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: 1000,
        KeyMarker: after?.keyMarker,
        VersionIdMarker: after?.versionIdMarker,
      }),
    );
    const versions = [
      ...(page.Versions ?? [])
        .filter((v) => keep(v.Key))
        .map((v) => ({ key: v.Key as string, versionId: v.VersionId, deleteMarker: false })),
      ...(page.DeleteMarkers ?? [])
        .filter((m) => keep(m.Key))
        .map((m) => ({ key: m.Key as string, versionId: m.VersionId, deleteMarker: true })),
    ];
    const next =
      page.IsTruncated && page.NextKeyMarker !== undefined
        ? { keyMarker: page.NextKeyMarker, versionIdMarker: page.NextVersionIdMarker }
        : undefined;
    return next ? { versions, next } : { versions };
  }
  const page = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
  return {
    versions: (page.Contents ?? [])
      .filter((o) => keep(o.Key))
      .map((o) => ({ key: o.Key as string, deleteMarker: false })),
  };
}

/** Deletes up to 1,000 versions in one request, by version id where they have one. */
export async function deleteVersions(
  { bucket }: StorageLocation,
  versions: readonly ObjectVersion[],
): Promise<DeleteRefusal[]> {
  if (versions.length === 0) return [];
  const answer = await s3().send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: {
        Objects: versions.map((version) => ({ Key: version.key, VersionId: version.versionId })),
        Quiet: true,
      },
    }),
  );
  return (answer.Errors ?? []).map((error) => ({
    key: error.Key as string,
    versionId: error.VersionId,
    code: error.Code,
    message: error.Message,
  }));
}
