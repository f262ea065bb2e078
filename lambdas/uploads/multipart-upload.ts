import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { Invalid, NotFound } from '../errors.ts';
import { invalidAt, quoted } from '../json-validation.ts';
import type { CompleteUploadRequest } from './complete-request.ts';
import type { PartsRequest } from './parts-request.ts';
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

/** Another space's upload is answered like one that does not exist: nothing about it shows. */
export const noUploadInProgress = (uploadId: string) =>
  new NotFound(
    `No multipart upload ${JSON.stringify(uploadId)} is in progress at this path for this API key.`,
  );

export interface PresignedParts {
  bucket: string;
  path: string;
  uploadId: string;
  parts: { partNumber: number; url: string }[];
  expires: string;
}

/** Whether S3 has this upload in progress; `undefined` from a store that cannot list parts (s3rver). */
async function uploadInProgress(
  bucket: string,
  path: string,
  uploadId: string,
): Promise<boolean | undefined> {
  try {
    await s3().send(new ListPartsCommand({ Bucket: bucket, Key: path, UploadId: uploadId, MaxParts: 1 }));
    return true;
  } catch (error) {
    const { name } = error as Error;
    if (name === 'NoSuchUpload') return false;
    if (NOT_IMPLEMENTED.has(name)) return undefined;
    throw error;
  }
}

/**
 * New presigned PUTs for parts of an upload in progress, when the plan's have expired. Refused (404)
 * when S3 does not have the upload; a store that cannot say signs them anyway, and they only work
 * for an upload it has.
 */
export async function presignParts(request: PartsRequest): Promise<PresignedParts> {
  const bucket = config().uploadBucket;
  const { path, uploadId } = request;
  if ((await uploadInProgress(bucket, path, uploadId)) === false) throw noUploadInProgress(uploadId);
  let expires = '';
  const parts = [];
  for (const partNumber of request.partNumbers) {
    const signed = await presign(
      new UploadPartCommand({ Bucket: bucket, Key: path, UploadId: uploadId, PartNumber: partNumber }),
    );
    expires ||= signed.expires;
    parts.push({ partNumber, url: signed.url });
  }
  return { bucket, path, uploadId, parts, expires };
}

const S3_CLIENT_ERRORS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall']);
/** What an S3 that does not implement ListParts (s3rver) answers instead. */
const NOT_IMPLEMENTED = new Set(['NotImplemented', 'MethodNotAllowed']);

const noSuchUpload = (uploadId: string) =>
  new Invalid(invalidAt('.uploadId', `no multipart upload ${quoted(uploadId)} is in progress at this path.`));

/**
 * After S3 failed a completion with a server error: is the upload there at all? S3 answers an
 * unknown upload id with NoSuchUpload, but some S3-compatible stores (s3rver) answer it with a 500
 * InternalError; ListParts tells the two apart where the store implements it. Where it does not,
 * the answer says exactly that, rather than claiming the id is unknown.
 */
async function refusalAfterServerError(bucket: string, request: CompleteUploadRequest, failure: Error) {
  try {
    await s3().send(
      new ListPartsCommand({ Bucket: bucket, Key: request.path, UploadId: request.uploadId, MaxParts: 1 }),
    );
  } catch (error) {
    const { name } = error as Error;
    if (name === 'NoSuchUpload') return noSuchUpload(request.uploadId);
    if (NOT_IMPLEMENTED.has(name)) {
      return new Invalid(
        invalidAt(
          '.uploadId',
          `the storage could not complete upload ${quoted(request.uploadId)} (${failure.name}) and cannot ` +
            'list its parts, so it is unknown, or a listed part was never uploaded; check the id and the parts.',
        ),
      );
    }
  }
  // The upload is in progress (or the store is down): a genuine failure of the service.
  return failure;
}

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
    const failure = error as Error & { $fault?: string };
    if (failure.name === 'NoSuchUpload') throw noSuchUpload(request.uploadId);
    if (S3_CLIENT_ERRORS.has(failure.name))
      throw new Invalid(`The upload could not be completed: ${failure.message}`);
    if (failure.$fault === 'server') throw await refusalAfterServerError(bucket, request, failure);
    throw error;
  }
  return { bucket, path: request.path };
}
