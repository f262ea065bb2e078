import type { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { UnpackSink } from '../archive/unpack-sink.ts';
import { s3 } from '../aws-clients.ts';
import { deletePrefix } from './s3-objects.ts';

/** S3's limit for one PUT; larger files go up in parts. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;

/**
 * Unpacks into one S3 prefix: keys are `{prefix}{path}`, and `path` is already normalised by the
 * unpacker (relative, no `..`), so nothing lands outside the prefix. The tar header gives each
 * file's length, so up to 5 GiB a file streams in one PUT; beyond, lib-storage uploads parts with
 * bounded buffers (4 parts of 64 MiB in flight at most). Memory never depends on the file's size.
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
    const target = { Bucket: this.bucket, Key: `${this.prefix}${path}` };
    if (size <= MAX_SINGLE_PUT) {
      await s3().send(new PutObjectCommand({ ...target, Body: content, ContentLength: size }));
      return;
    }
    const upload = new Upload({
      client: s3(),
      params: { ...target, Body: content },
      queueSize: 4,
      partSize: 64 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async discard(): Promise<void> {
    await deletePrefix(this.bucket, this.prefix);
  }
}
