import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { Invalid } from '../errors.ts';
import { invalidAt } from '../json-validation.ts';
import type { CompleteUploadRequest } from './complete-request.ts';
import { presign } from '../storage/presign.ts';
import type { UploadRequest } from './upload-request.ts';
import { newUploadKey } from './upload-key.ts';

const MiB = 1024 ** 2;
export const MIN_PART_BYTES = 64 * MiB;
/**
 * S3 allows 10,000 parts, but every part costs a presigned URL in the plan, and a Lambda response
 * is capped at 6 MB: with a session token a URL is up to ~2 KB, so the plan stays at 2,000 parts or
 * fewer. 2,000 parts of at most 2.6 GiB still cover S3's 5 TiB object limit (parts may be 5 GiB).
 */
export const MAX_PLANNED_PARTS = 2000;

/** max(64 MiB, size / 2,000), rounded up to whole MiB. */
export function partSizeFor(size: number): number {
  return Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PLANNED_PARTS / MiB) * MiB);
}

export interface MultipartUploadPlan {
  bucket: string;
  path: string;
  uploadId: string;
  partSize: number;
  parts: { partNumber: number; url: string }[];
  complete: { method: 'POST'; url: string };
  expires: string;
}

/** Starts a multipart upload and presigns a PUT for each part; `POST /uploads/complete` finishes it. */
export async function planMultipartUpload(request: UploadRequest): Promise<MultipartUploadPlan> {
  const bucket = config().uploadBucket;
  const path = newUploadKey(request.space, request.filename);
  const { UploadId: uploadId } = await s3().send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: path }),
  );
  if (!uploadId) throw new Error(`S3 returned no upload id for ${bucket}/${path}`);
  const partSize = partSizeFor(request.size);
  const count = Math.ceil(request.size / partSize);
  let expires = '';
  const parts = [];
  for (let partNumber = 1; partNumber <= count; partNumber++) {
    const signed = await presign(
      new UploadPartCommand({ Bucket: bucket, Key: path, UploadId: uploadId, PartNumber: partNumber }),
    );
    expires ||= signed.expires;
    parts.push({ partNumber, url: signed.url });
  }
  return {
    bucket,
    path,
    uploadId,
    partSize,
    parts,
    complete: { method: 'POST', url: '/uploads/complete' },
    expires,
  };
}

const S3_CLIENT_ERRORS = new Set(['NoSuchUpload', 'InvalidPart', 'InvalidPartOrder', 'EntityTooSmall']);

/**
 * Assembles the uploaded parts into the object. S3's refusals (an unknown upload id, a wrong ETag,
 * a part below 5 MB) are the caller's mistakes, so they come back as 400s in S3's own words.
 */
export async function completeMultipartUpload(
  request: CompleteUploadRequest,
): Promise<{ bucket: string; path: string }> {
  const bucket = config().uploadBucket;
  try {
    await s3().send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: request.path,
        UploadId: request.uploadId,
        MultipartUpload: {
          Parts: request.parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
        },
      }),
    );
  } catch (error) {
    const { name, message } = error as Error;
    if (name === 'NoSuchUpload') {
      throw new Invalid(
        invalidAt(
          '.uploadId',
          `no multipart upload ${JSON.stringify(request.uploadId)} is in progress at this path.`,
        ),
      );
    }
    if (S3_CLIENT_ERRORS.has(name)) throw new Invalid(`The upload could not be completed: ${message}`);
    throw error;
  }
  return { bucket, path: request.path };
}
