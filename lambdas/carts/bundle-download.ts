import { GetObjectCommand } from '@aws-sdk/client-s3';
import { config } from '../config.ts';
import { presign } from '../storage/presign.ts';
import type { CartRecord } from './cart-record.ts';

/**
 * A presigned GET of a ready cart's bundle. S3 answers it with our Content-Disposition, so
 * `curl -L -O -J` saves the file under `filename`. Clients must not re-send Authorization to S3.
 */
export async function bundleDownloadUrl(record: CartRecord, filename: string): Promise<string> {
  const { url } = await presign(
    new GetObjectCommand({
      Bucket: config().bundleBucket,
      Key: record.bundleKey,
      ResponseContentDisposition: `attachment; filename="${filename}"`,
      ResponseContentType: 'application/x-tar',
    }),
  );
  return url;
}
