/**
 * Server-side copies of stored objects, for replication and fixity repair. Up to 5 GiB one CopyObject;
 * above, a multipart upload whose parts are copied by UploadPartCopy several at a time. A 150 GB
 * copy can outlast one Lambda invocation, so a multipart copy is resumable: the upload id is recorded
 * in the caller's work area before the first part, and a retried copy continues that upload with the
 * parts S3 lists as done (ListParts) instead of starting a new one. An upload that is never completed
 * is aborted by the buckets' lifecycle rule (lib/storage-buckets.ts).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type StorageClass,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { s3 } from '../aws-clients.ts';
import { getJson, isMissingObject, putJson } from './s3-objects.ts';

const MiB = 1024 ** 2;
/** CopyObject copies at most 5 GiB in one request. */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
/** S3's limits on a multipart upload's parts. */
export const MAX_PARTS = 10_000;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
/** Large enough that a 150 GB copy is 150 requests, small enough that a retry loses little. */
export const MIN_COPY_PART_BYTES = 1024 * MiB;
/** Parts copied at once for one object (replication copies several files at once too). */
export const PARTS_IN_FLIGHT = 8;

/**
 * The part size for an object: at least MIN_COPY_PART_BYTES, and large enough that the object fits
 * in 10,000 parts (S3's limit), in whole MiB.
 */
export function copyPartSize(size: number): number {
  const partSize = Math.max(MIN_COPY_PART_BYTES, Math.ceil(size / MAX_PARTS / MiB) * MiB);
  if (partSize > MAX_PART_BYTES) throw new Error(`${size} bytes is more than S3 can hold in one object`);
  return partSize;
}

/** The byte ranges (inclusive) of an object's parts, part 1 first. */
export function copyParts(
  size: number,
  partSize: number,
): { partNumber: number; first: number; last: number }[] {
  const parts = [];
  for (let first = 0, partNumber = 1; first < size; first += partSize, partNumber++) {
    parts.push({ partNumber, first, last: Math.min(first + partSize, size) - 1 });
  }
  return parts;
}

export interface ObjectCopy {
  source: { bucket: string; key: string; versionId?: string };
  target: { bucket: string; key: string; storageClass: string };
  size: number;
  /** User metadata of the new object (the file's SHA-256 for people looking at the bucket). */
  metadata?: Record<string, string>;
}

/** What a multipart copy in progress records, so that a retry continues it. */
export interface CopyProgress {
  uploadId: string;
  source: ObjectCopy['source'] & { etag: string };
  target: ObjectCopy['target'];
  size: number;
  partSize: number;
}

/** Where a multipart copy keeps its progress record: a small JSON object in the caller's work area. */
export interface CopyProgressStore {
  read(): Promise<CopyProgress | undefined>;
  write(progress: CopyProgress): Promise<void>;
}

/** S3's CopySource: the bucket, the key URL-encoded segment by segment, and the version if pinned. */
export function copySource(source: ObjectCopy['source']): string {
  const path = `${source.bucket}/${source.key.split('/').map(encodeURIComponent).join('/')}`;
  return source.versionId ? `${path}?versionId=${encodeURIComponent(source.versionId)}` : path;
}

/** A recorded upload is continued only for the very same copy: same source bytes, target and parts. */
function sameCopy(progress: CopyProgress, copy: ObjectCopy): boolean {
  return (
    progress.source.bucket === copy.source.bucket &&
    progress.source.key === copy.source.key &&
    progress.source.versionId === copy.source.versionId &&
    progress.target.bucket === copy.target.bucket &&
    progress.target.key === copy.target.key &&
    progress.target.storageClass === copy.target.storageClass &&
    progress.size === copy.size
  );
}

