import type { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import type { UnpackSink } from '../archive/unpack-sink.ts';
import { s3 } from '../aws-clients.ts';
import { deletePrefix } from './s3-objects.ts';

/**
 * Unpacks into one S3 prefix: keys are `{prefix}{path}`, and `path` is already normalised by the
 * unpacker (relative, no `..`), so nothing lands outside the prefix. Uploads stream with bounded
 * buffers (lib-storage: 4 parts of 8 MiB in flight at most), whatever the file size.
 */
export class S3PrefixSink implements UnpackSink {
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(bucket: string, prefix: string) {
    if (!prefix.endsWith('/')) throw new Error(`An unpack prefix must end with "/": ${prefix}`);
    this.bucket = bucket;
    this.prefix = prefix;
  }

  async writeFile(path: string, size: number, content: Readable): Promise<void> {
    const upload = new Upload({
      client: s3(),
      params: { Bucket: this.bucket, Key: `${this.prefix}${path}`, Body: content, ContentLength: size },
      queueSize: 4,
      partSize: 8 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async discard(): Promise<void> {
    await deletePrefix(this.bucket, this.prefix);
  }
}
