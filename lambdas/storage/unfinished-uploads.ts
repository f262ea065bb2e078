import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
} from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';

/** What a store without the multipart listing answers (the local s3rver: 501 NotImplemented). */
const UNSUPPORTED = new Set(['NotImplemented', 'MethodNotAllowed']);

/**
 * Aborts every multipart upload under `prefix` that was started and never completed: a copy or a
 * put that a failed or timed-out invocation left half done (a timeout skips the code that would
 * abort it). Its parts are stored and billed but are no object, so deleting the prefix's objects
 * leaves them. Returns how many it aborted. A store without ListMultipartUploads (s3rver) gives
 * nothing to abort through this API: 0; in AWS the buckets' lifecycle rule stays the safety net.
 */
export async function abortUnfinishedUploads(bucket: string, prefix: string): Promise<number> {
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    let page: ListMultipartUploadsCommandOutput;
    try {
      page = await s3().send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
    } catch (error) {
      if (UNSUPPORTED.has((error as Error).name)) return aborted;
      throw error;
    }
    for (const upload of page.Uploads ?? []) {
      try {
        await s3().send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
        );
        aborted += 1;
      } catch (error) {
        // Completed or aborted since the listing: nothing is left of it either way.
        if ((error as Error).name !== 'NoSuchUpload') throw error;
      }
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker !== undefined);
  return aborted;
}
