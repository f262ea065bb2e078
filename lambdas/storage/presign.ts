import type { GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';

type Presignable = GetObjectCommand | PutObjectCommand | UploadPartCommand;

/** A presigned URL with the configured lifetime, and the moment it stops working. */
export async function presign(command: Presignable): Promise<{ url: string; expires: string }> {
  const expiresIn = config().presignExpiresSeconds;
  const expires = new Date(Date.now() + expiresIn * 1000).toISOString();
  // Presigning is local (no request), so one URL per part is cheap even for thousands of parts.
  const url = await getSignedUrl(s3(), command as Parameters<typeof getSignedUrl>[1], { expiresIn });
  return { url, expires };
}
