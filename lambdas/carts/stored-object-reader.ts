import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { s3 } from '../aws-clients.ts';
import type { StorageLocation } from '../storage/locations.ts';
import { RefusalError } from '../workflows/task-errors.ts';

/** S3's answers meaning "not readable here": absent, or cold and not restored. */
const NOT_READABLE_HERE = new Set(['NoSuchKey', 'NotFound', 'InvalidObjectState']);

export const unavailableMessage = (id: string) =>
  `Stored file is not available in any storage location: ${id}`;

/**
 * Opens a stored object from the first location that can serve it: the primary one normally, a
 * replica when the primary copy is missing or cold (staging restored whichever it could).
 */
export async function openStoredObject(
  id: string,
  key: string,
  locations: readonly StorageLocation[],
): Promise<Readable> {
  for (const location of locations) {
    try {
      const { Body } = await s3().send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
      return Body as Readable;
    } catch (error) {
      if (!NOT_READABLE_HERE.has((error as Error).name)) throw error;
    }
  }
  throw new RefusalError(unavailableMessage(id));
}

export async function readStoredObject(
  id: string,
  key: string,
  locations: readonly StorageLocation[],
): Promise<Buffer> {
  const body = await openStoredObject(id, key, locations);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
