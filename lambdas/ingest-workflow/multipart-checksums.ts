import { createHash } from 'node:crypto';
import { GetObjectAttributesCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { s3 } from '../aws-clients.ts';

/**
 * A cold object copied in parts (files over 5 GiB) has no full-object SHA-256 in S3, only one per
 * part. Those are checked against the bytes the ingest verified: the file in the unpack area is read
 * once, range by range along the replica's part layout, hashing each range and the whole. The whole
 * must equal the bag's checksum, and each range the replica's part checksum.
 */
export async function partsMatchSource(
  replica: { bucket: string; key: string; versionId?: string },
  source: { bucket: string; key: string },
  expectedSha256: string,
): Promise<string | undefined> {
  const parts: { size: number; checksum: string | undefined }[] = [];
  let marker: string | undefined;
  do {
    const attributes = await s3().send(
      new GetObjectAttributesCommand({
        Bucket: replica.bucket,
        Key: replica.key,
        VersionId: replica.versionId,
        ObjectAttributes: ['ObjectParts'],
        MaxParts: 1000,
        PartNumberMarker: marker,
      }),
    );
    for (const part of attributes.ObjectParts?.Parts ?? []) {
      parts.push({ size: part.Size ?? 0, checksum: part.ChecksumSHA256 });
    }
    marker = attributes.ObjectParts?.IsTruncated ? attributes.ObjectParts.NextPartNumberMarker : undefined;
  } while (marker);
  if (parts.length === 0 || parts.some((part) => !part.checksum)) return 'no stored part checksums';

  const whole = createHash('sha256');
  let offset = 0;
  for (const part of parts) {
    const { Body } = await s3().send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        Range: `bytes=${offset}-${offset + part.size - 1}`,
      }),
    );
    const hash = createHash('sha256');
    for await (const chunk of Body as Readable) {
      hash.update(chunk as Buffer);
      whole.update(chunk as Buffer);
    }
    if (hash.digest('base64') !== part.checksum) return 'checksum';
    offset += part.size;
  }
  return whole.digest('hex') === expectedSha256 ? undefined : 'checksum';
}
