import { config } from '../config.ts';
import { deletePrefix } from '../storage/s3-objects.ts';
import { workPrefix } from '../storage/storage-layout.ts';
import { abortUnfinishedUploads } from '../storage/unfinished-uploads.ts';
import { unpackedFilesPrefix } from './work-area.ts';

/** Removes an ingest's unpacked files and the workflow's lists for it. */
export async function cleanUnpackArea(space: string, ingestId: string): Promise<void> {
  const bucket = config().unpackBucket;
  await deletePrefix(bucket, unpackedFilesPrefix(space, ingestId));
  await deletePrefix(bucket, workPrefix(ingestId));
}

/**
 * Aborts the multipart uploads an Unpack that died left in the unpack area (large entries are
 * uploaded in parts): deleting the area's objects leaves their parts.
 */
export async function abortUnpackAreaUploads(space: string, ingestId: string): Promise<void> {
  const bucket = config().unpackBucket;
  await abortUnfinishedUploads(bucket, unpackedFilesPrefix(space, ingestId));
  await abortUnfinishedUploads(bucket, workPrefix(ingestId));
}