/** The parts S3 holds for an upload, or undefined when the upload is gone (completed or aborted). */
async function uploadedParts(
  progress: CopyProgress,
): Promise<Map<number, CompletedPart & { Size?: number }> | undefined> {
  const parts = new Map<number, CompletedPart & { Size?: number }>();
  let marker: string | undefined;
  try {
    do {
      const page = await s3().send(
        new ListPartsCommand({
          Bucket: progress.target.bucket,
          Key: progress.target.key,
          UploadId: progress.uploadId,
          PartNumberMarker: marker,
        }),
      );
      for (const part of page.Parts ?? []) {
        if (part.PartNumber === undefined) continue;
        parts.set(part.PartNumber, {
          PartNumber: part.PartNumber,
          ETag: part.ETag,
          ChecksumSHA256: part.ChecksumSHA256,
          Size: part.Size,
        });
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
  } catch (error) {
    if ((error as Error).name === 'NoSuchUpload') return undefined;
    throw error;
  }
  return parts;
}

async function startUpload(copy: ObjectCopy, store: CopyProgressStore): Promise<CopyProgress> {
  // The source's ETag makes every part copy conditional: a source that changed between two attempts
  // (or between two parts) fails the copy instead of mixing two contents in one object.
  const head = await s3().send(
    new HeadObjectCommand({
      Bucket: copy.source.bucket,
      Key: copy.source.key,
      VersionId: copy.source.versionId,
    }),
  );
  if (!head.ETag) throw new Error(`S3 returned no ETag for ${copy.source.bucket}/${copy.source.key}`);
  const { UploadId } = await s3().send(
    new CreateMultipartUploadCommand({
      Bucket: copy.target.bucket,
      Key: copy.target.key,
      StorageClass: copy.target.storageClass as StorageClass,
      ChecksumAlgorithm: 'SHA256',
      Metadata: copy.metadata,
    }),
  );
  if (!UploadId) throw new Error(`S3 returned no upload id for ${copy.target.bucket}/${copy.target.key}`);
  const progress: CopyProgress = {
    uploadId: UploadId,
    source: { ...copy.source, etag: head.ETag },
    target: copy.target,
    size: copy.size,
    partSize: copyPartSize(copy.size),
  };
  await store.write(progress);
  return progress;
}

/** The recorded upload of this same copy if S3 still has it, with the parts it holds. */
async function recordedUpload(copy: ObjectCopy, store: CopyProgressStore) {
  const progress = await store.read();
  if (!progress) return undefined;
  if (!sameCopy(progress, copy)) {
    // An upload for another copy (the record's key is reused): it will never be completed.
    try {
      await s3().send(
        new AbortMultipartUploadCommand({
          Bucket: progress.target.bucket,
          Key: progress.target.key,
          UploadId: progress.uploadId,
        }),
      );
    } catch {
      // Gone already, or left to the lifecycle rule.
    }
    return undefined;
  }
  const done = await uploadedParts(progress);
  return done ? { progress, done } : undefined;
}

async function copyPart(
  copy: ObjectCopy,
  progress: CopyProgress,
  part: { partNumber: number; first: number; last: number },
  listed: (CompletedPart & { Size?: number }) | undefined,
): Promise<CompletedPart> {
  // A part S3 holds with the planned size was copied by an earlier attempt of this same copy.
  if (listed?.ETag && listed.Size === part.last - part.first + 1) {
    return { PartNumber: part.partNumber, ETag: listed.ETag, ChecksumSHA256: listed.ChecksumSHA256 };
  }
  const { CopyPartResult } = await s3().send(
    new UploadPartCopyCommand({
      Bucket: copy.target.bucket,
      Key: copy.target.key,
      UploadId: progress.uploadId,
      PartNumber: part.partNumber,
      CopySource: copySource(copy.source),
      CopySourceIfMatch: progress.source.etag,
      CopySourceRange: `bytes=${part.first}-${part.last}`,
    }),
  );
  return {
    PartNumber: part.partNumber,
    ETag: CopyPartResult?.ETag,
    ChecksumSHA256: CopyPartResult?.ChecksumSHA256,
  };
}

async function copyMultipart(copy: ObjectCopy, store: CopyProgressStore): Promise<string | undefined> {
  const resumed = await recordedUpload(copy, store);
  const progress = resumed?.progress ?? (await startUpload(copy, store));
  const done = resumed?.done ?? new Map();
  const planned = copyParts(copy.size, progress.partSize);
  const parts: CompletedPart[] = new Array(planned.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  // After a failure no further part starts, and the copy fails once the parts in flight have ended,
  // so nothing of this attempt is still copying when the retry lists the parts.
  const worker = async () => {
    while (!failure && next < planned.length) {
      const part = planned[next++] as (typeof planned)[number];
      try {
        parts[part.partNumber - 1] = await copyPart(copy, progress, part, done.get(part.partNumber));
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, planned.length) }, worker));
  if (failure) throw failure.error;
  const { VersionId } = await s3().send(
    new CompleteMultipartUploadCommand({
      Bucket: copy.target.bucket,
      Key: copy.target.key,
      UploadId: progress.uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  return VersionId;
}

/**
 * Copies one object server side into the target's storage class, with an S3-computed SHA-256
 * (full-object up to 5 GiB; per part above). Returns the version id S3 answered (versioned buckets).
 * Above 5 GiB the copy is multipart and resumable through `store`; a failure leaves the upload for
 * the retry to continue.
 */
export async function copyObject(
  copy: ObjectCopy,
  store: CopyProgressStore,
): Promise<{ versionId?: string }> {
  if (copy.size > MAX_SINGLE_COPY_BYTES) return { versionId: await copyMultipart(copy, store) };
  const { VersionId } = await s3().send(
    new CopyObjectCommand({
      Bucket: copy.target.bucket,
      Key: copy.target.key,
      CopySource: copySource(copy.source),
      StorageClass: copy.target.storageClass as StorageClass,
      ChecksumAlgorithm: 'SHA256',
      MetadataDirective: 'REPLACE',
      Metadata: copy.metadata,
    }),
  );
  return { versionId: VersionId };
}

/**
 * A progress record in a work area (the ingest's or the fixity run's), one per target object. The
 * work area goes when its workflow ends; a record left by another workflow is never found from here.
 */
export function workAreaProgress(
  bucket: string,
  prefix: string,
  target: ObjectCopy['target'],
): CopyProgressStore {
  const name = createHash('sha256').update(`${target.bucket}\n${target.key}`).digest('hex').slice(0, 40);
  const key = `${prefix}copies/${name}.json`;
  return {
    read: async () => {
      try {
        return await getJson<CopyProgress>(bucket, key);
      } catch (error) {
        if (isMissingObject(error)) return undefined;
        throw error;
      }
    },
    write: (progress) => putJson(bucket, key, progress),
  };
}
