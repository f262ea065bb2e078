import { config } from '../config.ts';
import { getJson, listKeys, putJson } from '../storage/s3-objects.ts';
import { fixityWorkPrefix, type FixityFile } from './fixity-plan.ts';

/**
 * Cold copies whose content S3 Batch Operations must check: S3 recorded no full-object SHA-256 for
 * them (copies made before checksums were recorded, multipart copies over 5 GiB), so they cannot be
 * checked from S3's metadata and must not be restored. Each checked chunk leaves its list in the
 * run's work area; after the chunks, one Batch Operations job computes all of them (batch-checksums.ts).
 */
export interface ChecksumRequest {
  location: string;
  /** As the chunk checked it: key and pinned versions. */
  file: FixityFile;
  /** What S3's computed SHA-256 must be (lower-case hex). */
  sha256: string;
}

/** Configuration decides: in AWS a Batch Operations role is deployed; the local S3 has none. */
export const batchChecksumsAvailable = () => config().batchOperationsRoleArn !== undefined;

const requestsPrefix = (runId: string) => `${fixityWorkPrefix(runId)}checksum-requests/`;

/** One list per chunk, written whole, so a retried chunk replaces its own list. */
export async function putChecksumRequests(runId: string, chunk: number, requests: ChecksumRequest[]) {
  if (requests.length === 0) return;
  await putJson(
    config().unpackBucket,
    `${requestsPrefix(runId)}${String(chunk).padStart(6, '0')}.json`,
    requests,
  );
}

/** Every chunk's list, one chunk at a time (memory bounded by a chunk). */
export async function* checksumRequestChunks(runId: string): AsyncGenerator<ChecksumRequest[]> {
  const bucket = config().unpackBucket;
  for await (const { key } of listKeys(bucket, requestsPrefix(runId))) {
    yield await getJson<ChecksumRequest[]>(bucket, key);
  }
}
