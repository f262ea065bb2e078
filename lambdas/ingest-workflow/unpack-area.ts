import { config } from '../config.ts';
import { deletePrefix } from '../storage/s3-objects.ts';
import { workPrefix } from '../storage/storage-layout.ts';
import { unpackedFilesPrefix } from './work-area.ts';

/** Removes an ingest's unpacked files and the workflow's lists for it. */
export async function cleanUnpackArea(space: string, ingestId: string): Promise<void> {
  const bucket = config().unpackBucket;
  await deletePrefix(bucket, unpackedFilesPrefix(space, ingestId));
  await deletePrefix(bucket, workPrefix(ingestId));
}
