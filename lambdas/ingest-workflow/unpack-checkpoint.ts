import { config } from '../config.ts';
import { getJson, isMissingObject, putJson } from '../storage/s3-objects.ts';
import { unpackCheckpointKey } from './work-area.ts';

/** Which object was being unpacked: a checkpoint only holds for the very same bytes. */
export interface ArchiveIdentity {
  etag: string;
  bytes: number;
}

/**
 * How far an unpack got: the first `parts` parts of the unpacked-file list are written, and every
 * file they list is stored in the unpack area. Written after each part, so a retried or replayed
 * Unpack (a Lambda that timed out, a task that was stopped) reads past those files instead of
 * storing them again; their digests are in the list parts.
 */
export interface UnpackCheckpoint {
  archive: ArchiveIdentity;
  parts: number;
  files: number;
  bytes: number;
}

export async function writeCheckpoint(ingestId: string, checkpoint: UnpackCheckpoint): Promise<void> {
  await putJson(config().unpackBucket, unpackCheckpointKey(ingestId), checkpoint);
}

/**
 * The checkpoint of an earlier run over this archive. `stale` when there is one for other bytes (the
 * upload was replaced): nothing of that run may be kept.
 */
export async function readCheckpoint(
  ingestId: string,
  archive: ArchiveIdentity,
): Promise<{ checkpoint?: UnpackCheckpoint; stale: boolean }> {
  let checkpoint: UnpackCheckpoint;
  try {
    checkpoint = await getJson<UnpackCheckpoint>(config().unpackBucket, unpackCheckpointKey(ingestId));
  } catch (error) {
    if (isMissingObject(error)) return { stale: false };
    throw error;
  }
  const same = checkpoint.archive?.etag === archive.etag && checkpoint.archive.bytes === archive.bytes;
  return same ? { checkpoint, stale: false } : { stale: true };
}
