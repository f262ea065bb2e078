import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { s3 } from '../aws-clients.ts';
import type { StorageLocation } from '../storage/locations.ts';
import { RefusalError } from '../workflows/task-errors.ts';

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

/** One copy opened, and the locations after it: where a reader retries when the copy proves bad. */
export interface OpenedCopy<T> {
  body: T;
  /** Where the copy is read from. */
  location: StorageLocation;
  rest: StorageLocation[];
}

/**
 * Opens a stored object from the first of `locations` that can serve it (staging restored whichever
 * cold copy it could; one cold and not restored is skipped). Reads the version registered there,
 * never whatever was written over the key since.
 */
export async function openStoredCopy(
  { id, key, versionIds }: StoredObjectRef,
  locations: readonly StorageLocation[],
  /** Reads from this byte on (a file resumed in another invocation). */
  from = 0,
): Promise<OpenedCopy<Readable>> {
  for (const [index, location] of locations.entries()) {
    try {
      const { Body } = await s3().send(
        new GetObjectCommand({
          Bucket: location.bucket,
          Key: key,
          VersionId: versionIds?.[location.name],
          ...(from > 0 ? { Range: `bytes=${from}-` } : {}),
        }),
      );
      return { body: Body as Readable, location, rest: locations.slice(index + 1) };
    } catch (error) {
      if (!NOT_READABLE_HERE.has((error as Error).name)) throw error;
    }
  }
  throw new RefusalError(unavailableMessage(id));
}

/** The primary copy normally, a replica when the primary copy is missing or cold. */
export async function openStoredObject(
  object: StoredObjectRef,
  locations: readonly StorageLocation[],
): Promise<Readable> {
  return (await openStoredCopy(object, locations)).body;
}

/**
 * Reads a small object whole. Past `maxBytes` it stops: the copy is not the file the manifest
 * describes, which the verifier the bytes go through then says.
 */
export async function readStoredCopy(
  object: StoredObjectRef,
  locations: readonly StorageLocation[],
  maxBytes: number,
): Promise<OpenedCopy<Buffer>> {
  const { body, location, rest } = await openStoredCopy(object, locations);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += (chunk as Buffer).length;
    chunks.push(chunk as Buffer);
    if (bytes > maxBytes) {
      body.destroy();
      break;
    }
  }
  return { body: Buffer.concat(chunks), location, rest };
}
