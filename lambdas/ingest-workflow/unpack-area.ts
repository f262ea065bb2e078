import { config } from '../config.ts';
import { deletePrefix } from '../storage/s3-objects.ts';
import { unpackPrefix, workPrefix } from '../storage/storage-layout.ts';

/** Removes an ingest's unpacked files and the workflow's lists for it. */
export async function cleanUnpackArea(space: string, ingestId: string): Promise<void> {
  const bucket = config().unpackBucket;
  await deletePrefix(bucket, unpackPrefix(space, ingestId));
  await deletePrefix(bucket, workPrefix(ingestId));
}

/** Where an unpacked file of the bag is, e.g. the source of a copy. */
export function unpackedFile(space: string, ingestId: string, bagRoot: string, name: string) {
  return { bucket: config().unpackBucket, key: `${unpackPrefix(space, ingestId)}${bagRoot}${name}` };
}
