import type { SingleUploadPlan } from './upload-schema.ts';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { config } from '../config.ts';
import { presign } from '../storage/presign.ts';
import type { UploadRequest } from './upload-request.ts';
import { newUploadKey } from './upload-key.ts';

export type { SingleUploadPlan } from './upload-schema.ts';

/**
 * One presigned PUT. Only the host is signed (no content length or type), so `curl -T` and a
 * plain `fetch(url, {method: 'PUT', body})` both work without any header of their own.
 */
export async function planSingleUpload(request: UploadRequest): Promise<SingleUploadPlan> {
  const bucket = config().uploadBucket;
  const path = newUploadKey(request.space, request.filename);
  const { url, expires } = await presign(new PutObjectCommand({ Bucket: bucket, Key: path }));
  return { bucket, path, uploadUrl: url, expires };
}
