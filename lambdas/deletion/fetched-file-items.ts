import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { scanStorageManifest } from '../bags/storage-manifest-reader.ts';
import { config } from '../config.ts';
import { isMissingObject } from '../storage/s3-objects.ts';
import { storageManifestKey, storedFileKey } from '../storage/storage-layout.ts';
import { removeStoredFileItems } from './stored-object-removal.ts';

/** Item deletes gathered before they are sent (memory stays bounded whatever the manifest's size). */
const BATCH = 1000;

/**
 * Removes the stored-file items a version has for the files it took through fetch.txt. Register
 * indexes such a file under this version's key (`{space}/{id}/v2/data/a.tif`, pointing at the v1
 * bytes), where no object lies, so removing the items of the objects found under each version's
 * prefix never reaches them: the version's storage manifest names them (an entry whose `path` lies
 * in another version). Must run before the manifests go; a version whose manifest is already gone
 * had its items removed by the run that deleted it (a re-driven deletion).
 */
export async function removeFetchedFileItems(
  space: string,
  externalIdentifier: string,
  versions: readonly string[],
): Promise<number> {
  let removed = 0;
  for (const version of versions) {
    let body: AsyncIterable<Uint8Array>;
    try {
      const object = await s3().send(
        new GetObjectCommand({
          Bucket: config().primaryBucket,
          Key: storageManifestKey(space, externalIdentifier, version),
        }),
      );
      body = object.Body as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (isMissingObject(error)) continue;
      throw error;
    }
    let ids: string[] = [];
    await scanStorageManifest(body, async (file) => {
      if (file.path.startsWith(`${version}/`)) return;
      ids.push(storedFileKey(space, externalIdentifier, version, file.name));
      if (ids.length < BATCH) return;
      await removeStoredFileItems(ids);
      removed += ids.length;
      ids = [];
    });
    await removeStoredFileItems(ids);
    removed += ids.length;
  }
  return removed;
}
