import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { s3 } from '../aws-clients.ts';
import type { StorageLocation } from '../storage/locations.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import { sizeMismatchMessage } from './file-verifier.ts';

/** S3's answers meaning "not readable here": absent, or cold and not restored. */
const NOT_READABLE_HERE = new Set(['NoSuchKey', 'NotFound', 'InvalidObjectState']);

export const unavailableMessage = (id: string) =>
  `Stored file is not available in any storage location: ${id}`;

/** What a cart reads: a stored file's key and the version registered in each location. */
export interface StoredObjectRef {
  id: string;
  key: string;
  versionIds?: Record<string, string>;
}

/**
 * Opens a stored object from the first location that can serve it: the primary one normally, a
 * replica when the primary copy is missing or cold (staging restored whichever it could). Reads the
 * version registered there, never whatever was written over the key since.
 */
export async function openStoredObject(
  { id, key, versionIds }: StoredObjectRef,
  locations: readonly StorageLocation[],
): Promise<Readable> {
  for (const location of locations) {
    try {
      const { Body } = await s3().send(
        new GetObjectCommand({ Bucket: location.bucket, Key: key, VersionId: versionIds?.[location.name] }),
      );
      return Body as Readable;
    } catch (error) {
      if (!NOT_READABLE_HERE.has((error as Error).name)) throw error;
    }
  }
  throw new RefusalError(unavailableMessage(id));
}

/** Reads a small object whole; more than `maxBytes` means it is not the file the manifest describes. */
export async function readStoredObject(
  object: StoredObjectRef,
  locations: readonly StorageLocation[],
  maxBytes: number,
): Promise<Buffer> {
  const { id } = object;
  const body = await openStoredObject(object, locations);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) {
      body.destroy();
      throw new RefusalError(sizeMismatchMessage(id));
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
