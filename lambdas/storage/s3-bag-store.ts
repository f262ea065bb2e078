import type { Readable } from 'node:stream';
import type { BagStore, StoredFile } from '../bagit/bag-store.ts';
import { openObject } from './s3-objects.ts';

/**
 * A bag unpacked under an S3 prefix. The file list comes from the unpacker's record (what the archive
 * held), not from listing the bucket, so a stray object can never join the bag.
 */
export class S3BagStore implements BagStore {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly files: () => AsyncIterable<StoredFile>;

  constructor(bucket: string, prefix: string, files: () => AsyncIterable<StoredFile>) {
    this.bucket = bucket;
    this.prefix = prefix;
    this.files = files;
  }

  listFiles(): AsyncIterable<StoredFile> {
    return this.files();
  }

  readFile(path: string): Promise<Readable> {
    return openObject(this.bucket, `${this.prefix}${path}`);
  }
}
