import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { Conflict, NotFound } from '../errors.ts';
import { isCold } from '../storage/locations.ts';
import { storedFileKey } from '../storage/storage-layout.ts';
import { presign } from '../storage/presign.ts';
import { readableLocationOf } from '../fixity/copy-health.ts';
import { getStoredFile, type RegisteredVersion } from './bag-registry.ts';

/** Beyond this a manifest is served by redirect: a Lambda response body is capped at 6 MB. */
export const MAX_INLINE_MANIFEST_BYTES = 5_000_000;

export type ManifestResponse = { inline: string } | { redirect: string };

/** The version's storage manifest JSON, inline, or as a presigned URL when too big to inline. */
export async function manifestResponse(version: RegisteredVersion): Promise<ManifestResponse> {
  const bucket = config().primaryBucket;
  if (version.manifestBytes > MAX_INLINE_MANIFEST_BYTES) {
    const { url } = await presign(
      new GetObjectCommand({
        Bucket: bucket,
        Key: version.manifestKey,
        VersionId: version.manifestVersionId,
        ResponseContentType: 'application/json',
      }),
    );
    return { redirect: url };
  }
  const object = await s3().send(
    new GetObjectCommand({ Bucket: bucket, Key: version.manifestKey, VersionId: version.manifestVersionId }),
  );
  return { inline: await object.Body!.transformToString('utf8') };
}

/**
 * The key holding a file of a version, and the S3 versions pinned there (by location), from the
 * stored-file index alone: a file the version holds has its own record; one it took through fetch.txt
 * has a reference naming the holder, whose record carries the pins (a repair since may have repinned
 * it). The storage manifest is never read, however big.
 */
async function storedObjectOf(
  version: RegisteredVersion,
  path: string,
): Promise<{ key: string; versionIds: Record<string, string> | undefined } | undefined> {
  const { space, externalIdentifier } = version;
  const key = storedFileKey(space, externalIdentifier, version.version, path);
  const found = await getStoredFile(key);
  if (!found) return undefined;
  if (found.id === key) return { key, versionIds: found.versionIds };
  const holder = await getStoredFile(found.id);
  return { key: found.id, versionIds: holder?.versionIds };
}

/** `attachment; filename="page-001.tif"`, with an RFC 6266 UTF-8 form when the name needs one. */
export function attachment(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === name) return `attachment; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A restored copy of a cold object reads like any other until it expires. */
const isRestored = (restore: string | undefined) => restore?.includes('ongoing-request="false"') ?? false;

/**
 * A presigned GET of one stored file, named for download. Objects in a cold storage class cannot be
 * read without a restore, which is the cart workflow's job: 409 says so.
 */
export async function fileDownloadUrl(version: RegisteredVersion, path: string): Promise<string> {
  const bagId = `${version.space}/${version.externalIdentifier}`;
  const stored = await storedObjectOf(version, path);
  if (!stored) throw new NotFound(`File not found: ${path} in ${bagId} ${version.version}`);
  // The primary copy, unless it failed its last fixity check: then a replica that passed.
  const location = await readableLocationOf(stored.key);
  // The held version: whatever was written over the key later is never what the bag holds.
  const object = { Bucket: location.bucket, Key: stored.key, VersionId: stored.versionIds?.[location.name] };
  const head = await s3().send(new HeadObjectCommand(object));
  if (isCold(head.StorageClass) && !isRestored(head.Restore)) {
    throw new Conflict(
      `${path} in ${bagId} ${version.version} is in cold storage (${head.StorageClass}) and cannot be downloaded directly: request it through a cart (POST /carts/{cartId}), which restores it first.`,
    );
  }
  const { url } = await presign(
    new GetObjectCommand({ ...object, ResponseContentDisposition: attachment(path) }),
  );
  return url;
}
