import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  type StorageClass,
  UploadPartCopyCommand,
  AbortMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import type { StorageLocation } from '../storage/locations.ts';
import { headObjectOrAbsent } from '../storage/s3-objects.ts';
import { storedFileKey } from '../storage/storage-layout.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import type { BagFile } from './bag-files.ts';
import { unpackedFile } from './unpack-area.ts';

/** S3's CopySource: the bucket, then the key URL-encoded segment by segment. */
const copySource = (bucket: string, key: string) =>
  `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

const MAX_SINGLE_COPY = 5 * 1024 ** 3;
const COPY_PART = 1024 ** 3;

export interface ReplicationTarget {
  ingestId: string;
  space: string;
  externalIdentifier: string;
  version: string;
  bagRoot: string;
  location: StorageLocation;
}

/** The checksum we keep with every stored object, so later writes can compare without reading. */
export const CHECKSUM_METADATA = 'sha256';

async function copyLarge(
  source: { bucket: string; key: string },
  target: ReplicationTarget,
  key: string,
  file: BagFile,
) {
  const { UploadId } = await s3().send(
    new CreateMultipartUploadCommand({
      Bucket: target.location.bucket,
      Key: key,
      StorageClass: target.location.storageClass as StorageClass,
      ChecksumAlgorithm: 'SHA256',
      Metadata: { [CHECKSUM_METADATA]: file.checksums.sha256 as string },
    }),
  );
  try {
    const parts = [];
    for (let start = 0, part = 1; start < file.size; start += COPY_PART, part++) {
      const end = Math.min(start + COPY_PART, file.size) - 1;
      const { CopyPartResult } = await s3().send(
        new UploadPartCopyCommand({
          Bucket: target.location.bucket,
          Key: key,
          UploadId,
          PartNumber: part,
          CopySource: copySource(source.bucket, source.key),
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts.push({
        PartNumber: part,
        ETag: CopyPartResult?.ETag,
        ChecksumSHA256: CopyPartResult?.ChecksumSHA256,
      });
    }
    await s3().send(
      new CompleteMultipartUploadCommand({
        Bucket: target.location.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    await s3().send(new AbortMultipartUploadCommand({ Bucket: target.location.bucket, Key: key, UploadId }));
    throw error;
  }
}

/**
 * Copies one file into a location at `{space}/{externalIdentifier}/{version}/{name}`, server side,
 * with the location's storage class and an S3-computed SHA-256 (cold replicas are verified with it).
 * An object already there with the same size and checksum is kept (a retried copy); one with other
 * content is never overwritten.
 */
export async function replicateFile(target: ReplicationTarget, file: BagFile): Promise<'copied' | 'present'> {
  const key = storedFileKey(target.space, target.externalIdentifier, target.version, file.name);
  const there = await headObjectOrAbsent(target.location.bucket, key);
  if (there) {
    if (there.ContentLength === file.size && there.Metadata?.[CHECKSUM_METADATA] === file.checksums.sha256)
      return 'present';
    throw new RefusalError(
      `Refusing to overwrite ${key} in ${target.location.name}: it already holds different content`,
    );
  }
  const source = unpackedFile(target.space, target.ingestId, target.bagRoot, file.name);

  if (file.size > MAX_SINGLE_COPY) {
    await copyLarge(source, target, key, file);
  } else {
    await s3().send(
      new CopyObjectCommand({
        Bucket: target.location.bucket,
        Key: key,
        CopySource: copySource(source.bucket, source.key),
        StorageClass: target.location.storageClass as StorageClass,
        ChecksumAlgorithm: 'SHA256',
        MetadataDirective: 'REPLACE',
        Metadata: { [CHECKSUM_METADATA]: file.checksums.sha256 as string },
      }),
    );
  }
  return 'copied';
}
